package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The socket is born its owner's alone; one left by a daemon that died
// is replaced; one a live daemon answers on, or a file that is not a
// socket, is refused.
func TestListen(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "d.sock")
	l, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v, %v: want a socket of mode 0600", fi.Mode(), err)
	}
	if _, err := Listen(sock, ""); err == nil || !strings.Contains(err.Error(), "a daemon already answers there") {
		t.Errorf("second Listen: %v", err)
	}
	// A daemon killed leaves its socket file, which nobody answers on.
	l.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("the socket file should outlive the listener here: %v", err)
	}
	l, err = Listen(sock, "")
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	l.Close()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Listen(file, ""); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("over a file: %v", err)
	}
	// -G GROUP: the group may connect too (docker's docker group).
	if os.Geteuid() == 0 {
		g := filepath.Join(dir, "root.sock")
		l, err := Listen(g, "root")
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(g)
		st, _ := fi.Sys().(*syscall.Stat_t)
		if fi.Mode().Perm() != 0o660 || st == nil || st.Gid != 0 {
			t.Errorf("with -G root: mode %v, %+v", fi.Mode(), st)
		}
		l.Close()
	}
	if _, err := Listen(filepath.Join(dir, "g.sock"), "no-such-group-here"); err == nil {
		t.Error("an unknown group: no error")
	}
	for _, h := range []string{"tcp://0.0.0.0:2375", "unix://", "npipe:////./pipe/docker"} {
		if _, err := ParseHost(h); err == nil {
			t.Errorf("ParseHost(%q) accepted", h)
		}
	}
	if p, err := ParseHost("unix:///run/x.sock"); err != nil || p != "/run/x.sock" {
		t.Errorf("ParseHost: %q %v", p, err)
	}
}
