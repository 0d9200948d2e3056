package unionfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Without overlay (here: as a user who may not mount), the store falls
// back to vfs and says why in exactly one line; as root, overlay is used
// and nothing is said.
func TestAutoDriver(t *testing.T) {
	var lines []string
	logf := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	s, err := New(t.TempDir(), WithLogf(logf))
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if s.Driver() != "overlay" || len(lines) != 0 {
			t.Errorf("as root: driver %s, log %q; want overlay, silence", s.Driver(), lines)
		}
		return
	}
	if s.Driver() != "vfs" || len(lines) != 1 || !strings.Contains(lines[0], "overlay does not work") || !strings.Contains(lines[0], "using vfs") {
		t.Errorf("without overlay: driver %s, log %q; want vfs and one line saying why", s.Driver(), lines)
	}
}

func TestUnknownDriver(t *testing.T) {
	_, err := New(t.TempDir(), WithDriver("aufs"))
	if !errors.Is(err, ErrUnknownDriver) || !strings.Contains(err.Error(), "overlay or vfs") {
		t.Errorf("New with aufs: %v", err)
	}
}

// What a process killed mid-operation leaves behind (a half-made new-*
// dir, a removed snapshot's dir, a metadata temp file) is gone at the
// next New, and the snapshots the metadata names are kept.
func TestCrashLeftovers(t *testing.T) {
	root := t.TempDir()
	s, err := New(root, WithDriver("vfs"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Prepare(ctx, "kept", ""); err != nil {
		t.Fatal(err)
	}
	snaps := filepath.Join(root, "vfs", "snapshots")
	for _, d := range []string{"new-123", "99"} {
		if err := os.MkdirAll(filepath.Join(snaps, d, "fs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(root, WithDriver("vfs")); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(snaps)
	if len(ents) != 1 || ents[0].Name() != "1" {
		t.Errorf("snapshots/ holds %v, want only 1 (kept)", ents)
	}
	if _, err := s.Stat(ctx, "kept"); err != nil {
		t.Error(err)
	}
}

// The metadata is valid JSON after every operation, and an unreadable one
// is an error naming the file, not an empty store.
func TestCorruptMetadata(t *testing.T) {
	root := t.TempDir()
	s, err := New(root, WithDriver("vfs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "vfs", metadataFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), metadataFile) {
		t.Errorf("stat with corrupt metadata: %v", err)
	}
}

// The probe's verdict is kept for the kernel and the file system it was
// reached on: a second store on the same root believes it (here a made-up
// failure, so no mount is needed to tell), one on another kernel probes
// again.
func TestProbeCached(t *testing.T) {
	root := t.TempDir()
	var u unix.Utsname
	var st unix.Stat_t
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(root, &st); err != nil {
		t.Fatal(err)
	}
	kernel := unix.ByteSliceToString(u.Release[:])
	write := func(r probeResult) {
		b, _ := json.Marshal(r)
		if err := os.WriteFile(filepath.Join(root, probeFile), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(probeResult{Kernel: kernel, Dev: st.Dev, Error: "made up by the test"})
	var lines []string
	logf := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	s, err := New(root, WithLogf(logf))
	if err != nil {
		t.Fatal(err)
	}
	if s.Driver() != "vfs" || len(lines) != 1 || !strings.Contains(lines[0], "made up by the test") {
		t.Errorf("cached failure: driver %s, log %q; want vfs, the cached reason", s.Driver(), lines)
	}
	write(probeResult{Kernel: "another kernel", Dev: st.Dev, Error: "made up by the test"})
	if err := overlayWorks(root); err != nil && strings.Contains(err.Error(), "made up") {
		t.Errorf("a verdict from another kernel was believed: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(root, probeFile))
	if err != nil || !strings.Contains(string(b), kernel) {
		t.Errorf("the probe did not keep its verdict: %s, %v", b, err)
	}
}
