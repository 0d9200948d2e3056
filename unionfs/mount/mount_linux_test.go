package mount

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts overlays")
	}
}

// layers makes n layer dirs under dir, each with its own file and its
// version of a shared one, and returns the overlay over them, topmost
// first, with a fresh upper and work dir.
func layers(t testing.TB, dir string, n int) Mount {
	t.Helper()
	var lowers []string
	for i := 0; i < n; i++ {
		l := filepath.Join(dir, "layers", fmt.Sprintf("%03d", i))
		must(t, os.MkdirAll(l, 0o755))
		must(t, os.WriteFile(filepath.Join(l, fmt.Sprintf("f%03d", i)), nil, 0o644))
		must(t, os.WriteFile(filepath.Join(l, "top"), []byte(fmt.Sprint(i)), 0o644))
		lowers = append([]string{l}, lowers...)
	}
	upper, work := filepath.Join(dir, "upper"), filepath.Join(dir, "work")
	must(t, os.MkdirAll(upper, 0o755))
	must(t, os.MkdirAll(work, 0o755))
	return Mount{Type: "overlay", Source: "overlay", Options: []string{
		"lowerdir=" + strings.Join(lowers, ":"), "upperdir=" + upper, "workdir=" + work, "index=off"}}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mountAt mounts m on a fresh dir and unmounts it in Cleanup, even when
// the test fails.
func mountAt(t testing.TB, m Mount, dir string) string {
	t.Helper()
	target := filepath.Join(dir, "merged")
	must(t, os.MkdirAll(target, 0o755))
	if err := m.Mount(target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Unmount(target); err != nil {
			t.Error(err)
		}
	})
	return target
}

func forceLegacy(t testing.TB) {
	legacyOnly = true
	t.Cleanup(func() { legacyOnly = false })
}

// Both ways to mount take 128 layers: the new API because each lower is
// its own parameter, mount(2) because the paths are made relative. The
// absolute option string is over a page; the store lays layers out as
// short N/fs paths, as this test does, which keeps the relative one under.
func TestOverlay128Layers(t *testing.T) {
	needRoot(t)
	for _, legacy := range []bool{false, true} {
		t.Run(map[bool]string{false: "fsconfig", true: "mount2"}[legacy], func(t *testing.T) {
			if legacy {
				forceLegacy(t)
			}
			dir := t.TempDir()
			m := layers(t, dir, 128)
			if n := len(strings.Join(m.Options, ",")); n < os.Getpagesize() {
				t.Fatalf("options are %d bytes: the test must go over a page", n)
			}
			var merged string
			if legacy {
				merged = mountAt(t, m, dir)
			} else {
				// The new API itself, not Mount, which would fall back to
				// mount(2) on a kernel without lowerdir+ and pass anyway.
				merged = filepath.Join(dir, "merged")
				must(t, os.MkdirAll(merged, 0o755))
				err := m.overlayFsconfig(merged)
				if errors.Is(err, errNoNewAPI) {
					t.Skipf("%v (Linux 6.8): the mount2 subtest is the way here", err)
				}
				must(t, err)
				t.Cleanup(func() {
					if err := Unmount(merged); err != nil {
						t.Error(err)
					}
				})
			}
			ents, err := os.ReadDir(merged)
			must(t, err)
			if len(ents) != 129 {
				t.Errorf("merged dir has %d entries, want 128 layer files and top", len(ents))
			}
			top, err := os.ReadFile(filepath.Join(merged, "top"))
			must(t, err)
			if string(top) != "127" {
				t.Errorf("top = %q, want the topmost layer's 127", top)
			}
			// Writes land in the upper dir only.
			must(t, os.WriteFile(filepath.Join(merged, "top"), []byte("new"), 0o644))
			if b, _ := os.ReadFile(filepath.Join(dir, "upper", "top")); string(b) != "new" {
				t.Errorf("upper/top = %q after a write through the overlay", b)
			}
			if b, _ := os.ReadFile(filepath.Join(m.Lowers()[0], "top")); string(b) != "127" {
				t.Errorf("a lower layer changed: top = %q", b)
			}
		})
	}
}

// The cwd of the rest of the process stays where it was while the legacy
// path mounts from the layers' directory.
func TestLegacyKeepsCwd(t *testing.T) {
	needRoot(t)
	forceLegacy(t)
	before, err := os.Getwd()
	must(t, err)
	dir := t.TempDir()
	mountAt(t, layers(t, dir, 100), dir)
	if after, _ := os.Getwd(); after != before {
		t.Errorf("cwd moved from %s to %s", before, after)
	}
}

func TestOverlayErrors(t *testing.T) {
	needRoot(t)
	for _, legacy := range []bool{false, true} {
		if legacy {
			forceLegacy(t)
		}
		dir := t.TempDir()
		m := layers(t, dir, 2)
		m.Options[0] += ":" + filepath.Join(dir, "missing")
		target := filepath.Join(dir, "merged")
		must(t, os.MkdirAll(target, 0o755))
		err := m.Mount(target)
		if err == nil {
			Unmount(target)
			t.Fatalf("legacy=%v: an overlay on a missing lower dir mounted", legacy)
		}
		if !strings.Contains(err.Error(), "mount overlay on "+target) {
			t.Errorf("legacy=%v: error %q does not say what failed", legacy, err)
		}
	}
}

func TestBindReadOnly(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	must(t, os.MkdirAll(src, 0o755))
	target := mountAt(t, Mount{Type: "bind", Source: src, Options: []string{"rbind", "ro"}}, dir)
	if err := os.WriteFile(filepath.Join(target, "f"), nil, 0o644); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write to a read-only bind: %v", err)
	}
}

// BenchmarkOverlayMount times mounting an overlay of N layers (the
// unmount after each is not timed): the chapter's "mount cost stays flat
// as the image grows".
func BenchmarkOverlayMount(b *testing.B) {
	needRoot(b)
	for _, legacy := range []bool{false, true} {
		for _, n := range []int{1, 16, 64, 128} {
			name := fmt.Sprintf("%s/layers=%d", map[bool]string{false: "fsconfig", true: "mount2"}[legacy], n)
			b.Run(name, func(b *testing.B) {
				if legacy {
					forceLegacy(b)
				}
				dir := b.TempDir()
				m := layers(b, dir, n)
				target := filepath.Join(dir, "merged")
				must(b, os.MkdirAll(target, 0o755))
				for b.Loop() {
					if err := m.Mount(target); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if err := Unmount(target); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			})
		}
	}
}
