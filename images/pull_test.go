package images_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/registry"
	"github.com/minidocker/minidocker/oci/registry/registrytest"
)

// events collects progress, per layer.
type events struct {
	mu sync.Mutex
	by map[string][]string
}

func (e *events) add(p images.Progress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.by == nil {
		e.by = map[string][]string{}
	}
	if l := e.by[p.ID]; len(l) > 0 && l[len(l)-1] == p.Status {
		return // a moving status, once
	}
	e.by[p.ID] = append(e.by[p.ID], p.Status)
}

func (e *events) of(id string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.by[id], ", ")
}

func noSleep(context.Context, time.Duration) error { return nil }

var threeLayers = [][]entry{
	{dir("etc"), file("etc/motd", "base"), file("etc/gone", "x"), dir("opt"), file("opt/old", "o")},
	{file("etc/motd", "middle"), whiteout("etc/gone"), dir("opt"), file("opt/.wh..wh..opq", ""), file("opt/new", "n")},
	{file("top", "t")},
}

// checkThree checks the tree of threeLayers: the middle layer changed
// etc/motd, deleted etc/gone, made opt/ opaque; the top added top.
func checkThree(t *testing.T, got string) {
	t.Helper()
	for _, want := range []string{"etc/motd -rw-r--r-- ", "opt/new -rw-r--r-- ", "top -rw-r--r-- "} {
		if !strings.Contains(got, want) {
			t.Errorf("tree lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"etc/gone", "opt/old", ".wh."} {
		if strings.Contains(got, gone) {
			t.Errorf("tree holds %q:\n%s", gone, got)
		}
	}
	if !strings.Contains(got, "etc/motd -rw-r--r-- "+owner+" "+hash8("middle")) {
		t.Errorf("etc/motd is not the middle layer's:\n%s", got)
	}
}

// TestPullLayers: three layers fetched at once, unpacked bottom up into
// snapshots named by chain ID (the middle one deletes from the first),
// docker's events for each; the second pull of the same tag moves nothing.
func TestPullLayers(t *testing.T) {
	f := registrytest.NewFake()
	defer f.Close()
	fi := serveImage(f, "test/three", "latest", threeLayers...)
	s, root := openStore(t)
	var ev events
	ctx := context.Background()
	res, err := s.Pull(ctx, mustRef(t, f.Addr()+"/test/three"), images.WithProgress(ev.add))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Updated || res.Image.Target.Digest != fi.digest || res.Image.RepoDigest != fi.digest || len(res.Image.ChainIDs()) != 3 {
		t.Fatalf("pulled %+v", res.Image)
	}
	checkThree(t, unpackedTree(t, s, res.Image))
	for _, l := range fi.layers {
		id := digest.FromBytes(l).Encoded()[:12]
		if got := ev.of(id); !strings.HasPrefix(got, "Pulling fs layer, ") || !strings.HasSuffix(got, "Download complete, Pull complete") && !strings.HasSuffix(got, "Extracting, Pull complete") {
			t.Errorf("layer %s: events %s", id, got)
		}
	}
	assertClean(t, s, root)
	img, err := s.Get(ctx, f.Addr()+"/test/three:latest")
	if err != nil || img.Size <= 0 || img.Config.Config.Cmd[0] != "sh" {
		t.Fatalf("get: %+v %v", img, err)
	}

	// Again: HEAD says the digest, the store has it all.
	before := len(f.Requests())
	res, err = s.Pull(ctx, mustRef(t, f.Addr()+"/test/three:latest"))
	if err != nil || res.Updated {
		t.Fatalf("second pull: %+v %v", res, err)
	}
	for _, r := range f.Requests()[before:] {
		if r.Method != http.MethodHead && r.Path != "/v2/" {
			t.Errorf("the second pull sent %s %s", r.Method, r.Path)
		}
	}
	// The same image under another name: every layer already exists.
	f.AddManifest("test/again", "v1", "application/vnd.oci.image.manifest.v1+json", fi.manifest)
	var ev2 events
	if _, err := s.Pull(ctx, mustRef(t, f.Addr()+"/test/again:v1"), images.WithProgress(ev2.add)); err != nil {
		t.Fatal(err)
	}
	if got := ev2.of(digest.FromBytes(fi.layers[0]).Encoded()[:12]); got != "Already exists" {
		t.Errorf("a layer the store has: %s", got)
	}
	// Remove both names: nothing is left.
	for _, n := range []string{f.Addr() + "/test/three", f.Addr() + "/test/again:v1"} {
		if _, err := s.Remove(ctx, n, images.RemoveOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	assertEmpty(t, s, root)
}

// TestPullFaults: each fault ends in a clear error or a recovery, and the
// store holds no partial or unverified blob, no half-made snapshot, and
// no image name for what failed.
func TestPullFaults(t *testing.T) {
	for _, c := range []struct {
		name  string
		fault func(fi *fakeImage, count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool
		want  string // "" for a recovery
		opts  []registry.Option
	}{
		{"digest mismatch", func(fi *fakeImage, _ *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 1, func(w http.ResponseWriter, r *http.Request, b []byte) {
				bad := bytes.Clone(b)
				bad[len(bad)-10] ^= 0xff
				registrytest.ServeBlob(w, r, bad)
			})
		}, "digest mismatch", nil},
		{"truncated body", func(fi *fakeImage, _ *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 0, func(w http.ResponseWriter, r *http.Request, b []byte) { registrytest.ServeBlob(w, r, b[:len(b)/2]) })
		}, "size mismatch", nil},
		{"500 then success", func(fi *fakeImage, count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 2, func(w http.ResponseWriter, r *http.Request, b []byte) {
				if count.Add(1) == 1 {
					registrytest.Error(w, 500, "UNKNOWN", "oops")
					return
				}
				registrytest.ServeBlob(w, r, b)
			})
		}, "", nil},
		{"429 with Retry-After", func(fi *fakeImage, count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 0, func(w http.ResponseWriter, r *http.Request, b []byte) {
				if count.Add(1) == 1 {
					w.Header().Set("Retry-After", "2")
					registrytest.Error(w, 429, "TOOMANYREQUESTS", "slow down")
					return
				}
				registrytest.ServeBlob(w, r, b)
			})
		}, "", nil},
		{"503 forever", func(fi *fakeImage, _ *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 1, func(w http.ResponseWriter, r *http.Request, b []byte) {
				registrytest.Error(w, 503, "UNAVAILABLE", "down")
			})
		}, "503 unavailable: down", nil},
		{"dropped connection mid-blob", func(fi *fakeImage, count *atomic.Int32) func(http.ResponseWriter, *http.Request) bool {
			return onLayer(fi, 0, func(w http.ResponseWriter, r *http.Request, b []byte) {
				if r.Header.Get("Range") != "" || count.Add(1) > 1 {
					registrytest.ServeBlob(w, r, b)
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(b)))
				w.WriteHeader(200)
				w.Write(b[:len(b)/3])
				w.(http.Flusher).Flush()
				conn, _, _ := http.NewResponseController(w).Hijack()
				conn.Close()
			})
		}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := registrytest.NewFake()
			defer f.Close()
			fi := serveImage(f, "test/img", "latest", threeLayers...)
			var count atomic.Int32
			f.Fault = c.fault(&fi, &count)
			s, root := openStore(t)
			client := registry.New(append([]registry.Option{registry.WithSleep(noSleep)}, c.opts...)...)
			res, err := s.Pull(context.Background(), mustRef(t, f.Addr()+"/test/img"), images.WithClient(client))
			if c.want == "" {
				if err != nil {
					t.Fatalf("not recovered: %v", err)
				}
				checkThree(t, unpackedTree(t, s, res.Image))
				assertClean(t, s, root)
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line saying %q", err, c.want)
			}
			t.Logf("error, as the user sees it: %v", err)
			assertEmpty(t, s, root)
		})
	}
}

// onLayer answers requests for layer i with serve, the rest as usual.
func onLayer(fi *fakeImage, i int, serve func(http.ResponseWriter, *http.Request, []byte)) func(http.ResponseWriter, *http.Request) bool {
	path := "/blobs/" + digest.FromBytes(fi.layers[i]).String()
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, path) {
			return false
		}
		serve(w, r, fi.layers[i])
		return true
	}
}

// TestPullBadLayer: a layer that downloads fine but is not what the
// config says (its diff ID differs) leaves nothing: not the blobs already
// committed, not the snapshots of the layers below it.
func TestPullBadLayer(t *testing.T) {
	f := registrytest.NewFake()
	defer f.Close()
	good := serveImage(f, "test/good", "latest", threeLayers...)
	// The same manifest's layers, with a config whose last diff ID lies.
	lying := bytes.Replace(good.config, []byte(`"diff_ids":["`), []byte(`"diff_ids":["`), 1)
	lying = bytes.Replace(lying, []byte(digestOfTar(threeLayers[2]).Encoded()), []byte(strings.Repeat("0", 64)), 1)
	cd := f.AddBlob(lying)
	m := bytes.Replace(good.manifest, []byte(digest.FromBytes(good.config).String()), []byte(cd.String()), 1)
	m = bytes.Replace(m, []byte(fmt.Sprintf(`"size":%d`, len(good.config))), []byte(fmt.Sprintf(`"size":%d`, len(lying))), 1)
	f.AddManifest("test/bad", "latest", "application/vnd.oci.image.manifest.v1+json", m)
	s, root := openStore(t)
	_, err := s.Pull(context.Background(), mustRef(t, f.Addr()+"/test/bad"))
	if err == nil || !strings.Contains(err.Error(), "diff ID is sha256:") || !strings.Contains(err.Error(), "digest mismatch") {
		t.Fatalf("pull of a lying config: %v", err)
	}
	assertEmpty(t, s, root)
}

func digestOfTar(es []entry) digest.Digest { _, d := layerOf(es...); return d }

// TestPullAuthAndRedirect: a registry that wants a token and serves its
// blobs from another host: the layers come, the token stays home.
func TestPullAuthAndRedirect(t *testing.T) {
	var cdnAuth atomic.Int32
	f := registrytest.NewFake()
	defer f.Close()
	fi := serveImage(f, "test/img", "latest", threeLayers...)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			cdnAuth.Add(1)
		}
		for _, l := range fi.layers {
			if strings.HasSuffix(r.URL.Path, digest.FromBytes(l).Encoded()) {
				registrytest.ServeBlob(w, r, l)
				return
			}
		}
		w.WriteHeader(404)
	}))
	defer cdn.Close()
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"T0KEN"}`)
	}))
	defer tokens.Close()
	f.Fault = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != "Bearer T0KEN" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+tokens.URL+`/token",service="fake"`)
			registrytest.Error(w, 401, "UNAUTHORIZED", "authentication required")
			return true
		}
		for _, l := range fi.layers {
			if strings.HasSuffix(r.URL.Path, digest.FromBytes(l).String()) {
				http.Redirect(w, r, cdn.URL+"/cdn/"+digest.FromBytes(l).Encoded(), http.StatusTemporaryRedirect)
				return true
			}
		}
		return false
	}
	s, root := openStore(t)
	res, err := s.Pull(context.Background(), mustRef(t, f.Addr()+"/test/img"))
	if err != nil {
		t.Fatal(err)
	}
	if cdnAuth.Load() != 0 {
		t.Errorf("%d requests to the other host carried Authorization", cdnAuth.Load())
	}
	checkThree(t, unpackedTree(t, s, res.Image))
	assertClean(t, s, root)
}

// TestTagRemove: docker's rmi rules: a name untags; an ID named in two
// repositories needs -f; the last name deletes the image and its layers.
func TestTagRemove(t *testing.T) {
	f := registrytest.NewFake()
	defer f.Close()
	serveImage(f, "test/img", "latest", threeLayers...)
	s, root := openStore(t)
	ctx := context.Background()
	res, err := s.Pull(ctx, mustRef(t, f.Addr()+"/test/img"))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Image.ID().Encoded()[:12]
	if err := s.Tag(ctx, id, mustRef(t, "mine/copy:v2")); err != nil {
		t.Fatal(err)
	}
	if err := s.Tag(ctx, f.Addr()+"/test/img", mustRef(t, f.Addr()+"/test/img:alias")); err != nil {
		t.Fatal(err)
	}
	if img, err := s.Get(ctx, "mine/copy:v2"); err != nil || img.ID() != res.Image.ID() {
		t.Fatalf("get the tag: %v", err)
	}
	if img, err := s.Get(ctx, f.Addr()+"/test/img@"+res.Image.Target.Digest.String()); err != nil || img.ID() != res.Image.ID() {
		t.Fatalf("get by digest: %v", err)
	}
	if _, err := s.Get(ctx, "nosuch"); !errors.Is(err, images.ErrNotFound) || err.Error() != "no such image: nosuch:latest" {
		t.Errorf("a missing image: %v", err)
	}
	if _, err := s.Remove(ctx, id, images.RemoveOptions{}); !errors.Is(err, images.ErrConflict) ||
		!strings.Contains(err.Error(), "unable to delete "+id+" (must be forced) - image is referenced in multiple repositories") {
		t.Errorf("rmi ID of an image in two repositories: %v", err)
	}
	r, err := s.Remove(ctx, "mine/copy:v2", images.RemoveOptions{})
	if err != nil || fmt.Sprint(r.Untagged) != "[mine/copy:v2]" || len(r.Deleted) != 0 {
		t.Fatalf("rmi a name: %+v %v", r, err)
	}
	r, err = s.Remove(ctx, f.Addr()+"/test/img:alias", images.RemoveOptions{})
	if err != nil || len(r.Deleted) != 0 {
		t.Fatalf("rmi the alias: %+v %v", r, err)
	}
	inUse := func(*images.Image) string { return "0123456789ab" }
	if _, err := s.Remove(ctx, f.Addr()+"/test/img", images.RemoveOptions{InUse: inUse}); !errors.Is(err, images.ErrConflict) {
		t.Errorf("rmi of an image a container uses: %v", err)
	}
	r, err = s.Remove(ctx, f.Addr()+"/test/img", images.RemoveOptions{})
	want := fmt.Sprintf("[%s/test/img:latest %s/test/img@%s]", f.Addr(), f.Addr(), res.Image.Target.Digest)
	if err != nil || fmt.Sprint(r.Untagged) != want || len(r.Deleted) != 4 || r.Deleted[0] != res.Image.ID() {
		t.Fatalf("rmi the last name: %+v %v, want untagged %s and 4 deleted", r, err, want)
	}
	assertEmpty(t, s, root)
}

// TestRemoveKeepsContainerLayers: a container's snapshot stands on the
// image's top layer: rmi deletes the image's name and blobs, and the
// layers the container needs stay.
func TestRemoveKeepsContainerLayers(t *testing.T) {
	f := registrytest.NewFake()
	defer f.Close()
	serveImage(f, "test/img", "latest", threeLayers...)
	s, _ := openStore(t)
	ctx := context.Background()
	res, err := s.Pull(ctx, mustRef(t, f.Addr()+"/test/img"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshotter().Prepare(ctx, "container-1", res.Image.TopLayer()); err != nil {
		t.Fatal(err)
	}
	r, err := s.Remove(ctx, f.Addr()+"/test/img", images.RemoveOptions{})
	if err != nil || len(r.Deleted) != 1 || r.Deleted[0] != res.Image.ID() {
		t.Fatalf("rmi: %+v %v, want the image deleted and no layer", r, err)
	}
	for _, c := range res.Image.ChainIDs() {
		if _, err := s.Snapshotter().Stat(ctx, c.String()); err != nil {
			t.Errorf("layer %s: %v", c, err)
		}
	}
	if _, err := s.Snapshotter().Stat(ctx, "container-1"); err != nil {
		t.Error(err)
	}
}
