package minidocker

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/minidocker/minidocker/network"
)

const networkUsage = `Usage:  minidocker network COMMAND

Manage networks

Commands:
  connect     Connect a container to a network
  create      Create a network
  disconnect  Disconnect a container from a network
  inspect     Display detailed information on one or more networks
  ls          List networks
  rm          Remove one or more networks

Options:
%s`

// networkCommand is `minidocker network`, docker's.
func networkCommand(args []string, stdout, stderr *os.File) int {
	var root string
	fs := &flagSet{cmd: "network"}
	fs.String(&root, "root", "", "DIR", "State directory (default /var/lib/minidocker)")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) || err == nil && len(rest) == 0 {
		fmt.Fprintf(stdout, networkUsage, fs.Usage())
		if err == nil {
			return ExitEngine
		}
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker network --help')", err))
	}
	sub, rest := rest[0], rest[1:]
	cmds := map[string]func(*network.Manager, []string, io.Writer) error{
		"create": networkCreate, "ls": networkLs, "inspect": networkInspect, "rm": networkRm,
		"connect": networkConnect, "disconnect": networkDisconnect,
	}
	if sub == "list" {
		sub = "ls"
	}
	if sub == "remove" {
		sub = "rm"
	}
	cmd, ok := cmds[sub]
	if !ok {
		return fail(stderr, fmt.Errorf("%q is not a network command (see 'minidocker network --help')", sub))
	}
	m, err := openNetworks(root)
	if err != nil {
		return fail(stderr, err)
	}
	w := bufio.NewWriter(stdout)
	err = cmd(m, rest, w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

// openNetworks opens the network layer of root (the default if empty).
func openNetworks(root string) (*network.Manager, error) {
	if root == "" {
		root = defaultRoot()
	}
	cfg, err := network.LoadConfig(configFile())
	if err != nil {
		return nil, err
	}
	if cfg.Bridge == "" && root == builtinRoot {
		cfg.Bridge = "minidocker0"
	}
	return network.Open(root, cfg)
}

func networkCreate(m *network.Manager, args []string, w io.Writer) error {
	var driver, subnet, gateway string
	var opts []string
	fs := &flagSet{cmd: "network create"}
	fs.String(&driver, "driver", "d", "string", "Driver to manage the Network (bridge)")
	fs.String(&gateway, "gateway", "", "string", "IPv4 Gateway for the master subnet")
	fs.List(&opts, "opt", "o", "map", "Set driver specific options (com.docker.network.bridge.name=NAME)")
	fs.String(&subnet, "subnet", "", "string", "Subnet in CIDR format that represents a network segment")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(w, "Usage:  minidocker network create [OPTIONS] NETWORK\n\nCreate a network\n\nOptions:\n%s", fs.Usage())
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New(`"network create" requires exactly 1 argument: the network's name`)
	}
	o := network.CreateOptions{Driver: driver, Options: map[string]string{}}
	if subnet != "" {
		if o.Subnet, err = netip.ParsePrefix(subnet); err != nil {
			return fmt.Errorf("invalid subnet %s: want CIDR notation, such as 172.30.0.0/16", subnet)
		}
	}
	if gateway != "" {
		if o.Gateway, err = netip.ParseAddr(gateway); err != nil {
			return fmt.Errorf("invalid gateway %s: want an IPv4 address", gateway)
		}
	}
	for _, kv := range opts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("invalid option %q: want KEY=VALUE", kv)
		}
		o.Options[k] = v
	}
	n, err := m.Create(rest[0], o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, n.ID)
	return nil
}

func networkLs(m *network.Manager, args []string, w io.Writer) error {
	var quiet, noTrunc bool
	fs := &flagSet{cmd: "network ls"}
	fs.Bool(&noTrunc, "no-trunc", "", "Do not truncate the output")
	fs.Bool(&quiet, "quiet", "q", "Only display network IDs")
	if _, err := fs.Parse(args); err != nil {
		return err
	}
	nets, err := m.Networks()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	if !quiet {
		fmt.Fprintln(tw, "NETWORK ID\tNAME\tDRIVER\tSCOPE")
	}
	for _, n := range nets {
		id := n.ID
		if !noTrunc {
			id = id[:12]
		}
		if quiet {
			fmt.Fprintln(tw, id)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\tlocal\n", id, n.Name, n.Driver)
	}
	return tw.Flush()
}

// inspected is `docker network inspect`'s JSON, the fields minidocker has.
type inspected struct {
	Name       string                        `json:"Name"`
	ID         string                        `json:"Id"`
	Created    time.Time                     `json:"Created"`
	Scope      string                        `json:"Scope"`
	Driver     string                        `json:"Driver"`
	EnableIPv6 bool                          `json:"EnableIPv6"`
	IPAM       inspectedIPAM                 `json:"IPAM"`
	Internal   bool                          `json:"Internal"`
	Containers map[string]inspectedContainer `json:"Containers"`
	Options    map[string]string             `json:"Options"`
	Labels     map[string]string             `json:"Labels"`
}

type inspectedIPAM struct {
	Driver string              `json:"Driver"`
	Config []map[string]string `json:"Config"`
}

type inspectedContainer struct {
	Name        string `json:"Name"`
	MacAddress  string `json:"MacAddress"`
	IPv4Address string `json:"IPv4Address"`
	IPv6Address string `json:"IPv6Address"`
}

func networkInspect(m *network.Manager, args []string, w io.Writer) error {
	if len(args) == 0 {
		return errors.New(`"network inspect" requires at least 1 argument: a network's name or ID`)
	}
	sbs, err := m.Sandboxes()
	if err != nil {
		return err
	}
	var out []inspected
	for _, ref := range args {
		n, err := m.Network(ref)
		if err != nil {
			return err
		}
		in := inspected{Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
			IPAM:       inspectedIPAM{Driver: "default", Config: []map[string]string{}},
			Containers: map[string]inspectedContainer{}, Options: map[string]string{}, Labels: map[string]string{}}
		if n.Subnet.IsValid() {
			in.IPAM.Config = append(in.IPAM.Config, map[string]string{"Subnet": n.Subnet.String(), "Gateway": n.Gateway.String()})
		}
		if n.Driver == "bridge" {
			in.Options[network.BridgeNameOption] = n.Bridge
		}
		for _, sb := range sbs {
			for _, ep := range sb.Endpoints {
				if ep.NetworkID == n.ID {
					in.Containers[sb.ContainerID] = inspectedContainer{Name: sb.Name, MacAddress: ep.MAC, IPv4Address: ep.Addr.String()}
				}
			}
		}
		out = append(out, in)
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func networkRm(m *network.Manager, args []string, w io.Writer) error {
	if len(args) == 0 {
		return errors.New(`"network rm" requires at least 1 argument: a network's name or ID`)
	}
	var errs []error
	for _, ref := range args {
		if err := m.RemoveNetwork(ref); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(w, ref)
	}
	return errors.Join(errs...)
}

func networkConnect(m *network.Manager, args []string, w io.Writer) error {
	var aliases []string
	var ip string
	fs := &flagSet{cmd: "network connect"}
	fs.List(&aliases, "alias", "", "strings", "Add network-scoped alias for the container")
	fs.String(&ip, "ip", "", "string", "IPv4 address (e.g., 172.30.100.104)")
	rest, err := fs.Parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return errors.New(`"network connect" requires exactly 2 arguments: NETWORK CONTAINER`)
	}
	var addr netip.Addr
	if ip != "" {
		if addr, err = netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("--ip %s: not an IPv4 address", ip)
		}
	}
	return noSuchContainer(m.Connect(rest[0], rest[1], aliases, addr), rest[1])
}

func networkDisconnect(m *network.Manager, args []string, w io.Writer) error {
	if len(args) != 2 {
		return errors.New(`"network disconnect" requires exactly 2 arguments: NETWORK CONTAINER`)
	}
	return noSuchContainer(m.Disconnect(args[0], args[1]), args[1])
}

// noSuchContainer says it as docker does. The network layer knows the
// containers that run (or, with the engine, exist) on a bridge network.
func noSuchContainer(err error, ref string) error {
	if errors.Is(err, network.ErrNoContainer) {
		return fmt.Errorf("No such container: %s (minidocker knows the containers that run on a bridge network)", ref)
	}
	return err
}

// portCommand is `minidocker port CONTAINER [PRIVATE_PORT[/PROTO]]`.
func portCommand(args []string, stdout, stderr *os.File) int {
	var root string
	fs := &flagSet{cmd: "port"}
	fs.String(&root, "root", "", "DIR", "State directory (default /var/lib/minidocker)")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, "Usage:  minidocker port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nList port mappings or a specific mapping for the container\n\nOptions:\n%s", fs.Usage())
		return 0
	}
	if err == nil && (len(rest) < 1 || len(rest) > 2) {
		err = errors.New(`"port" requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]]`)
	}
	if err != nil {
		return fail(stderr, err)
	}
	m, err := openNetworks(root)
	if err != nil {
		return fail(stderr, err)
	}
	sb, err := m.Sandbox(rest[0])
	if err != nil {
		return fail(stderr, noSuchContainer(err, rest[0]))
	}
	var want *network.PortBinding
	if len(rest) == 2 {
		bs, err := network.ParseExpose(rest[1])
		if err != nil || len(bs) != 1 {
			return fail(stderr, fmt.Errorf("invalid port %q: want PORT[/tcp|/udp]", rest[1]))
		}
		want = &bs[0]
	}
	found := false
	for _, p := range sb.Ports {
		if want == nil || p.Port == want.Port && p.Proto == want.Proto {
			found = true
			if want != nil { // docker prints the host side only
				s := p.String()
				fmt.Fprintln(stdout, s[strings.Index(s, "-> ")+3:])
				continue
			}
			fmt.Fprintln(stdout, p)
		}
	}
	if want != nil && !found {
		return fail(stderr, fmt.Errorf("No public port '%d/%s' published for %s", want.Port, want.Proto, rest[0]))
	}
	return 0
}
