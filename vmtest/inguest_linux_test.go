package vmtest

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The TestInGuest tests run in the guest (TestGuest runs them there, as
// the vmtest suite) and show that the modules it loads work, for the
// chapters that need them: a union mount (05), a veth pair on a bridge
// (09). Elsewhere they skip.

// inGuest reports whether this is vmtest's guest: vminit's kernel command line.
func inGuest() bool {
	cmdline, _ := os.ReadFile("/proc/cmdline")
	return strings.Contains(string(cmdline), "vmtest.mode=")
}

func guestOnly(t *testing.T) {
	t.Helper()
	if !inGuest() {
		t.Skip("runs in the VM tier's guest: go test ./vmtest boots it")
	}
}

// TestInGuestModules: every module of GuestModules is loaded, and brd made
// its ramdisks.
func TestInGuestModules(t *testing.T) {
	guestOnly(t)
	data, err := os.ReadFile("/proc/modules")
	if err != nil {
		t.Fatal(err)
	}
	var loaded []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		loaded = append(loaded, strings.Fields(l)[0])
	}
	for _, m := range GuestModules {
		if !slices.Contains(loaded, m) {
			t.Errorf("module %s is not in /proc/modules: %q", m, loaded)
		}
	}
	rams, _ := filepath.Glob("/dev/ram[0-9]*")
	if len(rams) == 0 {
		t.Errorf("no /dev/ram*: brd made no ramdisks")
	}
	t.Logf("loaded (/proc/modules): %s; ramdisks: %s", strings.Join(loaded, " "), strings.Join(rams, " "))
}

// TestInGuestOverlay: an overlay mount shows the lower layer, writes into
// the upper one, and records a deletion as a whiteout there.
func TestInGuestOverlay(t *testing.T) {
	guestOnly(t)
	dir := t.TempDir()
	d := func(name string) string { return filepath.Join(dir, name) }
	for _, n := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(d(n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(d("lower"), n), []byte("lower "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := "lowerdir=" + d("lower") + ",upperdir=" + d("upper") + ",workdir=" + d("work")
	if err := unix.Mount("overlay", d("merged"), "overlay", 0, opts); err != nil {
		t.Fatalf("mount overlay: %v", err)
	}
	mounted := true
	t.Cleanup(func() {
		if mounted {
			unix.Unmount(d("merged"), unix.MNT_DETACH)
		}
	})
	if b, err := os.ReadFile(filepath.Join(d("merged"), "a")); err != nil || string(b) != "lower a" {
		t.Errorf("merged/a = %q, %v; want the lower layer's", b, err)
	}
	if err := os.WriteFile(filepath.Join(d("merged"), "c"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(d("merged"), "b")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(d("upper"), "c")); err != nil || string(b) != "new" {
		t.Errorf("upper/c = %q, %v; want the file written through the overlay", b, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(d("upper"), "b"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("upper/b: mode %o rdev %d, %v; want a whiteout (character device 0:0)", st.Mode, st.Rdev, err)
	}
	if _, err := os.Stat(filepath.Join(d("lower"), "b")); err != nil {
		t.Errorf("lower/b: %v; the lower layer must not change", err)
	}
	if err := unix.Unmount(d("merged"), 0); err != nil {
		t.Fatalf("unmount overlay: %v", err)
	}
	mounted = false
	t.Logf("overlay on %s: lower/a read through it, c written into upper, b deleted as a whiteout (char 0:0) in upper, lower unchanged", d("merged"))
}

// TestInGuestVethBridge: docker's bridge network in small. A bridge with
// an address, a veth pair with one end on the bridge and the other moved
// into a network namespace of its own as eth0; each side pings the other.
func TestInGuestVethBridge(t *testing.T) {
	guestOnly(t)
	bb, err := Busybox()
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(bb, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	// The namespace: a process in a new one. Its end removes the
	// namespace, and with it the veth end inside, which removes its peer.
	ns := exec.Command(bb, "sleep", "600")
	ns.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := ns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Process.Kill(); ns.Wait() })
	pid := strconv.Itoa(ns.Process.Pid)
	inNS := func(args ...string) { t.Helper(); run(append([]string{"nsenter", "-t", pid, "-n"}, args...)...) }

	const br, veth = "vmtbr0", "vmtveth0"
	t.Cleanup(func() {
		exec.Command(bb, "ip", "link", "del", veth).Run()
		exec.Command(bb, "ip", "link", "del", br).Run()
	})
	run("ip", "link", "add", br, "type", "bridge")
	// busybox's ip cannot name the peer: the kernel does (veth0, ...).
	run("ip", "link", "add", veth, "type", "veth")
	peer := vethPeer(t, veth)
	run("ip", "link", "set", peer, "netns", pid)
	run("ip", "link", "set", veth, "master", br)
	run("ip", "addr", "add", "10.199.0.1/24", "dev", br)
	run("ip", "link", "set", br, "up")
	run("ip", "link", "set", veth, "up")
	inNS("ip", "link", "set", peer, "name", "eth0")
	inNS("ip", "addr", "add", "10.199.0.2/24", "dev", "eth0")
	inNS("ip", "link", "set", "eth0", "up")
	inNS("ip", "link", "set", "lo", "up")
	if m, err := os.Readlink("/sys/class/net/" + veth + "/master"); err != nil || filepath.Base(m) != br {
		t.Errorf("%s's master = %q, %v; want %s", veth, m, err, br)
	}
	run("ping", "-c", "1", "-W", "10", "10.199.0.2")
	inNS("ping", "-c", "1", "-W", "10", "10.199.0.1")

	// Tear down as a runtime does, and check that nothing is left.
	ns.Process.Kill()
	ns.Wait()
	run("ip", "link", "del", br)
	for _, l := range []string{veth, br} {
		for i := 0; ; i++ { // the namespace's cleanup runs in the kernel's own time
			_, err := os.Stat("/sys/class/net/" + l)
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if i == 500 {
				t.Fatalf("%s is still there after its namespace ended: %v", l, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("bridge %s 10.199.0.1/24 with %s on it; its peer as eth0 10.199.0.2/24 in the netns of pid %s; pings both ways; after the namespace ended and the bridge was deleted, neither link is left", br, veth, pid)
}

// vethPeer is the name of a veth's other end: the link whose ifindex is
// the veth's iflink.
func vethPeer(t *testing.T, veth string) string {
	t.Helper()
	iflink, err := os.ReadFile("/sys/class/net/" + veth + "/iflink")
	if err != nil {
		t.Fatal(err)
	}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		idx, _ := os.ReadFile("/sys/class/net/" + l.Name() + "/ifindex")
		if l.Name() != veth && strings.TrimSpace(string(idx)) == strings.TrimSpace(string(iflink)) {
			return l.Name()
		}
	}
	t.Fatalf("no link has ifindex %s, %s's peer", strings.TrimSpace(string(iflink)), veth)
	return ""
}
