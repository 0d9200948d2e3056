package testscript

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	ts "github.com/rogpeppe/go-internal/testscript"

	"github.com/minidocker/minidocker/network/netlink"
	"github.com/minidocker/minidocker/network/nettest"
)

// cmdRemotehost makes another machine on the host's network: a network
// namespace, held by a process of its own, joined to the host by a veth
// pair, uplink0 here with HOSTADDR and eth0 there with REMOTEADDR:
// remotehost HOSTADDR/PREFIX REMOTEADDR/PREFIX. $REMOTE is its namespace
// (for fetch -in). Only where the host is a namespace the test binary
// made (MainNetns): the machine's own interfaces are never touched.
func cmdRemotehost(s *ts.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		s.Fatalf("usage: remotehost HOSTADDR/PREFIX REMOTEADDR/PREFIX")
	}
	if !nettest.Private() {
		s.Fatalf("remotehost: only in a test binary whose host is a network namespace of its own (testscript.MainNetns)")
	}
	hold := exec.Command("sleep", "3600")
	hold.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := hold.Start(); err != nil {
		s.Fatalf("remotehost: %v", err)
	}
	s.Defer(func() {
		hold.Process.Kill()
		hold.Wait()
		// uplink0 goes with its peer's namespace; wait for the kernel.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := net.InterfaceByName("uplink0"); err != nil {
				return
			}
		}
	})
	nsPath := "/proc/" + strconv.Itoa(hold.Process.Pid) + "/ns/net"
	for _, a := range [][]string{
		{"ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "remote0"},
		// No IPv6 link-local address: its duplicate address detection
		// would change the host's state while the transcript looks.
		{"sysctl", "-q", "-w", "net.ipv6.conf.uplink0.disable_ipv6=1"},
		{"ip", "addr", "add", args[0], "dev", "uplink0"},
		{"ip", "link", "set", "uplink0", "up"},
		{"ip", "link", "set", "remote0", "netns", strconv.Itoa(hold.Process.Pid)},
		{"nsenter", "--net=" + nsPath, "ip", "link", "set", "remote0", "name", "eth0"},
		{"nsenter", "--net=" + nsPath, "ip", "addr", "add", args[1], "dev", "eth0"},
		{"nsenter", "--net=" + nsPath, "ip", "link", "set", "eth0", "up"},
		{"nsenter", "--net=" + nsPath, "ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command(a[0], a[1:]...).CombinedOutput(); err != nil {
			s.Fatalf("remotehost: %v: %v\n%s", a, err, out)
		}
	}
	// Both ends up: uplink0 has its carrier (operstate up) only a moment
	// later, and a netstate taken before would differ from one after.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile("/sys/class/net/uplink0/operstate")
		if strings.TrimSpace(string(b)) == "up" || time.Now().After(deadline) {
			break
		}
	}
	s.Setenv("REMOTE", nsPath)
}

// dialIn makes a connection from inside the network namespace at ns.
func dialIn(ns, network, addr string) (net.Conn, error) {
	f, err := os.Open(ns)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var c net.Conn
	err = netlink.InNetns(f, func() (err error) {
		c, err = net.DialTimeout(network, addr, 5*time.Second)
		return err
	})
	return c, err
}
