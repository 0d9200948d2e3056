package network

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minidocker/minidocker/network/netlink"
	"github.com/minidocker/minidocker/network/nettest"
)

func TestMain(m *testing.M) { nettest.Main(m) }

// container is a stand-in for a container's init: a process in a
// network namespace of its own.
type container struct {
	cmd  *exec.Cmd
	proc Process
}

func startContainer(t *testing.T, args ...string) *container {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	p, err := ProcessOf(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// lo up, as the real init does.
	in, err := netlink.DialNetns("/proc/" + strconv.Itoa(p.Pid) + "/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := in.SetUp("lo"); err != nil {
		t.Fatal(err)
	}
	return &container{cmd, p}
}

// in runs a command in the container's network namespace.
func (c *container) in(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("nsenter", append([]string{"--net=/proc/" + strconv.Itoa(c.proc.Pid) + "/ns/net"}, args...)...).CombinedOutput()
	return string(out), err
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// fetchIn is fetch from inside a network namespace: the connection is
// made on a thread in it. (The host's busybox cannot: a static glibc
// program crashes loading the host's NSS modules.)
func (c *container) fetch(t *testing.T, hostport string) (string, error) {
	t.Helper()
	ns, err := os.Open("/proc/" + strconv.Itoa(c.proc.Pid) + "/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	var conn net.Conn
	if err := netlink.InNetns(ns, func() (err error) {
		conn, err = net.DialTimeout("tcp", hostport, 5*time.Second)
		return err
	}); err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\nHost: "+hostport+"\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func fetch(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// remoteMachine is another machine on the host's network: a namespace
// joined to the stand-in host by a veth pair, remote's address there and
// host's (an address of the host's own) on link here, its default route
// via the host.
func remoteMachine(t *testing.T, link, host, remote string) *container {
	t.Helper()
	m := startContainer(t, "sleep", "300")
	run(t, "ip", "link", "add", link, "type", "veth", "peer", "name", "remote0")
	t.Cleanup(func() { exec.Command("ip", "link", "del", link).Run() })
	run(t, "sysctl", "-q", "-w", "net.ipv6.conf."+link+".disable_ipv6=1")
	run(t, "ip", "addr", "add", host, "dev", link)
	run(t, "ip", "link", "set", link, "up")
	run(t, "ip", "link", "set", "remote0", "netns", strconv.Itoa(m.proc.Pid))
	gw, _, _ := strings.Cut(host, "/")
	for _, args := range [][]string{
		{"ip", "addr", "add", remote, "dev", "remote0"},
		{"ip", "link", "set", "remote0", "up"},
		{"ip", "route", "add", "default", "via", gw},
	} {
		if out, err := m.in(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	return m
}

// TestPublishedPort is `docker run -d -p 8080:80 httpd` on the stand-in
// host: the page is served from 127.0.0.1:8080 and from the host's own
// address, to the host itself and to another machine, the container
// reaches the host and another container by address, and once it is gone
// the host is as before: no link, address, route, rule or sysctl left.
func TestPublishedPort(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	remote := remoteMachine(t, "uplink0", "198.51.100.1/24", "198.51.100.2/24")
	other := remoteMachine(t, "uplink1", "203.0.113.1/24", "203.0.113.2/24")
	www := t.TempDir()
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte("hello from the container\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	m, err := Open(root, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Prune() }) // the default bridge stays up until then
	web := startContainer(t, "busybox", "httpd", "-f", "-p", "80", "-h", www)
	s := spec(root, "1234567890abcdef", "web")
	s.Publish, _ = ParsePublish("8080:80")
	sb, err := m.Prepare(s)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release("web") // also when the test fails
	if err := m.Start("web", web.proc); err != nil {
		t.Fatal(err)
	}
	n := mustDefault(t, m)
	if out := run(t, "ip", "-d", "link", "show", n.Bridge); !strings.Contains(out, "alias minidocker ip_forward=0 "+n.ID+" "+root) || !strings.Contains(out, "group 28004") {
		t.Errorf("the bridge is not marked as this root's, remembering ip_forward was 0:\n%s", out)
	}
	if out, err := web.in(t, "ip", "-o", "addr", "show", "eth0"); err != nil || !strings.Contains(out, "inet "+sb.Endpoints[0].Addr.String()) {
		t.Errorf("eth0 in the container: %v\n%s", err, out)
	}
	if out, err := web.in(t, "ip", "route"); err != nil || !strings.Contains(out, "default via "+n.Gateway.String()+" dev eth0") {
		t.Errorf("routes in the container: %v\n%s", err, out)
	}
	if got, _ := readSysctl("net/ipv4/ip_forward"); got != "1" {
		t.Errorf("ip_forward %s while a bridge network is up, want 1", got)
	}
	for _, url := range []string{"http://127.0.0.1:8080/", "http://198.51.100.1:8080/", "http://" + sb.Endpoints[0].Addr.Addr().String() + ":80/"} {
		if got, err := fetch(url); err != nil || got != "hello from the container\n" {
			t.Errorf("GET %s from the host: %q, %v", url, got, err)
		}
	}
	if out, err := remote.fetch(t, "198.51.100.1:8080"); err != nil || out != "hello from the container\n" {
		t.Errorf("GET http://198.51.100.1:8080/ from another machine: %q, %v", out, err)
	}
	// The host routes for its bridges only: not between the two other
	// machines, though ip_forward is on now (docker's FORWARD policy DROP).
	if out, err := remote.in(t, "busybox", "ping", "-c", "1", "-W", "1", "203.0.113.2"); err == nil {
		t.Errorf("with a bridge up, the host routes between its other interfaces:\n%s", out)
	}
	if out, err := other.in(t, "busybox", "ping", "-c", "1", "-W", "1", "198.51.100.1"); err != nil {
		t.Errorf("the other machine cannot reach the host itself: %v\n%s", err, out)
	}
	// A second container, the client: it reaches the first by address,
	// and through the published port, the host's address (hairpin).
	client := startContainer(t, "sleep", "300")
	sb2, err := m.Prepare(spec(root, "abcdef1234567890", "client"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release("client")
	if err := m.Start("client", client.proc); err != nil {
		t.Fatal(err)
	}
	for _, hp := range []string{sb.Endpoints[0].Addr.Addr().String() + ":80", "198.51.100.1:8080"} {
		if out, err := client.fetch(t, hp); err != nil || out != "hello from the container\n" {
			t.Errorf("GET http://%s/ from the other container: %q, %v", hp, out, err)
		}
	}
	if out, err := client.in(t, "busybox", "ping", "-c", "1", "-W", "2", n.Gateway.String()); err != nil {
		t.Errorf("ping the gateway from %s: %v\n%s", sb2.Endpoints[0].Addr, err, out)
	}
	for _, id := range []string{"web", "client"} {
		if err := m.Release(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fetch("http://127.0.0.1:8080/"); err == nil {
		t.Error("127.0.0.1:8080 still answers after the container was removed")
	}
}

// TestUserNetwork: two containers on a user-defined network reach each
// other; a container on the default network cannot reach them (docker's
// isolation); network rm takes the bridge off the host.
func TestUserNetwork(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	root := t.TempDir()
	m, err := Open(root, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Prune() }) // the default bridge stays up until then
	n, err := m.Create("app", CreateOptions{Subnet: netip.MustParsePrefix("10.77.0.0/24"), Options: map[string]string{BridgeNameOption: "mdapp0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.RemoveNetwork("app")
	if out := run(t, "ip", "-o", "addr", "show", "mdapp0"); !strings.Contains(out, "inet 10.77.0.1/24") {
		t.Errorf("network create made no bridge with the gateway's address:\n%s", out)
	}
	var cs []*container
	for i, name := range []string{"a", "b", "outsider"} {
		c := startContainer(t, "sleep", "300")
		s := spec(root, strings.Repeat(string(rune('1'+i)), 16), name)
		if name != "outsider" {
			s.Network = "app"
		}
		if _, err := m.Prepare(s); err != nil {
			t.Fatal(err)
		}
		defer m.Release(name)
		if err := m.Start(name, c.proc); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	if out, err := cs[0].in(t, "busybox", "ping", "-c", "1", "-W", "2", "10.77.0.3"); err != nil {
		t.Errorf("a cannot reach b: %v\n%s", err, out)
	}
	if out, err := cs[2].in(t, "busybox", "ping", "-c", "1", "-W", "1", "10.77.0.2"); err == nil {
		t.Errorf("a container on the default network reached one on app:\n%s", out)
	}
	if err := m.RemoveNetwork("app"); !errors.Is(err, ErrActiveEndpoints) {
		t.Errorf("network rm with containers on it: %v", err)
	}
	for _, name := range []string{"a", "b", "outsider"} {
		if err := m.Release(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.RemoveNetwork("app"); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Command("ip", "link", "show", n.Bridge).CombinedOutput(); err == nil {
		t.Errorf("bridge %s still there after network rm", n.Bridge)
	}
}

// TestCrashCleanup: the process that started a container is killed, and
// the container with it; the kernel takes the veth pair with the
// container's namespace, and the next Open the published port's rules.
func TestCrashCleanup(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	root := t.TempDir()
	m, err := Open(root, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Prune() })
	holder := startContainer(t, "sleep", "300") // stands for the monitor
	c := startContainer(t, "sleep", "300")
	s := spec(root, "deadbeef00000000", "victim")
	s.Publish, _ = ParsePublish("8081:80")
	if _, err := m.Prepare(s); err != nil {
		t.Fatal(err)
	}
	if err := m.Start("victim", c.proc); err != nil {
		t.Fatal(err)
	}
	// Start made this test its owner; the holder stands in for it.
	if err := m.update(func(st *state) error {
		sb, err := lookupSandbox(st, "victim")
		if err == nil {
			sb.Owner = holder.proc
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	n := mustDefault(t, m)
	// The monitor dies, and the container with it.
	for _, p := range []*container{holder, c} {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
	if out := run(t, "nft", "list", "table", "ip", tableName(n.Bridge)); !strings.Contains(out, "dport 8081") {
		t.Fatalf("before the restart, the rules are:\n%s", out)
	}
	if _, err := Open(root, Config{}); err != nil {
		t.Fatal(err)
	}
	if out := run(t, "nft", "list", "table", "ip", tableName(n.Bridge)); strings.Contains(out, "dport 8081") {
		t.Errorf("after the restart, the rules are:\n%s", out)
	}
	var out []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if out, err = exec.Command("ip", "-o", "link").CombinedOutput(); err != nil || !strings.Contains(string(out), "veth") {
			break
		}
	}
	if err != nil || strings.Contains(string(out), "veth") || !strings.Contains(string(out), n.Bridge) {
		t.Errorf("after the restart, links are (want the bridge, no veth):\n%s", out)
	}
	if sb, err := m.Sandbox("victim"); err != nil || sb.State != Stopped {
		t.Errorf("the victim's sandbox: %+v, %v", sb, err)
	}
	if err := m.Release("victim"); err != nil { // docker rm
		t.Error(err)
	}
}

// TestBridgeTaken: a bridge of the name that is not this network's is
// never used nor removed.
func TestBridgeTaken(t *testing.T) {
	nettest.NeedRoot(t)
	nettest.Unchanged(t)
	run(t, "ip", "link", "add", "mdother0", "type", "bridge")
	defer exec.Command("ip", "link", "del", "mdother0").Run()
	m, err := Open(t.TempDir(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Create("x", CreateOptions{Options: map[string]string{BridgeNameOption: "mdother0"}})
	if !errors.Is(err, ErrBridgeTaken) {
		t.Errorf("network create on someone else's bridge: %v, want ErrBridgeTaken", err)
	}
	run(t, "ip", "link", "show", "mdother0")
}
