package network

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/minidocker/minidocker/network/ipam"
)

// host is the seam between the network logic and the machine: the real
// one (host_linux.go) makes bridges, veths, rules and sysctls; the tests'
// records what it is asked, so the logic is tested without root.
type host interface {
	// upBridge makes n's bridge exist with its address, up, and its rules
	// table. A zero n.Subnet is filled with one free on the host and not in
	// taken; with mayMove, a subnet now used on the host is replaced.
	upBridge(n *Network, taken []netip.Prefix, mayMove bool) (moved bool, err error)
	downBridge(n *Network) error
	rules(n *Network, ports []dnat) error
	// attach gives the running init an interface on n; primary gets the
	// default route.
	attach(n *Network, ep *Endpoint, sb *Sandbox, primary bool) error
	detach(ep *Endpoint) error
	portFree(b PortBinding) bool
	ephemeralPorts() (lo, hi int)
	resolvConf() []byte
	alive(p Process) bool
	self() (Process, error)
}

// Manager is the network layer of one engine root.
type Manager struct {
	root string
	dir  string // root/network
	cfg  Config
	host host
}

func open(root string, cfg Config, h host) (*Manager, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	m := &Manager{root: root, dir: filepath.Join(root, "network"), cfg: cfg, host: h}
	if err := os.MkdirAll(filepath.Join(m.dir, "ipam"), 0o700); err != nil {
		return nil, fmt.Errorf("create network state directory: %w", err)
	}
	if err := m.update(func(s *state) error {
		m.predefine(s)
		return m.reconcile(s)
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// predefine adds docker's three predefined networks to a new state.
func (m *Manager) predefine(s *state) {
	have := func(driver string) bool {
		return slices.ContainsFunc(s.Networks, func(n *Network) bool { return n.Predefined() && n.Driver == driver })
	}
	if !have("bridge") {
		id := newID()
		bridge := m.cfg.Bridge
		if bridge == "" || bridge == "none" {
			bridge = "md-" + id[:12]
		}
		s.Networks = append(s.Networks, &Network{ID: id, Name: "bridge", Driver: "bridge", Bridge: bridge, Default: true, Created: time.Now().UTC()})
	}
	for _, d := range [][2]string{{"host", "host"}, {"none", "null"}} {
		if !have(d[1]) {
			s.Networks = append(s.Networks, &Network{ID: newID(), Name: d[0], Driver: d[1], Created: time.Now().UTC()})
		}
	}
}

// reconcile does what the owners of dead containers left undone (a
// monitor, or an attached run, killed): their published ports go, and
// their interfaces if the kernel has not taken them with the namespace.
// The addresses stay: the engine still has the containers.
func (m *Manager) reconcile(s *state) error {
	var errs []error
	for _, sb := range s.Sandboxes {
		if sb.State != Running || m.host.alive(sb.Owner) {
			continue
		}
		errs = append(errs, m.stop(s, sb))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean up after containers whose engine process died: %w", err)
	}
	return nil
}

// Networks lists the networks, by name.
func (m *Manager) Networks() ([]*Network, error) {
	var out []*Network
	err := m.update(func(s *state) error {
		out = slices.Clone(s.Networks)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Network finds a network by name, ID or unique ID prefix.
func (m *Manager) Network(ref string) (*Network, error) {
	var out *Network
	err := m.update(func(s *state) (err error) {
		out, err = lookupNetwork(s, ref)
		return err
	})
	return out, err
}

func lookupNetwork(s *state, ref string) (*Network, error) {
	var byPrefix []*Network
	for _, n := range s.Networks {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
		if len(ref) >= 1 && strings.HasPrefix(n.ID, ref) {
			byPrefix = append(byPrefix, n)
		}
	}
	if len(byPrefix) == 1 {
		return byPrefix[0], nil
	}
	return nil, fmt.Errorf("network %s: %w", ref, ErrNotFound)
}

// CreateOptions are `network create`'s flags.
type CreateOptions struct {
	Driver  string // "" or bridge
	Subnet  netip.Prefix
	Gateway netip.Addr
	Options map[string]string // -o com.docker.network.bridge.name=NAME
	Labels  map[string]string // --label KEY=VALUE
}

// validName is docker's rule for a network's name and a container's or
// alias's in /etc/hosts, ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$, checked by hand: a
// regexp compiled at init would cost every minidocker process, a
// monitor's too, its memory.
func validName(s string) bool {
	for i, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return s != ""
}

// validBridge is a name the kernel takes for a device: at most 15 bytes.
func validBridge(s string) bool { return len(s) <= 15 && validName(s) }

// Create makes a user-defined bridge network, on the host at once.
func (m *Manager) Create(name string, o CreateOptions) (*Network, error) {
	if !validName(name) {
		return nil, fmt.Errorf("network name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed: %w", name, ErrBadSpec)
	}
	if o.Driver != "" && o.Driver != "bridge" {
		return nil, fmt.Errorf("network driver %q: minidocker has only the bridge driver: %w", o.Driver, ErrBadSpec)
	}
	for k := range o.Options {
		if k != BridgeNameOption {
			return nil, fmt.Errorf("network option %q: minidocker knows only %s: %w", k, BridgeNameOption, ErrBadSpec)
		}
	}
	if o.Gateway.IsValid() && !o.Subnet.IsValid() {
		return nil, fmt.Errorf("--gateway needs --subnet: %w", ErrBadSpec)
	}
	if o.Subnet.IsValid() {
		if !o.Subnet.Addr().Is4() || o.Subnet.Bits() > 30 {
			return nil, fmt.Errorf("subnet %s: want an IPv4 network of /30 or more addresses: %w", o.Subnet, ErrBadSpec)
		}
		if o.Subnet != o.Subnet.Masked() {
			return nil, fmt.Errorf("subnet %s: not a network address (%s is): %w", o.Subnet, o.Subnet.Masked(), ErrBadSpec)
		}
		if !o.Gateway.IsValid() {
			o.Gateway = o.Subnet.Addr().Next()
		}
		if !o.Subnet.Contains(o.Gateway) || o.Gateway == o.Subnet.Addr() {
			return nil, fmt.Errorf("gateway %s is not a host address of subnet %s: %w", o.Gateway, o.Subnet, ErrBadSpec)
		}
	}
	var out *Network
	err := m.update(func(s *state) error {
		for _, n := range s.Networks {
			if n.Name == name {
				return fmt.Errorf("network with name %s: %w", name, ErrExists)
			}
		}
		n := &Network{ID: newID(), Name: name, Driver: "bridge", Subnet: o.Subnet, Gateway: o.Gateway, Labels: o.Labels, Created: time.Now().UTC()}
		n.Bridge = "md-" + n.ID[:12]
		if b := o.Options[BridgeNameOption]; b != "" {
			if !validBridge(b) {
				return fmt.Errorf("bridge name %q: at most 15 of [a-zA-Z0-9_.-]: %w", b, ErrBadSpec)
			}
			n.Bridge, n.Options = b, map[string]string{BridgeNameOption: b}
		}
		for _, other := range s.Networks {
			if other.Bridge == n.Bridge {
				return fmt.Errorf("bridge %s is network %s's: %w", n.Bridge, other.Name, ErrBridgeTaken)
			}
			if n.Subnet.IsValid() && other.Subnet.IsValid() && overlaps(n.Subnet, other.Subnet) {
				return fmt.Errorf("subnet %s overlaps network %s's %s: %w", n.Subnet, other.Name, other.Subnet, ErrSubnetInUse)
			}
		}
		if _, err := m.up(s, n); err != nil {
			return err
		}
		if _, err := m.pool(n); err != nil {
			m.host.downBridge(n)
			return err
		}
		s.Networks = append(s.Networks, n)
		out = n
		return nil
	})
	return out, err
}

// RemoveNetwork takes a user-defined network off the host and forgets it.
func (m *Manager) RemoveNetwork(ref string) error {
	return m.update(func(s *state) error {
		n, err := lookupNetwork(s, ref)
		if err != nil {
			return err
		}
		if n.Predefined() {
			return fmt.Errorf("%s network %s: %w", n.Driver, n.Name, ErrPredefined)
		}
		var users []string
		for _, sb := range s.Sandboxes {
			if sb.endpoint(n.ID) != nil {
				users = append(users, sb.display())
			}
		}
		if len(users) > 0 {
			return fmt.Errorf("error while removing network %s: containers %s are on it: %w", n.Name, strings.Join(users, ", "), ErrActiveEndpoints)
		}
		if err := m.host.downBridge(n); err != nil {
			return err
		}
		if err := ipam.Remove(m.poolPath(n)); err != nil {
			return err
		}
		s.Networks = slices.DeleteFunc(s.Networks, func(x *Network) bool { return x == n })
		return nil
	})
}

// up brings a bridge network onto the host (idempotent), keeping the
// default network's subnet where it is unless nothing holds an address
// in it.
func (m *Manager) up(s *state, n *Network) (bool, error) {
	var taken []netip.Prefix
	for _, o := range s.Networks {
		if o != n && o.Subnet.IsValid() {
			taken = append(taken, o.Subnet)
		}
	}
	empty := !slices.ContainsFunc(s.Sandboxes, func(sb *Sandbox) bool { return sb.endpoint(n.ID) != nil })
	if n.Default {
		if m.cfg.Bridge == "none" {
			return false, ErrDisabled
		}
		if m.cfg.BIP != "" {
			bip, _ := netip.ParsePrefix(m.cfg.BIP)
			if n.Subnet != bip.Masked() || n.Gateway != bip.Addr() {
				if !empty {
					return false, fmt.Errorf("bip %s: the default network still has containers on %s: %w", bip, n.Subnet, ErrSubnetInUse)
				}
				n.Subnet, n.Gateway = bip.Masked(), bip.Addr()
				ipam.Remove(m.poolPath(n))
			}
		}
	}
	wasUp := n.Subnet
	moved, err := m.host.upBridge(n, taken, n.Default && empty && m.cfg.BIP == "")
	if err != nil {
		return false, err
	}
	if moved || wasUp != n.Subnet {
		ipam.Remove(m.poolPath(n)) // a new subnet: a new pool
	}
	return moved, nil
}

func (m *Manager) poolPath(n *Network) string { return filepath.Join(m.dir, "ipam", n.ID+".json") }

func (m *Manager) pool(n *Network) (*ipam.Pool, error) {
	return ipam.Open(m.poolPath(n), n.Subnet, n.Gateway)
}

// Prepare makes a container's sandbox when it is created: its address
// on its network and its /etc files (Files), on a network brought onto
// the host if it is not there. Its ports are bound when it starts, as
// docker binds them. For a container that has a sandbox already (started
// before, running, or connected to networks since), it returns that one:
// the same addresses and files.
func (m *Manager) Prepare(spec SandboxSpec) (*Sandbox, error) {
	if spec.ContainerID == "" || spec.Dir == "" {
		return nil, errors.New("prepare network: a container needs an ID and a directory")
	}
	if err := checkNames(append([]string{spec.Name}, spec.Aliases...)); err != nil {
		return nil, err
	}
	for _, h := range spec.ExtraHosts {
		if err := ParseAddHost(h); err != nil {
			return nil, err
		}
	}
	for _, d := range spec.DNS {
		if _, err := netip.ParseAddr(d); err != nil {
			return nil, fmt.Errorf("--dns %s: not an IP address: %w", d, ErrBadSpec)
		}
	}
	var out Sandbox
	err := m.update(func(s *state) error {
		for _, sb := range s.Sandboxes {
			if sb.ContainerID == spec.ContainerID {
				out = *sb
				return nil
			}
		}
		n, err := m.attachable(s, spec.Network)
		if err != nil {
			return err
		}
		if spec.IP.IsValid() && n.Default {
			return fmt.Errorf("--ip %s: a user specified IP address is supported on user defined networks only: %w", spec.IP, ErrBadSpec)
		}
		sb := &Sandbox{
			ContainerID: spec.ContainerID, Name: spec.Name, Hostname: spec.Hostname, Dir: spec.Dir,
			State: Created, ExtraHosts: spec.ExtraHosts, DNS: spec.DNS, Publish: spec.Publish,
		}
		if _, err := m.up(s, n); err != nil {
			return err
		}
		ep, err := m.endpoint(n, sb, spec.IP, spec.Aliases, "eth0")
		if err != nil {
			return err
		}
		sb.Endpoints = []*Endpoint{ep}
		s.Sandboxes = append(s.Sandboxes, sb)
		if err := m.writeFiles(s, sb); err != nil {
			m.release(s, sb)
			return err
		}
		out = *sb
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// attachable resolves the network a container asks for.
func (m *Manager) attachable(s *state, ref string) (*Network, error) {
	if ref == "" || ref == "default" {
		ref = "bridge"
	}
	n, err := lookupNetwork(s, ref)
	if err != nil {
		return nil, err
	}
	if n.Driver != "bridge" {
		return nil, fmt.Errorf("network %s: the %s network has no endpoints to attach: %w", ref, n.Name, ErrBadSpec)
	}
	return n, nil
}

// endpoint gives the sandbox an address on n: an interface that exists
// once the container runs (Start).
func (m *Manager) endpoint(n *Network, sb *Sandbox, want netip.Addr, aliases []string, ifname string) (*Endpoint, error) {
	pool, err := m.pool(n)
	if err != nil {
		return nil, err
	}
	addr, err := pool.Allocate(sb.ContainerID, want)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", n.Name, err)
	}
	a := addr.As4()
	return &Endpoint{
		NetworkID: n.ID, NetworkName: n.Name, IfName: ifname,
		Addr: netip.PrefixFrom(addr, n.Subnet.Bits()), Gateway: n.Gateway,
		// docker's MAC: 02:42 and the address, so it is unique on the bridge.
		MAC:     net.HardwareAddr{0x02, 0x42, a[0], a[1], a[2], a[3]}.String(),
		Aliases: aliases,
	}, nil
}

// bindPorts picks host ports for bindings without one, and refuses one
// another container publishes or a program on the host listens on.
func (m *Manager) bindPorts(s *state, want []PortBinding) ([]PortBinding, error) {
	var held []PortBinding
	for _, sb := range s.Sandboxes {
		if sb.live() {
			held = append(held, sb.Ports...)
		}
	}
	taken := func(b PortBinding) bool {
		return slices.ContainsFunc(held, func(h PortBinding) bool { return conflicts(h, b) })
	}
	var out []PortBinding
	lo, hi := m.host.ephemeralPorts()
	for _, b := range want {
		if b.HostPort == 0 {
			found := false
			for p := lo; p <= hi && !found; p++ {
				c := b
				c.HostPort = uint16(p)
				if !taken(c) && m.host.portFree(c) {
					b, found = c, true
				}
			}
			if !found {
				return nil, fmt.Errorf("no free host port from %d to %d for %d/%s: %w", lo, hi, b.Port, b.Proto, ErrPortAllocated)
			}
		} else {
			ip := "0.0.0.0"
			if b.HostIP.IsValid() {
				ip = b.HostIP.String()
			}
			if taken(b) {
				return nil, fmt.Errorf("Bind for %s:%d failed: %w", ip, b.HostPort, ErrPortAllocated)
			}
			if !m.host.portFree(b) {
				return nil, fmt.Errorf("Bind for %s:%d failed: a program on the host listens on it: %w", ip, b.HostPort, ErrPortAllocated)
			}
		}
		out = append(out, b)
		held = append(held, b)
	}
	sortPorts(out)
	return out, nil
}

// Start gives the running container its interfaces and publishes its
// ports. The calling process is its owner from now on: if it dies before
// Stop, the next Open stops the sandbox.
func (m *Manager) Start(id string, init Process) error {
	self, err := m.host.self()
	if err != nil {
		return err
	}
	return m.StartOwned(id, init, self)
}

// StartOwned is Start for a container whose owner is another process
// than the caller (a detached container's keeper, which outlives the
// monitor that starts it).
func (m *Manager) StartOwned(id string, init, owner Process) error {
	return m.update(func(s *state) error {
		sb, err := lookupSandbox(s, id)
		if err != nil {
			return err
		}
		if sb.State == Running {
			return fmt.Errorf("start network of container %s: already running", id)
		}
		if sb.Ports, err = m.bindPorts(s, sb.Publish); err != nil {
			return err
		}
		sb.Init, sb.Owner = init, owner
		// Its peers may have come and gone since it was created.
		if err := m.writeFiles(s, sb); err != nil {
			return err
		}
		for i, ep := range sb.Endpoints {
			n, err := lookupNetwork(s, ep.NetworkID)
			if err == nil {
				_, err = m.up(s, n)
			}
			if err == nil {
				ep.HostVeth = vethName()
				err = m.host.attach(n, ep, sb, i == 0)
			}
			if err != nil {
				for _, done := range sb.Endpoints[:i] {
					m.host.detach(done)
				}
				sb.Ports, sb.Init, sb.Owner = nil, Process{}, Process{}
				return err
			}
		}
		sb.State = Running
		if len(sb.Ports) > 0 { // else the tables stay as they are
			if err := m.applyRules(s, sb); err != nil {
				m.stop(s, sb)
				return err
			}
		}
		m.refreshPeers(s, sb)
		return nil
	})
}

// Stop takes the container's interfaces and ports off the host; its
// addresses stay for when it starts again.
func (m *Manager) Stop(id string) error {
	return m.update(func(s *state) error {
		sb, err := lookupSandbox(s, id)
		if err != nil {
			return err
		}
		return m.stop(s, sb)
	})
}

func (m *Manager) stop(s *state, sb *Sandbox) error {
	if !sb.live() {
		return nil
	}
	var errs []error
	// A veth pair goes with the namespace of its container end: once the
	// container's processes are gone, the kernel deletes both ends itself,
	// off our critical path. Only a container still running (stopped
	// because its owner died, or its init not yet reaped) has them taken.
	if m.host.alive(sb.Init) {
		for _, ep := range sb.Endpoints {
			errs = append(errs, m.host.detach(ep))
		}
	}
	published := len(sb.Ports) > 0
	sb.State, sb.Init, sb.Owner, sb.Ports = Stopped, Process{}, Process{}, nil
	if published {
		errs = append(errs, m.applyRules(s, sb))
	}
	m.refreshPeers(s, sb)
	return errors.Join(errs...)
}

// Release gives back the container's addresses and removes its files:
// the container is gone. Its networks stay on the host.
func (m *Manager) Release(id string) error {
	return m.update(func(s *state) error {
		sb, err := lookupSandbox(s, id)
		if err != nil {
			return err
		}
		return errors.Join(m.stop(s, sb), m.release(s, sb))
	})
}

func (m *Manager) release(s *state, sb *Sandbox) error {
	var errs []error
	s.Sandboxes = slices.DeleteFunc(s.Sandboxes, func(x *Sandbox) bool { return x == sb })
	for _, ep := range sb.Endpoints {
		n, err := lookupNetwork(s, ep.NetworkID)
		if err != nil {
			continue
		}
		if pool, err := m.pool(n); err == nil {
			errs = append(errs, pool.Release(sb.ContainerID))
		}
	}
	for _, f := range sb.Files() {
		if err := os.Remove(f.Source); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	os.Remove(sb.Dir) // if nothing else is in it
	m.refreshPeers(s, sb)
	return errors.Join(errs...)
}

// Prune removes the user-defined networks no container is on, as docker
// network prune, and takes the default network's bridge and rules off
// the host if no container has an address in it (it comes back with the
// next container): what a stopped dockerd would leave, minidocker, which
// has no daemon to stop, removes here. It returns the names of the
// networks removed.
func (m *Manager) Prune() ([]string, error) {
	var removed []string
	err := m.update(func(s *state) error {
		var errs []error
		for _, n := range slices.Clone(s.Networks) {
			if n.Driver != "bridge" || !n.Subnet.IsValid() || slices.ContainsFunc(s.Sandboxes, func(sb *Sandbox) bool { return sb.endpoint(n.ID) != nil }) {
				continue // not a bridge, never up (the default), or in use
			}
			if err := m.host.downBridge(n); err != nil {
				errs = append(errs, err)
				continue
			}
			if n.Default {
				// Predefined: it stays in the list, off the host, and
				// takes a subnet again (and a new pool) when it comes back.
				errs = append(errs, ipam.Remove(m.poolPath(n)))
				n.Subnet, n.Gateway = netip.Prefix{}, netip.Addr{}
				continue
			}
			errs = append(errs, ipam.Remove(m.poolPath(n)))
			s.Networks = slices.DeleteFunc(s.Networks, func(x *Network) bool { return x == n })
			removed = append(removed, n.Name)
		}
		return errors.Join(errs...)
	})
	return removed, err
}

// applyRules rewrites the tables of the sandbox's networks: each network
// publishes the ports of the running containers whose first interface is
// on it.
func (m *Manager) applyRules(s *state, changed *Sandbox) error {
	var errs []error
	for _, ep := range changed.Endpoints {
		n, err := lookupNetwork(s, ep.NetworkID)
		if err != nil {
			continue // gone
		}
		var ports []dnat
		for _, sb := range s.Sandboxes {
			if sb.State != Running || len(sb.Endpoints) == 0 || sb.Endpoints[0].NetworkID != n.ID {
				continue
			}
			for _, p := range sb.Ports {
				ports = append(ports, dnat{p, sb.Endpoints[0].Addr.Addr()})
			}
		}
		errs = append(errs, m.host.rules(n, ports))
	}
	return errors.Join(errs...)
}

// Connect puts a container on one more network: an address, and, if it
// runs, an interface (eth1, ...), no default route.
func (m *Manager) Connect(netRef, container string, aliases []string, ip netip.Addr) error {
	if err := checkNames(aliases); err != nil {
		return err
	}
	return m.update(func(s *state) error {
		sb, err := lookupSandbox(s, container)
		if err != nil {
			return err
		}
		n, err := m.attachable(s, netRef)
		if err != nil {
			return err
		}
		if sb.endpoint(n.ID) != nil {
			return fmt.Errorf("endpoint with name %s already exists in network %s: %w", sb.display(), n.Name, ErrBadSpec)
		}
		if ip.IsValid() && n.Default {
			return fmt.Errorf("--ip %s: a user specified IP address is supported on user defined networks only: %w", ip, ErrBadSpec)
		}
		if _, err := m.up(s, n); err != nil {
			return err
		}
		ifname := fmt.Sprintf("eth%d", len(sb.Endpoints))
		for i := 0; slices.ContainsFunc(sb.Endpoints, func(e *Endpoint) bool { return e.IfName == ifname }); i++ {
			ifname = fmt.Sprintf("eth%d", i)
		}
		ep, err := m.endpoint(n, sb, ip, aliases, ifname)
		if err != nil {
			return err
		}
		if sb.State == Running {
			ep.HostVeth = vethName()
			if err := m.host.attach(n, ep, sb, len(sb.Endpoints) == 0); err != nil {
				if pool, perr := m.pool(n); perr == nil {
					pool.Release(sb.ContainerID)
				}
				return err
			}
		}
		sb.Endpoints = append(sb.Endpoints, ep)
		if err := m.writeFiles(s, sb); err != nil {
			return err
		}
		m.refreshPeers(s, sb)
		return nil
	})
}

// Disconnect takes a container off a network.
func (m *Manager) Disconnect(netRef, container string) error {
	return m.update(func(s *state) error {
		sb, err := lookupSandbox(s, container)
		if err != nil {
			return err
		}
		n, err := lookupNetwork(s, netRef)
		if err != nil {
			return err
		}
		ep := sb.endpoint(n.ID)
		if ep == nil {
			return fmt.Errorf("container %s is not connected to network %s: %w", sb.display(), n.Name, ErrBadSpec)
		}
		var errs []error
		if sb.State == Running {
			errs = append(errs, m.host.detach(ep))
		}
		if pool, err := m.pool(n); err == nil {
			errs = append(errs, pool.Release(sb.ContainerID))
		}
		primary := sb.Endpoints[0] == ep
		sb.Endpoints = slices.DeleteFunc(sb.Endpoints, func(e *Endpoint) bool { return e == ep })
		if primary {
			// Its ports were published on that network; they go with it.
			stub := &Sandbox{Endpoints: []*Endpoint{ep}}
			sb.Ports = nil
			errs = append(errs, m.applyRules(s, stub))
		}
		errs = append(errs, m.writeFiles(s, sb))
		m.refreshPeers(s, &Sandbox{Endpoints: []*Endpoint{ep}})
		return errors.Join(errs...)
	})
}

// Sandbox finds a container's sandbox by ID, unique ID prefix or name.
func (m *Manager) Sandbox(container string) (*Sandbox, error) {
	var out Sandbox
	err := m.update(func(s *state) error {
		sb, err := lookupSandbox(s, container)
		if err == nil {
			out = *sb
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Sandboxes lists every sandbox.
func (m *Manager) Sandboxes() ([]*Sandbox, error) {
	var out []*Sandbox
	err := m.update(func(s *state) error {
		out = slices.Clone(s.Sandboxes)
		return nil
	})
	return out, err
}

func lookupSandbox(s *state, ref string) (*Sandbox, error) {
	var byPrefix []*Sandbox
	for _, sb := range s.Sandboxes {
		if sb.ContainerID == ref || sb.Name != "" && sb.Name == ref {
			return sb, nil
		}
		if ref != "" && strings.HasPrefix(sb.ContainerID, ref) {
			byPrefix = append(byPrefix, sb)
		}
	}
	if len(byPrefix) == 1 {
		return byPrefix[0], nil
	}
	return nil, fmt.Errorf("%s: %w", ref, ErrNoContainer)
}

func (sb *Sandbox) endpoint(networkID string) *Endpoint {
	for _, ep := range sb.Endpoints {
		if ep.NetworkID == networkID {
			return ep
		}
	}
	return nil
}

func (sb *Sandbox) display() string {
	if sb.Name != "" {
		return sb.Name
	}
	return sb.ContainerID[:min(12, len(sb.ContainerID))]
}

// names are how other containers on a user-defined network find this one.
func (sb *Sandbox) names(ep *Endpoint) []string {
	var names []string
	if sb.Name != "" {
		names = append(names, sb.Name)
	}
	names = append(names, sb.ContainerID[:min(12, len(sb.ContainerID))])
	return append(names, ep.Aliases...)
}

// writeFiles writes the sandbox's hosts, hostname and resolv.conf.
func (m *Manager) writeFiles(s *state, sb *Sandbox) error {
	if err := os.MkdirAll(sb.Dir, 0o755); err != nil {
		return fmt.Errorf("write the container's /etc files: %w", err)
	}
	var own, peers []hostEntry
	for _, ep := range sb.Endpoints {
		n, err := lookupNetwork(s, ep.NetworkID)
		if err != nil {
			continue
		}
		names := []string{sb.Hostname}
		if !n.Default {
			// Only user-defined networks resolve names, as with docker.
			names = append(names, sb.names(ep)...)
			for _, other := range s.Sandboxes {
				if oep := other.endpoint(n.ID); other != sb && other.live() && oep != nil {
					peers = append(peers, hostEntry{oep.Addr.Addr(), other.names(oep)})
				}
			}
		}
		own = append(own, hostEntry{ep.Addr.Addr(), dedupe(names)})
	}
	files := sb.Files()
	for i, content := range [][]byte{
		hostsContent(sb.ExtraHosts, own, peers),
		[]byte(sb.Hostname + "\n"),
		resolvContent(m.host.resolvConf(), sb.DNS, false),
	} {
		if err := writeInPlace(files[i].Source, content); err != nil {
			return fmt.Errorf("write the container's %s: %w", files[i].Destination, err)
		}
	}
	return nil
}

// refreshPeers rewrites /etc/hosts of the live containers that share a
// user-defined network with changed, which joined or left it.
func (m *Manager) refreshPeers(s *state, changed *Sandbox) {
	for _, sb := range s.Sandboxes {
		if sb == changed || !sb.live() {
			continue
		}
		for _, ep := range changed.Endpoints {
			if n, err := lookupNetwork(s, ep.NetworkID); err == nil && !n.Default && sb.endpoint(n.ID) != nil {
				m.writeFiles(s, sb) // best effort: a peer's file is its own business
				break
			}
		}
	}
}

// checkNames refuses a container name or alias that could not be a line
// of /etc/hosts ("" is no name).
func checkNames(names []string) error {
	for _, n := range names {
		if n != "" && !validName(n) {
			return fmt.Errorf("name or alias %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed: %w", n, ErrBadSpec)
		}
	}
	return nil
}

// dedupe drops repeated names, keeping the first of each.
func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// vethName is a new name for the host's end of a veth pair, as docker
// picks one: random, so that a container started again never waits for
// the kernel to delete the pair of its last run (see stop).
func vethName() string { return "veth" + newID()[:7] }

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
