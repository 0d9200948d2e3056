package minidocker

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"github.com/minidocker/minidocker/network"
)

// networkOptions are `run`'s network flags, docker's.
type networkOptions struct {
	network    string
	aliases    []string
	ip         string
	publish    []string
	publishAll bool
	expose     []string
	name       string
	addHosts   []string
	dns        []string
}

func (o *networkOptions) flags(fs *flagSet) {
	fs.List(&o.addHosts, "add-host", "", "list", "Add a custom host-to-IP mapping (host:ip)")
	fs.List(&o.dns, "dns", "", "list", "Set custom DNS servers")
	fs.List(&o.expose, "expose", "", "list", "Expose a port or a range of ports")
	fs.String(&o.ip, "ip", "", "string", "IPv4 address (e.g., 172.30.100.104), on a user-defined network")
	fs.String(&o.name, "name", "", "string", "Assign a name to the container")
	fs.String(&o.network, "network", "", "network", "Connect a container to a network: bridge (default), host, none or a network's name")
	fs.List(&o.aliases, "network-alias", "", "list", "Add network-scoped alias for the container")
	fs.List(&o.publish, "publish", "p", "list", "Publish a container's port(s) to the host ([hostIP:][hostPort:]containerPort[/proto])")
	fs.Bool(&o.publishAll, "publish-all", "P", "Publish all exposed ports to random ports")
}

// networkMode is what --network asks for, resolved.
type networkMode struct {
	mode string // none, host, or a bridge network's name ("bridge": the default)
	spec network.SandboxSpec
	cfg  network.Config
	root string
}

// resolve checks the flags and picks the mode: the default network is
// the bridge, except for a rootless container, or where the configuration
// turns the default bridge off ("bridge": "none"): then none.
func (o *networkOptions) resolve(root string, rootless bool, stderr io.Writer) (*networkMode, error) {
	cfg, err := network.LoadConfig(configFile())
	if err != nil {
		return nil, err
	}
	if cfg.Bridge == "" && root == builtinRoot {
		cfg.Bridge = "minidocker0" // docker0's counterpart, for the root of the machine's engine
	}
	nm := &networkMode{mode: o.network, cfg: cfg, root: root}
	if nm.mode == "" || nm.mode == "default" {
		nm.mode = "bridge"
		if rootless || cfg.Bridge == "none" {
			nm.mode = "none"
		}
	}
	var ports []network.PortBinding
	for _, p := range o.publish {
		bs, err := network.ParsePublish(p)
		if err != nil {
			return nil, err
		}
		ports = append(ports, bs...)
	}
	var exposed []network.PortBinding
	for _, e := range o.expose {
		bs, err := network.ParseExpose(e)
		if err != nil {
			return nil, err
		}
		exposed = append(exposed, bs...)
	}
	if o.publishAll {
		ports = network.PublishAll(exposed, ports)
	}
	for _, h := range o.addHosts {
		if err := network.ParseAddHost(h); err != nil {
			return nil, err
		}
	}
	var ip netip.Addr
	if o.ip != "" {
		if ip, err = netip.ParseAddr(o.ip); err != nil || !ip.Is4() {
			return nil, fmt.Errorf("--ip %s: not an IPv4 address", o.ip)
		}
	}
	if o.name != "" && !validContainerName(o.name) {
		return nil, fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", o.name)
	}
	switch {
	case strings.HasPrefix(nm.mode, "container:"):
		return nil, fmt.Errorf("--network %s: sharing another container's network is not supported", nm.mode)
	case nm.mode == "none" || nm.mode == "host":
		if len(ports) > 0 && nm.mode == "none" {
			return nil, errors.New("conflicting options: port publishing and the container type network mode")
		}
		if len(ports) > 0 {
			fmt.Fprintln(stderr, "minidocker: WARNING: Published ports are discarded when using host network mode")
		}
		if ip.IsValid() || len(o.aliases) > 0 {
			return nil, fmt.Errorf("--ip and --network-alias need a bridge network, not --network %s", nm.mode)
		}
	case rootless:
		return nil, fmt.Errorf("--network %s needs root: a rootless container has --network none or host (docker's rootless mode adds slirp4netns, which minidocker has not)", nm.mode)
	}
	nm.spec = network.SandboxSpec{
		Name: o.name, Network: nm.mode, Aliases: o.aliases, IP: ip, Publish: ports,
		ExtraHosts: o.addHosts, DNS: o.dns, Ephemeral: true,
	}
	return nm, nil
}

func validContainerName(s string) bool {
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '.' || c == '-')
		if !ok {
			return false
		}
	}
	return s != ""
}

// configFile is the engine's daemon.json: MINIDOCKER_CONFIG, or
// /etc/minidocker/daemon.json.
func configFile() string {
	if f := os.Getenv("MINIDOCKER_CONFIG"); f != "" {
		return f
	}
	return network.ConfigFile
}
