package network

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeHost stands in for the machine: it records what it is asked, and
// the tests say which processes are alive and which ports are busy.
type fakeHost struct {
	bridges  map[string]netip.Prefix // up, with their subnets
	tables   map[string][]dnat
	attached map[string]string // host veth to container interface
	dead     map[int]bool
	busy     map[uint16]bool
	pid      int
	log      []string
}

func newFakeHost() *fakeHost {
	return &fakeHost{bridges: map[string]netip.Prefix{}, tables: map[string][]dnat{}, attached: map[string]string{}, dead: map[int]bool{}, busy: map[uint16]bool{}, pid: 100}
}

func (f *fakeHost) upBridge(n *Network, taken []netip.Prefix, mayMove bool) (bool, error) {
	if _, ok := f.bridges[n.Bridge]; ok {
		return false, nil
	}
	if !n.Subnet.IsValid() {
		for _, p := range DefaultPools {
			s, err := p.subnets()
			if err != nil {
				return false, err
			}
			if !slicesContainsOverlap(taken, s[0]) {
				n.Subnet, n.Gateway = s[0], s[0].Addr().Next()
				break
			}
		}
	}
	f.bridges[n.Bridge] = n.Subnet
	f.tables[n.Bridge] = nil // the real one writes the table, no ports yet
	f.log = append(f.log, "up "+n.Name)
	return false, nil
}

func (f *fakeHost) downBridge(n *Network) error {
	if _, ok := f.bridges[n.Bridge]; ok {
		delete(f.bridges, n.Bridge)
		delete(f.tables, n.Bridge)
		f.log = append(f.log, "down "+n.Name)
	}
	return nil
}

func (f *fakeHost) rules(n *Network, ports []dnat) error {
	f.tables[n.Bridge] = ports
	return nil
}

func (f *fakeHost) attach(n *Network, ep *Endpoint, sb *Sandbox, primary bool) error {
	f.attached[ep.HostVeth] = fmt.Sprintf("%s %s %s primary=%v", sb.display(), ep.IfName, ep.Addr, primary)
	return nil
}

func (f *fakeHost) detach(ep *Endpoint) error {
	delete(f.attached, ep.HostVeth)
	return nil
}

func (f *fakeHost) portFree(b PortBinding) bool     { return !f.busy[b.HostPort] }
func (f *fakeHost) ephemeralPorts() (int, int)      { return 40000, 40005 }
func (f *fakeHost) resolvConf() []byte              { return []byte("nameserver 10.0.0.1\n") }
func (f *fakeHost) alive(p Process) bool            { return p.Pid != 0 && !f.dead[p.Pid] }
func (f *fakeHost) self() (Process, error)          { return Process{Pid: f.pid, Start: 1}, nil }
func (f *fakeHost) owner(pid int) Process           { return Process{Pid: pid, Start: 1} }
func (f *fakeHost) attachedTo(name string) []string { return f.sorted(name) }

func (f *fakeHost) sorted(prefix string) []string {
	var out []string
	for _, v := range f.attached {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func newManager(t *testing.T, h *fakeHost) (*Manager, string) {
	t.Helper()
	root := t.TempDir()
	m, err := open(root, Config{}, h)
	if err != nil {
		t.Fatal(err)
	}
	return m, root
}

func spec(root, id, name string) SandboxSpec {
	return SandboxSpec{ContainerID: id, Name: name, Hostname: id[:4], Dir: filepath.Join(root, "containers", id)}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDefaultBridgeKept: the default network comes onto the host with
// its first container and stays there after its last, as docker0 does,
// until Prune; addresses go in order and are given back on release.
func TestDefaultBridgeKept(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	a, err := m.Prepare(spec(root, "aaaa1111", ""))
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Prepare(spec(root, "bbbb2222", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Endpoints[0].Addr.String() + " " + b.Endpoints[0].Addr.String(); got != "172.17.0.2/16 172.17.0.3/16" {
		t.Errorf("addresses %s, want 172.17.0.2/16 172.17.0.3/16", got)
	}
	if ep := a.Endpoints[0]; ep.IfName != "eth0" || ep.Gateway.String() != "172.17.0.1" || ep.MAC != "02:42:ac:11:00:02" {
		t.Errorf("endpoint %+v", ep)
	}
	hosts := read(t, a.Files()[0].Source)
	if !strings.HasSuffix(hosts, "172.17.0.2\taaaa\n") || strings.Contains(hosts, "172.17.0.3") {
		t.Errorf("on the default network a container's hosts name only itself:\n%s", hosts)
	}
	if got := read(t, a.Files()[2].Source); got != "nameserver 10.0.0.1\n" {
		t.Errorf("resolv.conf %q", got)
	}
	if err := m.Start("aaaa1111", h.owner(200)); err != nil {
		t.Fatal(err)
	}
	if got := h.attachedTo("aaaa"); len(got) != 1 || got[0] != "aaaa1111 eth0 172.17.0.2/16 primary=true" {
		t.Errorf("attached %v", got)
	}
	if sb, _ := m.Sandbox("aaaa1111"); sb.Owner.Pid != h.pid || sb.Init.Pid != 200 {
		t.Errorf("owner %d init %d, want the caller %d and 200", sb.Owner.Pid, sb.Init.Pid, h.pid)
	}
	if len(h.tables) != 1 || h.tables[mustDefault(t, m).Bridge] != nil {
		t.Errorf("rules for a container that publishes nothing: %v", h.tables)
	}
	if err := m.Release("aaaa1111"); err != nil {
		t.Fatal(err)
	}
	if len(h.attached) != 0 {
		t.Errorf("still attached after release: %v", h.attached)
	}
	if _, err := os.Stat(a.Dir); !os.IsNotExist(err) {
		t.Errorf("the container's files are still there: %v", err)
	}
	if err := m.Release("bbbb2222"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"up bridge"}; !slices.Equal(h.log, want) {
		t.Errorf("host log %v, want %v: the default bridge stays", h.log, want)
	}
	if err := m.Release("bbbb2222"); !errors.Is(err, ErrNoContainer) {
		t.Errorf("second release: %v, want ErrNoContainer", err)
	}
	c, err := m.Prepare(spec(root, "cccc3333", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Endpoints[0].Addr.String(); got != "172.17.0.4/16" {
		t.Errorf("the next address %s, want 172.17.0.4/16 (no immediate reuse)", got)
	}
	if removed, err := m.Prune(); err != nil || len(removed) != 0 || len(h.log) != 1 {
		t.Errorf("Prune with a container on the default network: %v %v, log %v", removed, err, h.log)
	}
	if err := m.Release("cccc3333"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create("spare", CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	removed, err := m.Prune()
	if err != nil || !slices.Equal(removed, []string{"spare"}) {
		t.Errorf("Prune removed %v, %v; want the unused user network only listed", removed, err)
	}
	if want := []string{"up bridge", "up spare", "down bridge", "down spare"}; !slices.Equal(h.log, want) {
		t.Errorf("host log %v, want %v", h.log, want)
	}
	if n, err := m.Network("bridge"); err != nil || n.Subnet.IsValid() {
		t.Errorf("the default network is predefined, it stays listed, with no subnet while off the host: %+v, %v", n, err)
	}
	if removed, err := m.Prune(); err != nil || len(removed) != 0 || len(h.log) != 4 {
		t.Errorf("a second Prune: %v %v, log %v: want nothing done", removed, err, h.log)
	}
}

// TestNamesOnUserNetworks: containers on a user-defined network find
// each other by name, alias and short ID in /etc/hosts, updated as they
// come and go.
func TestNamesOnUserNetworks(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	n, err := m.Create("app", CreateOptions{Subnet: netip.MustParsePrefix("10.50.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	if n.Gateway.String() != "10.50.0.1" || !strings.HasPrefix(n.Bridge, "md-") || len(n.Bridge) != 15 {
		t.Errorf("network %+v", n)
	}
	s1 := spec(root, "1111aaaabbbbcccc", "web")
	s1.Network, s1.Aliases = "app", []string{"www"}
	web, err := m.Prepare(s1)
	if err != nil {
		t.Fatal(err)
	}
	s2 := spec(root, "2222aaaabbbbcccc", "db")
	s2.Network = "app"
	db, err := m.Prepare(s2)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, db.Files()[0].Source); strings.Contains(got, "web") {
		t.Errorf("db's hosts name web, which does not run:\n%s", got)
	}
	for i, id := range []string{"web", "db"} {
		if err := m.Start(id, h.owner(900+i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(t, db.Files()[0].Source); !strings.Contains(got, "10.50.0.2\tweb 1111aaaabbbb www\n") || !strings.Contains(got, "10.50.0.3\t2222 db 2222aaaabbbb\n") {
		t.Errorf("db's hosts:\n%s", got)
	}
	if got := read(t, web.Files()[0].Source); !strings.Contains(got, "10.50.0.3\tdb 2222aaaabbbb\n") {
		t.Errorf("web's hosts were not updated when db started:\n%s", got)
	}
	if err := m.Stop("db"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, web.Files()[0].Source); strings.Contains(got, "db") {
		t.Errorf("web's hosts still name db after it stopped:\n%s", got)
	}
	if err := m.RemoveNetwork("app"); !errors.Is(err, ErrActiveEndpoints) || !strings.Contains(err.Error(), "web, db") {
		t.Errorf("removing a network in use: %v", err)
	}
	if err := m.Release("db"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, web.Files()[0].Source); strings.Contains(got, "db") {
		t.Errorf("web's hosts still name db after it went:\n%s", got)
	}
	if err := m.Release("web"); err != nil {
		t.Fatal(err)
	}
	if err := m.RemoveNetwork("app"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.poolPath(n)); !os.IsNotExist(err) {
		t.Errorf("the network's address pool outlived it: %v", err)
	}
	if want := []string{"up app", "down app"}; !slices.Equal(h.log, want) {
		t.Errorf("host log %v, want %v", h.log, want)
	}
}

func TestConnectDisconnect(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	if _, err := m.Create("back", CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	sb, err := m.Prepare(spec(root, "cccc3333dddd", "api"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start("api", h.owner(300)); err != nil {
		t.Fatal(err)
	}
	if err := m.Connect("back", "api", nil, netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	// back was made first and took the pools' first subnet; the default
	// network got the next when its first container came.
	want := []string{"api eth0 172.18.0.2/16 primary=true", "api eth1 172.17.0.2/16 primary=false"}
	if got := h.attachedTo("api"); !slices.Equal(got, want) {
		t.Errorf("attached %v, want %v", got, want)
	}
	if got := read(t, sb.Files()[0].Source); !strings.Contains(got, "172.17.0.2\tcccc api cccc3333dddd\n") {
		t.Errorf("hosts after connect:\n%s", got)
	}
	if err := m.Connect("back", "api", nil, netip.Addr{}); err == nil {
		t.Error("connected twice to one network")
	}
	if err := m.Disconnect("back", "api"); err != nil {
		t.Fatal(err)
	}
	if got := h.attachedTo("api"); len(got) != 1 {
		t.Errorf("attached after disconnect %v", got)
	}
	if err := m.Connect("nosuch", "api", nil, netip.Addr{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("connect to a missing network: %v", err)
	}
	if err := m.Connect("back", "nosuch", nil, netip.Addr{}); !errors.Is(err, ErrNoContainer) {
		t.Errorf("connect a missing container: %v", err)
	}
}

// TestPublishedPorts: host ports are bound when a container starts,
// checked against other containers and the host, picked for -P, and in
// the rules only while it runs.
func TestPublishedPorts(t *testing.T) {
	h := newFakeHost()
	h.busy[40000] = true // a program on the host has it
	m, root := newManager(t, h)
	s := spec(root, "eeee5555", "web")
	s.Publish, _ = ParsePublish("8080:80")
	s.Publish = PublishAll([]PortBinding{{Port: 443, Proto: "tcp"}}, s.Publish)
	if sb, err := m.Prepare(s); err != nil || len(sb.Ports) != 0 {
		t.Fatalf("Prepare: %v, ports %v: none bound before it starts", err, sb.Ports)
	}
	if err := m.Start("web", h.owner(400)); err != nil {
		t.Fatal(err)
	}
	sb, _ := m.Sandbox("web")
	var got []string
	for _, p := range sb.Ports {
		got = append(got, p.String())
	}
	if want := "80/tcp -> 0.0.0.0:8080 443/tcp -> 0.0.0.0:40001"; strings.Join(got, " ") != want {
		t.Errorf("ports %v, want %s", got, want)
	}
	rules := h.tables[mustDefault(t, m).Bridge]
	if len(rules) != 2 || rules[0].To.String() != "172.17.0.2" || rules[0].HostPort != 8080 || rules[1].HostPort != 40001 {
		t.Errorf("rules while running: %v", rules)
	}
	s2 := spec(root, "ffff6666", "")
	s2.Publish, _ = ParsePublish("127.0.0.1:8080:81")
	if _, err := m.Prepare(s2); err != nil {
		t.Fatal(err)
	}
	if err := m.Start("ffff6666", h.owner(402)); !errors.Is(err, ErrPortAllocated) || err.Error() != "Bind for 127.0.0.1:8080 failed: port is already allocated" {
		t.Errorf("a second container on 8080: %v", err)
	}
	if sb, _ := m.Sandbox("ffff6666"); sb.State == Running || len(h.attachedTo("ffff")) != 0 {
		t.Errorf("a start refused left %+v, attached %v", sb, h.attachedTo("ffff"))
	}
	if err := m.Release("ffff6666"); err != nil {
		t.Fatal(err)
	}
	s2.Publish, _ = ParsePublish("40000:81")
	if _, err := m.Prepare(s2); err != nil {
		t.Fatal(err)
	}
	if err := m.Start("ffff6666", h.owner(403)); !errors.Is(err, ErrPortAllocated) || !strings.Contains(err.Error(), "a program on the host listens on it") {
		t.Errorf("a port a host program has: %v", err)
	}
	m.Release("ffff6666")
	if err := m.Stop("web"); err != nil {
		t.Fatal(err)
	}
	if rules := h.tables[mustDefault(t, m).Bridge]; len(rules) != 0 {
		t.Errorf("rules after stop: %v", rules)
	}
	// Stopped, it holds no port: another container may take 8080.
	s2.Publish, _ = ParsePublish("8080:81")
	if _, err := m.Prepare(s2); err != nil {
		t.Fatal(err)
	}
	if err := m.Start("ffff6666", h.owner(404)); err != nil {
		t.Errorf("8080 after the first container stopped: %v", err)
	}
	if err := m.Start("web", h.owner(401)); !errors.Is(err, ErrPortAllocated) {
		t.Errorf("restarting web with its 8080 taken: %v", err)
	}
}

func mustDefault(t *testing.T, m *Manager) *Network {
	n, err := m.Network("bridge")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReconcile: when the process that started a container died without
// stopping it, the next Open stops its sandbox; its address stays, for
// the engine still has the container.
func TestReconcile(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	kept := spec(root, "8888bbbb", "kept")
	kept.Publish, _ = ParsePublish("8080:80")
	if _, err := m.Prepare(kept); err != nil {
		t.Fatal(err)
	}
	h.pid = 600 // its monitor
	if err := m.Start("kept", h.owner(601)); err != nil {
		t.Fatal(err)
	}
	alive := spec(root, "7777cccc", "alive")
	if _, err := m.Prepare(alive); err != nil {
		t.Fatal(err)
	}
	h.pid = 700
	if err := m.Start("alive", h.owner(701)); err != nil {
		t.Fatal(err)
	}
	h.dead[600], h.dead[601] = true, true
	m2, err := open(root, Config{}, h)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := m2.Sandbox("kept")
	if err != nil || sb.State != Stopped || len(sb.Endpoints) != 1 || len(sb.Ports) != 0 {
		t.Errorf("a sandbox after its owner died: %+v, %v: want it stopped, its address kept, its ports gone", sb, err)
	}
	if rules := h.tables[mustDefault(t, m2).Bridge]; len(rules) != 0 {
		t.Errorf("the dead container's ports are still published: %v", rules)
	}
	if sb, _ := m2.Sandbox("alive"); sb.State != Running || len(h.attachedTo("alive")) != 1 {
		t.Errorf("a container whose owner lives was touched: %+v", sb)
	}
	if err := m2.Release("kept"); err != nil {
		t.Fatal(err)
	}
}

func TestCreateRefuses(t *testing.T) {
	h := newFakeHost()
	m, _ := newManager(t, h)
	if _, err := m.Create("one", CreateOptions{Subnet: netip.MustParsePrefix("10.60.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		o    CreateOptions
		want error
	}{
		{"one", CreateOptions{}, ErrExists},
		{"bridge", CreateOptions{}, ErrExists},
		{"-x", CreateOptions{}, ErrBadSpec},
		{"two", CreateOptions{Driver: "overlay"}, ErrBadSpec},
		{"two", CreateOptions{Subnet: netip.MustParsePrefix("10.60.5.0/24")}, ErrSubnetInUse},
		{"two", CreateOptions{Subnet: netip.MustParsePrefix("10.61.0.1/24")}, ErrBadSpec},
		{"two", CreateOptions{Subnet: netip.MustParsePrefix("10.61.0.0/24"), Gateway: netip.MustParseAddr("10.62.0.1")}, ErrBadSpec},
		{"two", CreateOptions{Options: map[string]string{BridgeNameOption: "a-name-much-too-long"}}, ErrBadSpec},
		{"two", CreateOptions{Options: map[string]string{"com.docker.network.driver.mtu": "1400"}}, ErrBadSpec},
	} {
		if _, err := m.Create(c.name, c.o); !errors.Is(err, c.want) {
			t.Errorf("Create(%q, %+v) = %v, want %v", c.name, c.o, err, c.want)
		}
	}
	for _, name := range []string{"bridge", "host", "none"} {
		if err := m.RemoveNetwork(name); !errors.Is(err, ErrPredefined) {
			t.Errorf("RemoveNetwork(%s) = %v, want ErrPredefined", name, err)
		}
	}
	nets, err := m.Networks()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nets {
		names = append(names, n.Name+"/"+n.Driver)
	}
	if want := "bridge/bridge host/host none/null one/bridge"; strings.Join(names, " ") != want {
		t.Errorf("networks %v, want %s", names, want)
	}
}

func TestDisabledDefaultBridge(t *testing.T) {
	h := newFakeHost()
	m, err := open(t.TempDir(), Config{Bridge: "none"}, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Prepare(spec(t.TempDir(), "aaaa", "")); !errors.Is(err, ErrDisabled) {
		t.Errorf("Prepare with the default bridge off: %v, want ErrDisabled", err)
	}
}

// TestRestart: a container stops and starts again with the same address
// and files; its owner is whoever started it last.
func TestRestart(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	s := spec(root, "7777cccc", "again")
	s.Publish, _ = ParsePublish("8080:80")
	first, err := m.Prepare(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start("again", h.owner(700)); err != nil {
		t.Fatal(err)
	}
	if sb, err := m.Prepare(s); err != nil || sb.State != Running {
		t.Errorf("Prepare of a running container's sandbox: %+v, %v: want it as it is", sb, err)
	}
	if err := m.Start("again", h.owner(702)); err == nil {
		t.Error("a second Start of a running sandbox succeeded")
	}
	veth := h.attachedTo("again")
	if err := m.Stop("again"); err != nil {
		t.Fatal(err)
	}
	again, err := m.Prepare(s)
	if err != nil {
		t.Fatal(err)
	}
	if again.Endpoints[0].Addr != first.Endpoints[0].Addr {
		t.Errorf("started again on %v, first on %v", again.Endpoints[0].Addr, first.Endpoints[0].Addr)
	}
	h.pid = 800 // a new monitor
	if err := m.Start("again", h.owner(801)); err != nil {
		t.Fatal(err)
	}
	sb, _ := m.Sandbox("again")
	if sb.State != Running || len(sb.Ports) != 1 || sb.Ports[0].HostPort != 8080 || sb.Owner.Pid != 800 {
		t.Errorf("after the second start: %+v", sb)
	}
	if len(veth) != 1 || len(h.attachedTo("again")) != 1 {
		t.Errorf("attached %v then %v", veth, h.attachedTo("again"))
	}
	if err := m.Release("again"); err != nil {
		t.Fatal(err)
	}
}

func TestNamesChecked(t *testing.T) {
	h := newFakeHost()
	m, root := newManager(t, h)
	s := spec(root, "6666dddd", "web")
	s.Aliases = []string{"ok", "evil\n10.0.0.1 bank"}
	if _, err := m.Prepare(s); !errors.Is(err, ErrBadSpec) {
		t.Errorf("an alias with a newline: %v, want ErrBadSpec", err)
	}
	if err := m.Connect("bridge", "web", []string{"a b"}, netip.Addr{}); !errors.Is(err, ErrBadSpec) {
		t.Errorf("connect with an alias with a space: %v, want ErrBadSpec", err)
	}
}
