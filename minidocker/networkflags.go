package minidocker

import (
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

// networkOptions are `run`'s and `create`'s network flags, docker's.
type networkOptions struct {
	network    string
	aliases    []string
	ip         string
	publish    []string
	publishAll bool
	expose     []string
	addHosts   []string
	dns        []string
}

func (o *networkOptions) flags(fs *flagSet) {
	fs.List(&o.addHosts, "add-host", "", "list", "Add a custom host-to-IP mapping (host:ip)")
	fs.List(&o.dns, "dns", "", "list", "Set custom DNS servers")
	fs.List(&o.expose, "expose", "", "list", "Expose a port or a range of ports")
	fs.String(&o.ip, "ip", "", "string", "IPv4 address (e.g., 172.30.100.104), on a user-defined network")
	fs.String(&o.network, "network", "", "network", "Connect a container to a network: bridge (default), host, none or a network's name")
	fs.List(&o.aliases, "network-alias", "", "list", "Add network-scoped alias for the container")
	fs.List(&o.publish, "publish", "p", "list", "Publish a container's port(s) to the host ([hostIP:][hostPort:]containerPort[/proto])")
	fs.Bool(&o.publishAll, "publish-all", "P", "Publish all exposed ports to random ports")
}

// options parses the flags' values into the engine's; the engine checks
// how they go together.
func (o *networkOptions) options(stderr io.Writer) (engine.NetworkOptions, error) {
	no := engine.NetworkOptions{Mode: o.network, PublishAll: o.publishAll, Aliases: o.aliases, ExtraHosts: o.addHosts, DNS: o.dns}
	for _, p := range o.publish {
		bs, err := network.ParsePublish(p)
		if err != nil {
			return no, err
		}
		no.Publish = append(no.Publish, bs...)
	}
	for _, e := range o.expose {
		bs, err := network.ParseExpose(e)
		if err != nil {
			return no, err
		}
		no.Expose = append(no.Expose, bs...)
	}
	for _, h := range o.addHosts {
		if err := network.ParseAddHost(h); err != nil {
			return no, err
		}
	}
	if o.ip != "" {
		ip, err := netip.ParseAddr(o.ip)
		if err != nil || !ip.Is4() {
			return no, fmt.Errorf("--ip %s: not an IPv4 address", o.ip)
		}
		no.IP = ip
	}
	if o.network == "host" && (len(o.publish) > 0 || o.publishAll) {
		fmt.Fprintln(stderr, "minidocker: WARNING: Published ports are discarded when using host network mode")
		no.Publish, no.PublishAll = nil, false
	}
	return no, nil
}

// networkConfig is the engine's network settings for root: daemon.json's,
// with docker0's counterpart, minidocker0, as the default bridge of the
// machine's own root (another root gets a bridge named after its network).
func networkConfig(root string) (network.Config, error) {
	cfg, err := network.LoadConfig(configFile())
	if err != nil {
		return cfg, err
	}
	if cfg.Bridge == "" && root == builtinRoot {
		cfg.Bridge = "minidocker0"
	}
	return cfg, nil
}

// configFile is the engine's daemon.json: MINIDOCKER_CONFIG, or
// /etc/minidocker/daemon.json.
func configFile() string {
	if f := os.Getenv("MINIDOCKER_CONFIG"); f != "" {
		return f
	}
	return network.ConfigFile
}
