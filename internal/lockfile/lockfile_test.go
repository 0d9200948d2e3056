package lockfile

import (
	"errors"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// An exclusive lock keeps out a second holder, even of a shared lock,
// until the file is closed.
func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	f, err := Open(path, unix.LOCK_EX)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, unix.LOCK_SH|unix.LOCK_NB); !errors.Is(err, unix.EWOULDBLOCK) {
		t.Fatalf("a second lock while held: %v, want EWOULDBLOCK", err)
	}
	f.Close()
	g, err := Open(path, unix.LOCK_SH|unix.LOCK_NB)
	if err != nil {
		t.Fatalf("the lock after close: %v", err)
	}
	g.Close()
}
