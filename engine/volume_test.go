package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseVolume(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Mount
		err  string
	}{
		{spec: "/h:/c", want: Mount{Type: "bind", Source: "/h", Destination: "/c", RW: true}},
		{spec: "/h/../x/:/c/:ro", want: Mount{Type: "bind", Source: "/x", Destination: "/c", RW: false}},
		{spec: "data:/d", want: Mount{Type: "volume", Name: "data", Destination: "/d", RW: true}},
		{spec: "data:/d:nocopy,rw", want: Mount{Type: "volume", Name: "data", Destination: "/d", RW: true, NoCopy: true}},
		{spec: "/anon", want: Mount{Type: "volume", Destination: "/anon", RW: true, Anonymous: true}},
		{spec: "data:rel", err: `invalid argument: invalid volume specification "data:rel": the mount destination must be an absolute path`},
		{spec: "./x:/c", err: `invalid argument: invalid volume specification "./x:/c": a bind source must be an absolute path`},
		{spec: "/h:/", err: `invalid argument: invalid volume specification "/h:/": the destination cannot be /`},
		{spec: "/h:/c:bogus", err: `invalid argument: invalid volume specification "/h:/c:bogus": unknown option bogus`},
		{spec: "/h:/c:nocopy", err: `invalid argument: invalid volume specification "/h:/c:nocopy": nocopy is for volumes`},
		{spec: "a:b:c:d", err: `invalid argument: invalid volume specification "a:b:c:d": too many colons`},
	} {
		got, err := ParseVolume(tc.spec)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: got %v, want %s", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.spec, diff)
		}
	}
}

func TestParseTmpfs(t *testing.T) {
	got, err := ParseTmpfs("/run:size=64m,ro,mode=1777")
	want := Mount{Type: "tmpfs", Destination: "/run", Options: "size=64m,mode=1777"}
	if err != nil || got != want {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := ParseTmpfs("run"); err == nil {
		t.Error("a relative destination was accepted")
	}
}

// A named volume is made once; a volume in use is kept.
func TestVolumes(t *testing.T) {
	e, _ := newTestEngine(t)
	v1, err := e.CreateVolume("data", nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := e.CreateVolume("data", map[string]string{"ignored": "as docker does"})
	if err != nil || v2.CreatedAt != v1.CreatedAt || v2.Mountpoint != v1.Mountpoint {
		t.Fatalf("second create: %+v, %v", v2, err)
	}
	cfg := &Config{ID: NewID(), Mounts: []Mount{{Type: "volume", Name: "data", Destination: "/d"}}}
	if _, err := e.store(cfg); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveVolume("data", false); err == nil {
		t.Error("removed a volume in use")
	}
	if err := e.RemoveVolume("nosuch", true); err != nil {
		t.Errorf("rm -f of no volume: %v", err)
	}
	vols, _ := e.Volumes()
	if len(vols) != 1 || vols[0].Name != "data" || vols[0].Driver != "local" {
		t.Errorf("volumes: %+v", vols)
	}
}

// docker's name rule, ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$.
func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"web": true, "a1": true, "my_app.v2-x": true, "9lives": true,
		"": false, "a": false, "_x": false, ".x": false, "-x": false, "a b": false, "a/b": false, "ünï": false,
	} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}
