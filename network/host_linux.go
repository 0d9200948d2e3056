package network

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/phase"
	"github.com/minidocker/minidocker/network/netlink"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// Open returns the network layer of the engine root, after cleaning up
// what dead containers left on the host.
func Open(root string, cfg Config) (*Manager, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	return open(abs, cfg, &linuxHost{root: abs, cfg: cfg})
}

// linuxHost is the host seam made of netlink, nft and /proc/sys.
type linuxHost struct {
	root string
	cfg  Config
}

// owner is what minidocker writes into the alias of a device it makes, so
// that it knows its own (and which root's) from everything else on the
// host: "minidocker [ip_forward=0] ID ROOT". The ip_forward mark is on
// the one bridge that remembers the value to put back.
type owner struct {
	restore  string // ip_forward's value before minidocker set it
	id, root string
}

func (o owner) String() string {
	s := "minidocker "
	if o.restore != "" {
		s += "ip_forward=" + o.restore + " "
	}
	return s + o.id + " " + o.root
}

func parseOwner(alias string) (owner, bool) {
	rest, ok := strings.CutPrefix(alias, "minidocker ")
	if !ok {
		return owner{}, false
	}
	var o owner
	if v, r, ok := strings.Cut(rest, " "); ok && strings.HasPrefix(v, "ip_forward=") {
		o.restore, rest = strings.TrimPrefix(v, "ip_forward="), r
	}
	o.id, o.root, ok = strings.Cut(rest, " ")
	return o, ok && o.id != "" && o.root != ""
}

// hostLocked runs fn holding the lock of this network namespace, shared by
// every minidocker on the host, whatever its root: subnets, bridges and
// ip_forward are the namespace's. The lock is the namespace itself: flock
// on its nsfs file, no file of ours to create or leave behind.
func hostLocked(fn func(c *netlink.Conn) error) error {
	f, err := os.Open("/proc/self/ns/net")
	if err != nil {
		return fmt.Errorf("lock the host's network: %w", err)
	}
	defer f.Close()
	if err := lockfile.Flock(f, unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock the host's network: %w", err)
	}
	c, err := netlink.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

func (h *linuxHost) upBridge(n *Network, taken []netip.Prefix, mayMove bool) (moved bool, err error) {
	err = hostLocked(func(c *netlink.Conn) error {
		mine := owner{id: n.ID, root: h.root}
		l, err := c.LinkByName(n.Bridge)
		if err == nil {
			// There already: ours (made before, or left by a crash), or not.
			o, ok := parseOwner(l.Alias)
			if !ok || o.id != mine.id || o.root != mine.root {
				return fmt.Errorf("bridge %s (alias %q) is not network %s's of %s: %w", n.Bridge, l.Alias, n.Name, h.root, ErrBridgeTaken)
			}
			return h.repairBridge(c, n)
		}
		if !errors.Is(err, netlink.ErrNotFound) {
			return err
		}
		if err := h.checkSubnet(c, n, taken, mayMove, &moved); err != nil {
			return err
		}
		return h.makeBridge(c, n, mine)
	})
	return moved, err
}

// checkSubnet gives n a subnet nothing on the host uses: its own if it is
// still free, else (mayMove, or none yet) the first free one of the pools.
func (h *linuxHost) checkSubnet(c *netlink.Conn, n *Network, taken []netip.Prefix, mayMove bool, moved *bool) error {
	used, err := hostPrefixes(c)
	if err != nil {
		return err
	}
	clash := func(p netip.Prefix) string {
		for _, u := range used {
			if overlaps(p, u.prefix) {
				return u.what
			}
		}
		return ""
	}
	if n.Subnet.IsValid() {
		what := clash(n.Subnet)
		if what == "" {
			return nil
		}
		if !mayMove {
			return fmt.Errorf("network %s: subnet %s overlaps %s on this host: %w", n.Name, n.Subnet, what, ErrSubnetInUse)
		}
		*moved = true
	}
	for _, pool := range h.cfg.pools() {
		subnets, err := pool.subnets()
		if err != nil {
			return err
		}
		for _, s := range subnets {
			if clash(s) == "" && !slicesContainsOverlap(taken, s) {
				n.Subnet, n.Gateway = s, s.Addr().Next()
				return nil
			}
		}
	}
	return fmt.Errorf("network %s: %w (every subnet of the pools overlaps a route or address on this host, or another network)", n.Name, ErrNoSubnet)
}

type usedPrefix struct {
	prefix netip.Prefix
	what   string
}

// hostPrefixes are the IPv4 prefixes the host reaches directly or by a
// route, other than the default route.
func hostPrefixes(c *netlink.Conn) ([]usedPrefix, error) {
	links, err := c.Links()
	if err != nil {
		return nil, err
	}
	name := map[int]string{}
	for _, l := range links {
		name[l.Index] = l.Name
	}
	routes, err := c.Routes()
	if err != nil {
		return nil, err
	}
	addrs, err := c.Addrs()
	if err != nil {
		return nil, err
	}
	var out []usedPrefix
	for _, r := range routes {
		if r.Dst.Bits() > 0 {
			out = append(out, usedPrefix{r.Dst, fmt.Sprintf("the route to %s on %s", r.Dst, name[r.Index])})
		}
	}
	for _, a := range addrs {
		if a.Prefix.Addr().Is4() {
			out = append(out, usedPrefix{a.Prefix.Masked(), fmt.Sprintf("address %s on %s", a.Prefix, name[a.Index])})
		}
	}
	return out, nil
}

// makeBridge creates the bridge the way docker sets up docker0: its MAC
// fixed (else it takes its first port's and changes as ports come and go),
// the gateway address, up, route_localnet so that 127.0.0.1 can be
// translated to a container, ip_forward on, and the network's rules.
func (h *linuxHost) makeBridge(c *netlink.Conn, n *Network, mine owner) (err error) {
	defer phase.Mark("network: bridge up")
	if err := c.AddBridge(n.Bridge, mine.String()); err != nil {
		return fmt.Errorf("network %s: %w", n.Name, err)
	}
	defer func() {
		if err != nil {
			h.dropTable(n.Bridge)
			h.removeBridge(c, n.Bridge)
		}
	}()
	g := n.Gateway.As4()
	for _, err := range []error{
		c.SetGroup(n.Bridge, bridgeGroup),
		c.SetHardwareAddr(n.Bridge, net.HardwareAddr{0x02, 0x42, g[0], g[1], g[2], g[3]}),
		c.AddAddr(n.Bridge, netip.PrefixFrom(n.Gateway, n.Subnet.Bits())),
		c.SetUp(n.Bridge),
		writeSysctl("net/ipv4/conf/"+n.Bridge+"/route_localnet", "1"),
	} {
		if err != nil {
			return fmt.Errorf("network %s: %w", n.Name, err)
		}
	}
	phase.Mark("network: bridge made")
	if err := h.rules(n, nil); err != nil {
		return err
	}
	phase.Mark("network: bridge rules")
	if !h.cfg.ipForward() {
		return nil
	}
	was, err := readSysctl("net/ipv4/ip_forward")
	if err != nil || was != "0" {
		return err // on already, by the host or another minidocker bridge: not ours to put back
	}
	// Forwarding for the bridges only: the host must not start routing
	// between its other interfaces because a container runs.
	if err := nft(forwardGuard); err != nil {
		return err
	}
	if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
		nft(dropForwardGuard)
		return err
	}
	mine.restore = was
	return c.SetAlias(n.Bridge, mine.String())
}

// repairBridge gives an existing bridge of ours what a crash in the
// middle of makeBridge may have left out.
func (h *linuxHost) repairBridge(c *netlink.Conn, n *Network) error {
	l, err := c.LinkByName(n.Bridge)
	if err != nil {
		return err
	}
	addrs, err := c.Addrs()
	if err != nil {
		return err
	}
	want := netip.PrefixFrom(n.Gateway, n.Subnet.Bits())
	has := false
	for _, a := range addrs {
		has = has || a.Index == l.Index && a.Prefix == want
	}
	if !has {
		if err := c.AddAddr(n.Bridge, want); err != nil {
			return err
		}
	}
	if err := writeSysctl("net/ipv4/conf/"+n.Bridge+"/route_localnet", "1"); err != nil {
		return err
	}
	return c.SetUp(n.Bridge)
}

func (h *linuxHost) downBridge(n *Network) error {
	return hostLocked(func(c *netlink.Conn) error {
		l, err := c.LinkByName(n.Bridge)
		if errors.Is(err, netlink.ErrNotFound) {
			return h.dropTable(n.Bridge) // nothing else left; the table perhaps
		}
		if err != nil {
			return err
		}
		if o, ok := parseOwner(l.Alias); !ok || o.id != n.ID || o.root != h.root {
			return nil // not ours (any more): leave it
		}
		phase.Mark("network: bridge going")
		if err := h.dropTable(n.Bridge); err != nil {
			return err
		}
		phase.Mark("network: bridge rules dropped")
		defer phase.Mark("network: bridge removed")
		return h.removeBridge(c, n.Bridge)
	})
}

// removeBridge deletes one of minidocker's bridges; if it remembers
// ip_forward's old value, the memory passes to another minidocker bridge,
// or, with the last one gone, the value is put back.
func (h *linuxHost) removeBridge(c *netlink.Conn, name string) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	o, _ := parseOwner(l.Alias)
	if o.restore != "" {
		links, err := c.Links()
		if err != nil {
			return err
		}
		heir := ""
		for _, other := range links {
			if oo, ok := parseOwner(other.Alias); ok && other.Kind == "bridge" && other.Name != name {
				if oo.restore == "" {
					oo.restore = o.restore
					if err := c.SetAlias(other.Name, oo.String()); err != nil {
						return err
					}
				}
				heir = other.Name
				break
			}
		}
		if heir == "" {
			if err := writeSysctl("net/ipv4/ip_forward", o.restore); err != nil {
				return err
			}
			if err := nft(dropForwardGuard); err != nil {
				return err
			}
		}
	}
	if err := c.DeleteLink(name); err != nil && !errors.Is(err, netlink.ErrNotFound) {
		return err
	}
	return nil
}

func (h *linuxHost) rules(n *Network, ports []dnat) error {
	return nft(ruleset(n, ports))
}

func (h *linuxHost) dropTable(bridge string) error { return nft(dropTable(bridge)) }

// nft applies a script in one transaction: all of it or nothing.
func nft(script string) error {
	cmd := exec.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return errors.New("the bridge network's rules need nft, from nftables (apt-get install nftables)")
		}
		return fmt.Errorf("nft: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// attach gives the container its interface on n, the way libnetwork does:
// a veth pair, one end on the host, a port of the bridge, the other in
// the container's network namespace (made there, where libnetwork moves
// it and renames it), then its address, up, and (the first network's)
// default route.
func (h *linuxHost) attach(n *Network, ep *Endpoint, sb *Sandbox, primary bool) (err error) {
	ns, err := os.Open("/proc/" + strconv.Itoa(sb.Init.Pid) + "/ns/net")
	if err != nil {
		return fmt.Errorf("open the container's network namespace: %w", err)
	}
	defer ns.Close()
	if !sb.Init.Alive() { // the PID we opened is still the container's
		return fmt.Errorf("attach to network %s: the container's process %d is gone", n.Name, sb.Init.Pid)
	}
	c, err := netlink.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	// The container's end is made in its namespace, under its name there:
	// moving a device between namespaces costs an RCU grace period.
	if err := c.AddVethTo(ep.HostVeth, ep.IfName, ns, owner{id: sb.ContainerID, root: h.root}.String()); err != nil {
		return fmt.Errorf("attach to network %s: %w", n.Name, err)
	}
	defer func() {
		if err != nil {
			c.DeleteLink(ep.HostVeth) // and the peer, in the container
		}
	}()
	for _, err := range []error{
		c.SetMaster(ep.HostVeth, n.Bridge),
		c.SetHairpin(ep.HostVeth),
		c.SetUp(ep.HostVeth),
	} {
		if err != nil {
			return fmt.Errorf("attach to network %s: %w", n.Name, err)
		}
	}
	phase.Mark("network: veth made")
	in, err := netlink.DialNetns(ns.Name())
	if err != nil {
		return err
	}
	defer in.Close()
	mac, _ := net.ParseMAC(ep.MAC)
	steps := []func() error{
		func() error { return in.SetHardwareAddr(ep.IfName, mac) },
		func() error { return in.AddAddr(ep.IfName, ep.Addr) },
		func() error { return in.SetUp(ep.IfName) },
	}
	if primary {
		steps = append(steps, func() error { return in.AddDefaultRoute(ep.IfName, ep.Gateway) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("attach to network %s, in the container: %w", n.Name, err)
		}
	}
	phase.Mark("network: eth0 configured")
	return nil
}

// detach deletes the host's end of the veth pair, and so both ends.
func (h *linuxHost) detach(ep *Endpoint) error {
	c, err := netlink.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	l, err := c.LinkByName(ep.HostVeth)
	if errors.Is(err, netlink.ErrNotFound) {
		return nil // gone with the container's namespace
	}
	if err != nil {
		return err
	}
	if o, ok := parseOwner(l.Alias); !ok || o.root != h.root {
		return nil
	}
	if err := c.DeleteLink(ep.HostVeth); err != nil && !errors.Is(err, netlink.ErrNotFound) {
		return err
	}
	return nil
}

// portFree reports whether a program on the host could bind the port:
// if none can, one listens there already.
func (h *linuxHost) portFree(b PortBinding) bool {
	ip := "0.0.0.0"
	if b.HostIP.IsValid() {
		ip = b.HostIP.String()
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(int(b.HostPort)))
	if b.Proto == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ephemeralPorts is the kernel's range for ports picked at random, where
// docker picks a host port for -P too.
func (h *linuxHost) ephemeralPorts() (int, int) {
	s, err := readSysctl("net/ipv4/ip_local_port_range")
	f := strings.Fields(s)
	if err == nil && len(f) == 2 {
		lo, err1 := strconv.Atoi(f[0])
		hi, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil && lo > 0 && hi >= lo {
			return lo, hi
		}
	}
	return 32768, 60999
}

func (h *linuxHost) resolvConf() []byte {
	b, _ := os.ReadFile("/etc/resolv.conf")
	return b
}

func (h *linuxHost) alive(p Process) bool { return p.Alive() }

func (h *linuxHost) self() (Process, error) { return ProcessOf(os.Getpid()) }

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", strings.ReplaceAll(name, "/", "."), err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(name, value string) error {
	if err := os.WriteFile("/proc/sys/"+name, []byte(value), 0); err != nil {
		return fmt.Errorf("set sysctl %s=%s: %w", strings.ReplaceAll(name, "/", "."), value, err)
	}
	return nil
}

// CleanHost removes every device minidocker made for a root at or below
// dir from this network namespace, bridges with their tables, putting
// ip_forward back as the last bridge does, and says what it removed. It
// is for a root that is going away with its state (a test's, a
// benchmark's), where no Prune will ever take its default bridge off and
// no Open find what its containers left. A veth pair whose container is
// gone is the kernel's to delete, soon after its namespace: CleanHost
// waits up to 5 seconds for those first.
func CleanHost(dir string) ([]Removed, error) {
	mine := func(l netlink.Link) (owner, bool) {
		o, ok := parseOwner(l.Alias)
		return o, ok && (o.root == dir || strings.HasPrefix(o.root, dir+"/"))
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		veths := 0
		hostLocked(func(c *netlink.Conn) error {
			links, err := c.Links()
			for _, l := range links {
				if _, ok := mine(l); ok && l.Kind == "veth" {
					veths++
				}
			}
			return err
		})
		if veths == 0 {
			break
		}
	}
	var removed []Removed
	err := hostLocked(func(c *netlink.Conn) error {
		links, err := c.Links()
		if err != nil {
			return err
		}
		var errs []error
		for _, l := range links {
			o, ok := mine(l)
			if !ok {
				continue
			}
			removed = append(removed, Removed{Kind: l.Kind, Name: l.Name, Alias: l.Alias, Default: l.Kind == "bridge" && isDefault(o)})
			if l.Kind == "bridge" {
				h := &linuxHost{root: o.root}
				errs = append(errs, h.dropTable(l.Name), h.removeBridge(c, l.Name))
				continue
			}
			if err := c.DeleteLink(l.Name); err != nil && !errors.Is(err, netlink.ErrNotFound) {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
	return removed, err
}

// isDefault reports whether the bridge's owner is its root's default
// network, by the root's network state.
func isDefault(o owner) bool {
	var s state
	b, err := os.ReadFile(filepath.Join(o.root, "network", stateFile))
	if err != nil || json.Unmarshal(b, &s) != nil {
		return false
	}
	return slices.ContainsFunc(s.Networks, func(n *Network) bool { return n.ID == o.id && n.Default })
}
