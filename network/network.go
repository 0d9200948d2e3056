// Package network is the engine's network part, libnetwork made small:
// networks (the default bridge, user-defined bridges), each container's
// place in them (a sandbox: its network namespace's interfaces, addresses,
// /etc/hosts, published ports), and everything that puts on the host: a
// bridge per network, a veth pair per container, an nftables table per
// network, net.ipv4.ip_forward. All of it is taken off the host again
// when the container and the network go, and when the process that held
// a container died without doing it, the next Open does it.
//
// A network is on the host from its creation (the default one from its
// first container) until it is removed (Prune for the default one), as
// docker keeps docker0 and its rules: a container adds only its veth pair,
// and rules only for the ports it publishes. The engine calls a
// container's life into a Manager: Prepare at create, Start once its init
// exists, Stop when it exits, Release when it is removed. The state is a
// file under the engine's root (network/state.json), each network's
// addresses another (network/ipam/ID.json, package ipam), both locked.
package network

import (
	"fmt"
	"net/netip"
	"time"
)

// Network is a network as `docker network inspect` shows it.
type Network struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Driver  string            `json:"driver"` // bridge, host or null
	Bridge  string            `json:"bridge,omitempty"`
	Subnet  netip.Prefix      `json:"subnet,omitzero"`  // zero until the default network first comes up
	Gateway netip.Addr        `json:"gateway,omitzero"` // the bridge's own address
	Options map[string]string `json:"options,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"` // docker network create --label
	// Default is the predefined "bridge" network: made on the host when a
	// container first needs it, and kept there until Prune.
	Default bool      `json:"default,omitempty"`
	Created time.Time `json:"created"`
}

// Predefined reports whether the network is one of bridge, host, none.
func (n *Network) Predefined() bool { return n.Default || n.Driver != "bridge" }

// BridgeNameOption is docker's option naming a user network's bridge.
const BridgeNameOption = "com.docker.network.bridge.name"

// Sandbox is a container's network state: libnetwork's sandbox, its
// endpoints (one per network, eth0, eth1, ...) and published ports.
type Sandbox struct {
	ContainerID string   `json:"id"`
	Name        string   `json:"name,omitempty"`
	Hostname    string   `json:"hostname"`
	Dir         string   `json:"dir"` // its hosts, hostname and resolv.conf
	State       string   `json:"state"`
	Owner       Process  `json:"owner,omitzero"` // who started it: the engine's monitor, or an attached run
	Init        Process  `json:"init,omitzero"`  // the container's first process, while it runs
	ExtraHosts  []string `json:"extraHosts,omitempty"`
	DNS         []string `json:"dns,omitempty"`
	Endpoints   []*Endpoint
	Publish     []PortBinding `json:"publish,omitempty"` // as asked (host port 0: pick one)
	Ports       []PortBinding `json:"ports,omitempty"`   // as bound, while created or running
}

// Sandbox states.
const (
	Created = "created" // addresses held, never started: no interfaces, no ports
	Running = "running" // interfaces in the container's namespace, ports published
	Stopped = "stopped" // addresses held, interfaces and ports gone
)

// live reports whether the sandbox holds its ports and is seen by name.
func (s *Sandbox) live() bool { return s.State == Running }

// Files are the files to bind-mount into the container.
func (s *Sandbox) Files() []File { return etcFiles(s.Dir) }

// Endpoint is a container's interface on one network.
type Endpoint struct {
	NetworkID   string       `json:"networkID"`
	NetworkName string       `json:"networkName"`
	IfName      string       `json:"ifname"`             // in the container: eth0, eth1, ...
	HostVeth    string       `json:"hostVeth,omitempty"` // the host's end, a port of the bridge, while it runs
	Addr        netip.Prefix `json:"addr"`
	Gateway     netip.Addr   `json:"gateway"`
	MAC         string       `json:"mac"`
	Aliases     []string     `json:"aliases,omitempty"`
}

// SandboxSpec is what the engine knows of a container when it creates it.
type SandboxSpec struct {
	ContainerID string
	Name        string // resolvable by the other containers of its user-defined networks
	Hostname    string
	Network     string   // "" or "bridge" for the default network, or a network's name or ID
	Aliases     []string // --network-alias
	IP          netip.Addr
	Publish     []PortBinding // -p, and -P's exposed ports with host port 0
	ExtraHosts  []string      // --add-host NAME:IP
	DNS         []string      // --dns
	Dir         string        // where its hosts, hostname and resolv.conf go
}

// Removed is a device CleanHost removed.
type Removed struct {
	Kind, Name, Alias string
	// Default is the default network's bridge, which stays on the host
	// between containers (see Prune): no leak.
	Default bool
}

func (r Removed) String() string { return fmt.Sprintf("%s %s (%s)", r.Kind, r.Name, r.Alias) }
