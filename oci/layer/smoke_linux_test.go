package layer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A tree tarred by GNU tar (with hard links, symlinks, a sparse file, a
// setuid file) comes back identical, as diff and GNU tar's own compare
// (--diff: modes, owners, times, link targets) see it.
func TestGNUTarRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	if out, err := exec.Command("cp", "-a", "/usr/share/zoneinfo", src).CombinedOutput(); err != nil {
		t.Skipf("no tree to copy: %v: %s", err, out)
	}
	os.Link(filepath.Join(src, "UTC"), filepath.Join(src, "hardlinked-utc"))
	os.WriteFile(filepath.Join(src, "suid"), []byte("x"), 0o755)
	os.Chmod(filepath.Join(src, "suid"), 0o4755)
	f, _ := os.Create(filepath.Join(src, "sparse"))
	f.WriteAt([]byte("end"), 8<<20)
	f.Close()
	for _, comp := range []string{"", "--gzip", "--zstd"} {
		t.Run("tar"+comp, func(t *testing.T) {
			args := []string{"--sparse", "-cf", "-", "-C", src, "."}
			if comp != "" {
				args = append([]string{comp}, args...)
			}
			blob, err := exec.Command("tar", args...).Output()
			if err != nil {
				t.Skipf("tar %s: %v", comp, err)
			}
			dst := t.TempDir()
			res, err := Extract(context.Background(), bytes.NewReader(blob), dst)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d entries, %s by %s", res.Entries, res.Compression, res.Decompressor)
			if o, err := exec.Command("diff", "-r", "--no-dereference", src, dst).CombinedOutput(); err != nil {
				t.Fatalf("diff: %v: %s", err, o)
			}
			diffArgs := []string{"--diff", "-f", "-", "-C", dst}
			if comp != "" {
				diffArgs = append([]string{comp}, diffArgs...)
			}
			cmd := exec.Command("tar", diffArgs...)
			cmd.Stdin = bytes.NewReader(blob)
			if o, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tar --diff: %v: %s", err, o)
			}
		})
	}
}
