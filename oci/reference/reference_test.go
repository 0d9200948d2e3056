package reference

import (
	"errors"
	"strings"
	"testing"
)

const hex64 = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

// TestParse: what docker pull makes of each name, from distribution's
// normalize_test.go and the docker documentation's examples.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		in                   string
		domain, path, tag    string
		digest               string
		full, familiar, name string
	}{
		{in: "busybox", domain: "docker.io", path: "library/busybox", full: "docker.io/library/busybox", familiar: "busybox"},
		{in: "busybox:latest", domain: "docker.io", path: "library/busybox", tag: "latest", full: "docker.io/library/busybox:latest", familiar: "busybox:latest"},
		{in: "docker.io/busybox", domain: "docker.io", path: "library/busybox", full: "docker.io/library/busybox", familiar: "busybox"},
		{in: "index.docker.io/library/busybox", domain: "docker.io", path: "library/busybox", full: "docker.io/library/busybox", familiar: "busybox"},
		{in: "library/busybox", domain: "docker.io", path: "library/busybox", full: "docker.io/library/busybox", familiar: "busybox"},
		{in: "user/app:1.0", domain: "docker.io", path: "user/app", tag: "1.0", full: "docker.io/user/app:1.0", familiar: "user/app:1.0"},
		{in: "library/foo/bar", domain: "docker.io", path: "library/foo/bar", full: "docker.io/library/foo/bar", familiar: "library/foo/bar"},
		{in: "test_com/foo", domain: "docker.io", path: "test_com/foo", full: "docker.io/test_com/foo", familiar: "test_com/foo"},
		{in: "myhost/x", domain: "docker.io", path: "myhost/x", full: "docker.io/myhost/x", familiar: "myhost/x"},
		{in: "localhost/x", domain: "localhost", path: "x", full: "localhost/x", familiar: "localhost/x"},
		{in: "localhost:5000/a/b/c:v2", domain: "localhost:5000", path: "a/b/c", tag: "v2", full: "localhost:5000/a/b/c:v2", familiar: "localhost:5000/a/b/c:v2"},
		{in: "127.0.0.1:5000/busybox", domain: "127.0.0.1:5000", path: "busybox", full: "127.0.0.1:5000/busybox", familiar: "127.0.0.1:5000/busybox"},
		{in: "example.com/busybox", domain: "example.com", path: "busybox", full: "example.com/busybox", familiar: "example.com/busybox"},
		{in: "test-com:8080/foo", domain: "test-com:8080", path: "foo", full: "test-com:8080/foo", familiar: "test-com:8080/foo"},
		{in: "xn--n3h.com:18080/foo", domain: "xn--n3h.com:18080", path: "foo", full: "xn--n3h.com:18080/foo", familiar: "xn--n3h.com:18080/foo"},
		{in: "[fc00::1]:5000/docker/docker", domain: "[fc00::1]:5000", path: "docker/docker", full: "[fc00::1]:5000/docker/docker", familiar: "[fc00::1]:5000/docker/docker"},
		{in: "Foo/bar", domain: "Foo", path: "bar", full: "Foo/bar", familiar: "Foo/bar"},
		{in: "192.168.0.1", domain: "docker.io", path: "library/192.168.0.1", full: "docker.io/library/192.168.0.1", familiar: "192.168.0.1"},
		{in: "docker---rules/do__ck.er", domain: "docker.io", path: "docker---rules/do__ck.er", full: "docker.io/docker---rules/do__ck.er", familiar: "docker---rules/do__ck.er"},
		{in: "busybox@sha256:" + hex64, domain: "docker.io", path: "library/busybox", digest: "sha256:" + hex64,
			full: "docker.io/library/busybox@sha256:" + hex64, familiar: "busybox@sha256:" + hex64},
		{in: "busybox:1.36@sha256:" + hex64, domain: "docker.io", path: "library/busybox", tag: "1.36", digest: "sha256:" + hex64,
			full: "docker.io/library/busybox:1.36@sha256:" + hex64, familiar: "busybox:1.36@sha256:" + hex64},
		{in: "docker.io/" + hex64, domain: "docker.io", path: "library/" + hex64, full: "docker.io/library/" + hex64, familiar: hex64},
		{in: strings.Repeat("a", 63), domain: "docker.io", path: "library/" + strings.Repeat("a", 63), full: "docker.io/library/" + strings.Repeat("a", 63), familiar: strings.Repeat("a", 63)},
		{in: "busybox:" + strings.Repeat("t", 128), domain: "docker.io", path: "library/busybox", tag: strings.Repeat("t", 128),
			full: "docker.io/library/busybox:" + strings.Repeat("t", 128), familiar: "busybox:" + strings.Repeat("t", 128)},
	} {
		r, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if r.Domain != c.domain || r.Path != c.path || r.Tag != c.tag || string(r.Digest) != c.digest {
			t.Errorf("Parse(%q) = %+v, want domain %q path %q tag %q digest %q", c.in, r, c.domain, c.path, c.tag, c.digest)
		}
		if got := r.String(); got != c.full {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.full)
		}
		if got := r.Familiar(); got != c.familiar {
			t.Errorf("Parse(%q).Familiar() = %q, want %q", c.in, got, c.familiar)
		}
		// The canonical form reads back as itself.
		back, err := ParseCanonical(r.String())
		if err != nil || back != r {
			t.Errorf("ParseCanonical(%q) = %+v, %v; want %+v", r.String(), back, err, r)
		}
		again, err := Parse(r.String())
		if err != nil || again != r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", r.String(), again, err, r)
		}
	}
}

// TestInvalid: every refusal wraps a sentinel and says what is wrong.
func TestInvalid(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
		says string
	}{
		{"", ErrNameEmpty, "at least one component"},
		{"Busybox", ErrInvalidFormat, "repository name (library/Busybox) must be lowercase"},
		{"docker/Docker", ErrInvalidFormat, "repository name (docker/Docker) must be lowercase"},
		{"127.0.0.1:5000/BusyBox:latest", ErrInvalidFormat, "repository name (BusyBox) must be lowercase"},
		{hex64, ErrIdentifier, "invalid repository name (" + hex64 + "), cannot specify 64-byte hexadecimal strings"},
		{"busybox:", ErrTag, `tag ""`},
		{"busybox:-x", ErrTag, `tag "-x"`},
		{"busybox:" + strings.Repeat("t", 129), ErrTag, "at most 128"},
		{"busybox:a/b", ErrInvalidFormat, "invalid reference format"},
		{"busybox@sha256:abc", ErrDigest, `digest "sha256:abc"`},
		{"busybox@sha256:" + hex64[:40], ErrDigest, "invalid checksum digest length"},
		{"busybox@sha256:" + strings.ToUpper(hex64), ErrDigest, "invalid checksum digest format"},
		{"busybox@md5:d41d8cd98f00b204e9800998ecf8427e", ErrDigest, "unsupported digest algorithm"},
		{"https://github.com/docker/docker", ErrInvalidFormat, "invalid reference format"},
		{"-docker", ErrInvalidFormat, `repository "library/-docker"`},
		{"docker-/docker", ErrInvalidFormat, `repository "docker-/docker"`},
		{"dock..er/docker", ErrInvalidFormat, `registry "dock..er"`}, // a "." makes it a registry
		{"____/____", ErrInvalidFormat, "repository"},
		{"docker///docker", ErrInvalidFormat, "invalid reference format"},
		{"docker/", ErrNameEmpty, "at least one component"},
		{"-docker.io/docker/docker", ErrInvalidFormat, `registry "-docker.io"`},
		{"[fc00::1]:5000", ErrInvalidFormat, "invalid reference format"},
		{"fc00::1:5000/debian", ErrInvalidFormat, "invalid reference format"},
		{"[fe80::1%eth0]:5000/debian", ErrInvalidFormat, "invalid reference format"},
		{strings.Repeat("a/", 128) + "a", ErrNameTooLong, "255 characters"},
	} {
		r, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", c.in, r)
			continue
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Parse(%q): %q, want %v saying %q", c.in, err, c.want, c.says)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q): error of more than one line: %q", c.in, err)
		}
	}
	if _, err := ParseCanonical("busybox"); !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("ParseCanonical(busybox): %v, want ErrInvalidFormat (no registry)", err)
	}
}

func TestHelpers(t *testing.T) {
	r, _ := Parse("busybox")
	if got := r.WithDefaultTag().String(); got != "docker.io/library/busybox:latest" {
		t.Errorf("WithDefaultTag: %s", got)
	}
	if r.WithDefaultTag().Identifier() != "latest" || r.Registry() != DefaultRegistry {
		t.Errorf("Identifier %q, Registry %q", r.WithDefaultTag().Identifier(), r.Registry())
	}
	d, _ := Parse("busybox:1@sha256:" + hex64)
	if d.WithDefaultTag() != d || d.Identifier() != "sha256:"+hex64 || d.Repository().String() != "docker.io/library/busybox" {
		t.Errorf("digested: %+v %q", d, d.Identifier())
	}
	if _, err := r.WithTag("-bad"); !errors.Is(err, ErrTag) {
		t.Errorf("WithTag(-bad): %v", err)
	}
	l, _ := Parse("localhost:5000/x")
	if l.Registry() != "localhost:5000" {
		t.Errorf("Registry: %s", l.Registry())
	}
	if !IsIdentifier(hex64) || IsIdentifier(hex64[:63]) {
		t.Error("IsIdentifier")
	}
}

// FuzzParse: whatever the input, Parse does not panic, and what it
// accepts prints as a reference it reads back the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"busybox", "localhost:5000/a/b:c", "[::1]:5000/x@sha256:" + hex64, "A/b", "x:y@z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		back, err := ParseCanonical(r.String())
		if err != nil || back != r {
			t.Fatalf("%q -> %q -> %+v, %v", s, r.String(), back, err)
		}
	})
}
