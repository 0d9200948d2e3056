package netlink_test

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/minidocker/minidocker/network/netlink"
	"github.com/minidocker/minidocker/network/nettest"
)

func TestMain(m *testing.M) { nettest.Main(m) }

func dial(t *testing.T) *netlink.Conn {
	t.Helper()
	c, err := netlink.Dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ip runs the iproute2 tool: the check is made by another program than
// the one under test.
func ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestBridgeAndAddress(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	c := dial(t)
	if err := c.AddBridge("mdtest0", "minidocker test"); err != nil {
		t.Fatal(err)
	}
	defer c.DeleteLink("mdtest0")
	if err := c.AddBridge("mdtest0", ""); !errors.Is(err, netlink.ErrExists) {
		t.Errorf("second AddBridge: %v, want ErrExists", err)
	}
	mac := net.HardwareAddr{0x02, 0x42, 10, 99, 0, 1}
	p := netip.MustParsePrefix("10.99.0.1/24")
	for _, err := range []error{c.SetHardwareAddr("mdtest0", mac), c.AddAddr("mdtest0", p), c.SetUp("mdtest0")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	out := ip(t, "-d", "addr", "show", "mdtest0")
	for _, want := range []string{"bridge", "alias minidocker test", "link/ether 02:42:0a:63:00:01", "inet 10.99.0.1/24 brd 10.99.0.255"} {
		if !strings.Contains(out, want) {
			t.Errorf("ip addr show mdtest0 lacks %q:\n%s", want, out)
		}
	}
	l, err := c.LinkByName("mdtest0")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != "bridge" || !l.Up || l.Alias != "minidocker test" || l.HardwareAddr.String() != mac.String() {
		t.Errorf("LinkByName = %+v", l)
	}
	addrs, err := c.Addrs()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range addrs {
		found = found || a.Index == l.Index && a.Prefix == p
	}
	if !found {
		t.Errorf("Addrs() = %v, lacks %v on index %d", addrs, p, l.Index)
	}
	routes, err := c.Routes()
	if err != nil {
		t.Fatal(err)
	}
	found = false
	for _, r := range routes {
		found = found || r.Index == l.Index && r.Dst == p.Masked()
	}
	if !found {
		t.Errorf("Routes() = %v, lacks the kernel's route to %v", routes, p.Masked())
	}
	if err := c.DeleteLink("mdtest0"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LinkByName("mdtest0"); !errors.Is(err, netlink.ErrNotFound) {
		t.Errorf("LinkByName after delete: %v, want ErrNotFound", err)
	}
}

// TestVethIntoNamespace is what a container gets: a veth pair, one end on
// the bridge, the other moved into the container's namespace and renamed
// eth0 there, with an address and a default route.
func TestVethIntoNamespace(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	c := dial(t)
	if err := c.AddBridge("mdtest1", ""); err != nil {
		t.Fatal(err)
	}
	defer c.DeleteLink("mdtest1")
	if err := c.AddAddr("mdtest1", netip.MustParsePrefix("10.98.0.1/24")); err != nil {
		t.Fatal(err)
	}
	if err := c.SetUp("mdtest1"); err != nil {
		t.Fatal(err)
	}
	// The "container": a process in a network namespace of its own.
	sleep := exec.Command("sleep", "60")
	sleep.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Wait()
	defer sleep.Process.Kill()
	nsPath := "/proc/" + strconv.Itoa(sleep.Process.Pid) + "/ns/net"

	if err := c.AddVeth("mdveth0", "mdpeer0", ""); err != nil {
		t.Fatal(err)
	}
	defer c.DeleteLink("mdveth0") // both ends, wherever the peer is
	if err := c.SetMaster("mdveth0", "mdtest1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetHairpin("mdveth0"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetUp("mdveth0"); err != nil {
		t.Fatal(err)
	}
	ns, err := os.Open(nsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := c.SetNetns("mdpeer0", ns); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LinkByName("mdpeer0"); !errors.Is(err, netlink.ErrNotFound) {
		t.Errorf("the peer is still here after SetNetns: %v", err)
	}
	in, err := netlink.DialNetns(nsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	gw := netip.MustParseAddr("10.98.0.1")
	for _, err := range []error{
		in.SetName("mdpeer0", "eth0"),
		in.AddAddr("eth0", netip.MustParsePrefix("10.98.0.2/24")),
		in.SetUp("eth0"),
		in.SetUp("lo"),
		in.AddDefaultRoute("eth0", gw),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	nsenter := func(args ...string) string {
		out, err := exec.Command("nsenter", append([]string{"--net=" + nsPath}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("nsenter %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := nsenter("ip", "-o", "addr", "show", "eth0"); !strings.Contains(out, "inet 10.98.0.2/24") {
		t.Errorf("in the namespace, eth0 is:\n%s", out)
	}
	if out := nsenter("ip", "route"); !strings.Contains(out, "default via 10.98.0.1 dev eth0") {
		t.Errorf("in the namespace, routes are:\n%s", out)
	}
	if out := ip(t, "-d", "link", "show", "mdveth0"); !strings.Contains(out, "master mdtest1") || !strings.Contains(out, "hairpin on") {
		t.Errorf("the host end is not a hairpin port of the bridge:\n%s", out)
	}
	// The two ends talk across the bridge.
	if out := nsenter("busybox", "ping", "-c", "1", "-W", "2", "10.98.0.1"); !strings.Contains(out, "1 packets received") {
		t.Errorf("ping from the namespace to the bridge:\n%s", out)
	}
	// DialNetns left this goroutine's thread, and every other, where it was.
	if out := ip(t, "-o", "link"); strings.Contains(out, ": eth0@") || strings.Contains(out, ": mdpeer0@") {
		t.Errorf("the namespace's eth0 shows on the host side:\n%s", out)
	}
}

func TestErrorsNameTheDevice(t *testing.T) {
	nettest.NeedRoot(t)
	c := dial(t)
	err := c.SetUp("nosuch0")
	if !errors.Is(err, netlink.ErrNotFound) || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("SetUp(nosuch0) = %v, want ErrNotFound naming the device", err)
	}
	// The kernel explains an invalid request in words (extended acks).
	err = c.AddVeth("mdveth-a-name-too-long", "p", "")
	if err == nil {
		c.DeleteLink("mdveth-a-name-too-long")
		t.Fatal("a 22-character device name was accepted")
	}
	t.Logf("AddVeth with a long name: %v", err)
}
