package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/minidocker/minidocker/network"
)

// NetworkOptions are docker's network flags of create and run.
type NetworkOptions struct {
	// Mode is --network: bridge, none, host or a network's name or ID; ""
	// is the default bridge (none for a rootless container, or when the
	// configuration turns the default bridge off).
	Mode       string
	Publish    []network.PortBinding // -p
	Expose     []network.PortBinding // --expose, beside the image's EXPOSE
	PublishAll bool                  // -P
	Aliases    []string              // --network-alias
	IP         netip.Addr            // --ip
	ExtraHosts []string              // --add-host NAME:IP
	DNS        []string              // --dns
}

// WithNetworkConfig gives the network layer the engine's network settings
// (daemon.json's bridge, bip, default-address-pools, ip-forward).
func WithNetworkConfig(cfg network.Config) Option { return func(e *Engine) { e.netCfg = cfg } }

// netConfigEnv carries the network settings to a monitor: it needs them
// if it has to bring a network back onto the host.
const netConfigEnv = "MINIDOCKER_NETWORK_CONFIG"

// Networks is the network layer of the engine's root, opened on first
// use; opening it cleans up what the owners of dead containers left.
func (e *Engine) Networks() (*network.Manager, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.nets != nil {
		return e.nets, nil
	}
	m, err := network.Open(e.Root, e.netCfg)
	if err != nil {
		return nil, err
	}
	e.nets = m
	return m, nil
}

// sandboxed reports whether the container's networking is the network
// layer's business: a bridge network, the default or a user-defined one.
// ("": a container stored before minidocker had networks, which had none.)
func (c *Config) sandboxed() bool {
	return c.NetworkMode != "" && c.NetworkMode != "none" && c.NetworkMode != "host"
}

// netConfig checks the network options as docker does and records them
// in the container's config.
func (e *Engine) netConfig(cfg *Config, o *NetworkOptions, img ImageConfig, rootless bool) error {
	cfg.NetworkMode = o.Mode
	if cfg.NetworkMode == "" || cfg.NetworkMode == "default" {
		cfg.NetworkMode = "bridge"
		if rootless || e.netCfg.Bridge == "none" {
			cfg.NetworkMode = "none"
		}
	}
	for p := range img.ExposedPorts {
		bs, err := network.ParseExpose(p)
		if err != nil {
			return fmt.Errorf("the image's EXPOSE %s: %w", p, err)
		}
		cfg.ExposedPorts = append(cfg.ExposedPorts, bs...)
	}
	cfg.ExposedPorts = append(cfg.ExposedPorts, o.Expose...)
	sort.Slice(cfg.ExposedPorts, func(i, j int) bool {
		a, b := cfg.ExposedPorts[i], cfg.ExposedPorts[j]
		return a.Port < b.Port || a.Port == b.Port && a.Proto < b.Proto
	})
	cfg.PortBindings, cfg.PublishAllPorts = o.Publish, o.PublishAll
	cfg.Aliases, cfg.ExtraHosts, cfg.DNS = o.Aliases, o.ExtraHosts, o.DNS
	if o.IP.IsValid() {
		cfg.IPAddress = o.IP.String()
	}
	for _, h := range o.ExtraHosts {
		if err := network.ParseAddHost(h); err != nil {
			return err
		}
	}
	for _, d := range o.DNS {
		if _, err := netip.ParseAddr(d); err != nil {
			return invalidf("--dns %s: not an IP address", d)
		}
	}
	switch {
	case strings.HasPrefix(cfg.NetworkMode, "container:"):
		return invalidf("--network %s: sharing another container's network is not supported", cfg.NetworkMode)
	case !cfg.sandboxed():
		if len(o.Publish) > 0 && cfg.NetworkMode == "none" {
			return invalidf("conflicting options: port publishing and the container type network mode")
		}
		if o.IP.IsValid() || len(o.Aliases) > 0 {
			return invalidf("--ip and --network-alias need a bridge network, not --network %s", cfg.NetworkMode)
		}
	case rootless:
		return invalidf("--network %s needs root: a rootless container has --network none or host (docker's rootless mode adds slirp4netns, which minidocker has not)", cfg.NetworkMode)
	}
	return nil
}

// netSpec is what the network layer is told of the container.
func netSpec(c *Container) network.SandboxSpec {
	publish := c.PortBindings
	if c.PublishAllPorts {
		publish = network.PublishAll(c.ExposedPorts, publish)
	}
	ip, _ := netip.ParseAddr(c.IPAddress)
	return network.SandboxSpec{
		ContainerID: c.ID, Name: c.Name, Hostname: c.Hostname, Network: c.NetworkMode,
		Aliases: c.Aliases, IP: ip, Publish: publish, ExtraHosts: c.ExtraHosts, DNS: c.DNS, Dir: c.Dir,
	}
}

// sandbox is the container's place in the network layer, made if it has
// none yet (created by a process that died before it made it).
func (e *Engine) sandbox(c *Container) (*network.Manager, *network.Sandbox, error) {
	m, err := e.Networks()
	if err != nil {
		return nil, nil, err
	}
	sb, err := m.Prepare(netSpec(c))
	if err != nil {
		return nil, nil, err
	}
	return m, sb, nil
}

// Sandbox is the container's network state: its endpoints, addresses and
// published ports (nil, no error, for --network none and host).
func (e *Engine) Sandbox(c *Container) (*network.Sandbox, error) {
	if !c.sandboxed() {
		return nil, nil
	}
	m, err := e.Networks()
	if err != nil {
		return nil, err
	}
	sb, err := m.Sandbox(c.ID)
	if errors.Is(err, network.ErrNoContainer) {
		return nil, nil
	}
	return sb, err
}

// EndpointOptions are docker network connect's flags.
type EndpointOptions struct {
	Aliases []string
	IP      netip.Addr
}

// Connect puts the container on one more network, running or not, as
// docker network connect.
func (e *Engine) Connect(c *Container, netRef string, o EndpointOptions) error {
	if !c.sandboxed() {
		if c.NetworkMode == "host" {
			return invalidf("container cannot be disconnected from host network or connected to host network")
		}
		return invalidf("container cannot be connected to multiple networks with one of the networks in private (none) mode")
	}
	m, _, err := e.sandbox(c)
	if err != nil {
		return err
	}
	if err := m.Connect(netRef, c.ID, o.Aliases, o.IP); err != nil {
		return err
	}
	e.networkEvent(m, netRef, "connect", c.ID)
	return nil
}

// Disconnect takes the container off a network, as docker network
// disconnect.
func (e *Engine) Disconnect(c *Container, netRef string) error {
	if !c.sandboxed() {
		if c.NetworkMode == "host" {
			return invalidf("container cannot be disconnected from host network or connected to host network")
		}
		return invalidf("container %s is not connected to network %s", c.ID[:12], netRef)
	}
	m, _, err := e.sandbox(c)
	if err != nil {
		return err
	}
	n, _ := m.Network(netRef) // before: it may be gone after
	if err := m.Disconnect(netRef, c.ID); err != nil {
		return err
	}
	if n != nil {
		e.recordNetwork(n, "disconnect", c.ID)
	}
	return nil
}

// CreateNetwork makes a user-defined network, as docker network create.
func (e *Engine) CreateNetwork(name string, o network.CreateOptions) (*network.Network, error) {
	m, err := e.Networks()
	if err != nil {
		return nil, err
	}
	n, err := m.Create(name, o)
	if err != nil {
		return nil, err
	}
	e.recordNetwork(n, "create", "")
	return n, nil
}

// RemoveNetwork takes a user-defined network off the host, as docker
// network rm.
func (e *Engine) RemoveNetwork(ref string) error {
	m, err := e.Networks()
	if err != nil {
		return err
	}
	n, err := m.Network(ref)
	if err != nil {
		return err
	}
	if err := m.RemoveNetwork(n.ID); err != nil {
		return err
	}
	e.recordNetwork(n, "destroy", "")
	return nil
}

// PruneNetworks removes the networks no container is on, as docker
// network prune (see network.Manager.Prune), and returns their names.
func (e *Engine) PruneNetworks() ([]string, error) {
	m, err := e.Networks()
	if err != nil {
		return nil, err
	}
	before, err := m.Networks()
	if err != nil {
		return nil, err
	}
	removed, err := m.Prune()
	for _, n := range before {
		if slices.Contains(removed, n.Name) {
			e.recordNetwork(n, "destroy", "")
		}
	}
	return removed, err
}

// networkEvent records an event about the network ref names.
func (e *Engine) networkEvent(m *network.Manager, ref, action, container string) {
	if n, err := m.Network(ref); err == nil {
		e.recordNetwork(n, action, container)
	}
}

// recordNetwork records a network's event as dockerd words it: the
// network's ID, its name and driver, and the container it is about.
func (e *Engine) recordNetwork(n *network.Network, action, container string) {
	a := map[string]string{"name": n.Name, "type": n.Driver}
	if container != "" {
		a["container"] = container
	}
	e.record(Event{Time: time.Now().UTC(), Type: "network", Action: action, ID: n.ID, Attributes: a})
}

// releaseNetwork gives back what the network layer holds for a container
// that is being removed.
func (e *Engine) releaseNetwork(c *Container) error {
	if !c.sandboxed() {
		return nil
	}
	m, err := e.Networks()
	if err != nil {
		return err
	}
	if err := m.Release(c.ID); err != nil && !errors.Is(err, network.ErrNoContainer) {
		return err
	}
	return nil
}

// netConfigFromEnv is the monitor's side of netConfigEnv.
func netConfigFromEnv() network.Config {
	var cfg network.Config
	if v := os.Getenv(netConfigEnv); v != "" {
		json.Unmarshal([]byte(v), &cfg)
	}
	return cfg
}
