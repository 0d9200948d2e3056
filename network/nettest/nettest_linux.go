package nettest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/minidocker/minidocker/network/netlink"
)

// envPrivate marks the copy of a test binary that runs in its own network
// namespace.
const envPrivate = "MINIDOCKER_TEST_NETNS"

// Main runs the tests, as root in a new network namespace: the test binary
// starts itself again with CLONE_NEWNET and exits with that copy's status.
// There lo is brought up, and nothing else exists: the namespace and
// everything a test made in it go when the copy exits, however it exits.
// As any other user the tests run here, and those that need root skip.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main's work, for a TestMain that wraps the testing.M (as
// go-internal's testscript.Main does): it returns the exit code.
func Run(m interface{ Run() int }) int {
	if os.Geteuid() != 0 {
		return m.Run()
	}
	if os.Getenv(envPrivate) == "" {
		cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
		cmd.Args[0] = os.Args[0]
		cmd.Env = append(os.Environ(), envPrivate+"=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode()
			}
			fmt.Fprintf(os.Stderr, "nettest: start the tests in a network namespace of their own: %v\n", err)
			return 1
		}
		return 0
	}
	c, err := netlink.Dial()
	if err == nil {
		err = c.SetUp("lo")
		c.Close()
	}
	// A new namespace starts with forwarding on; a host usually has it
	// off, and an engine must put it back so: start as a host does.
	if err == nil {
		err = os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("0"), 0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nettest: %v\n", err)
		return 1
	}
	return m.Run()
}

// Private reports whether the tests run in a network namespace of their own.
func Private() bool { return os.Getenv(envPrivate) != "" }

// Sysctls are the host-wide settings a container engine may change.
var Sysctls = []string{
	"net/ipv4/ip_forward",
	"net/ipv4/conf/all/forwarding",
	"net/ipv4/conf/all/route_localnet",
	"net/ipv6/conf/all/forwarding",
	"net/bridge/bridge-nf-call-iptables",
}

// Snapshot records the namespace's links, addresses, routes, nftables
// ruleset, iptables and ip6tables rules (iptables-save, without its dated
// comments) and Sysctls, with the tools a reader would use. A tool that is
// not installed is left out.
func Snapshot() (State, error) {
	s := State{}
	for _, args := range [][]string{
		{"ip", "-o", "link"},
		{"ip", "-o", "addr"},
		{"ip", "route", "show", "table", "all"},
		{"nft", "list", "ruleset"},
		{"iptables-save"},
		{"ip6tables-save"},
	} {
		if _, err := exec.LookPath(args[0]); err != nil {
			continue
		}
		out, err := exec.Command(args[0], args[1:]...).Output()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
		var keep []string
		for _, l := range strings.Split(string(out), "\n") {
			if !strings.HasPrefix(l, "#") {
				keep = append(keep, l)
			}
		}
		s[strings.Join(args, " ")] = strings.Join(keep, "\n")
	}
	for _, name := range Sysctls {
		b, err := os.ReadFile("/proc/sys/" + name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s["sysctl "+strings.ReplaceAll(name, "/", ".")] = strings.TrimSpace(string(b))
	}
	return s, nil
}

// Unchanged fails t, at its end and whatever its outcome, if the
// namespace's State then differs from now. Call it first in a test that
// changes the network.
func Unchanged(t testing.TB) {
	t.Helper()
	before, err := Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		after, err := Snapshot()
		if err != nil {
			t.Error(err)
			return
		}
		if d := Diff(before, after); len(d) > 0 {
			t.Errorf("the test left the network changed:\n\t%s", strings.Join(d, "\n\t"))
		}
	})
}

// NeedRoot skips a test that makes network devices, unless it runs as root
// in its own namespace (Main).
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes network devices (in a network namespace of the test's own)")
	}
	if !Private() {
		t.Skip("runs only in the tests' own network namespace: call nettest.Main from TestMain")
	}
}
