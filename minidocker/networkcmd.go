package minidocker

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/minidocker/minidocker/engine"
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
  prune       Remove all unused networks
  rm          Remove one or more networks

Options:
%s`

// usageError is a network command used wrongly (a flag, the arguments):
// exit 125, where an error from the engine is 1, as docker's.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// networkCommand is `minidocker network`, docker's.
func networkCommand(args []string, stdin, stdout, stderr *os.File) int {
	var storage storageOptions
	fs := &flagSet{cmd: "network"}
	storage.rootFlag(fs)
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
	cmds := map[string]func(*engine.Engine, *network.Manager, []string, io.Reader, io.Writer) error{
		"create": networkCreate, "ls": networkLs, "inspect": networkInspect, "rm": networkRm,
		"connect": networkConnect, "disconnect": networkDisconnect, "prune": networkPrune,
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
	e, err := storage.open(stderr)
	if err != nil {
		return fail(stderr, err)
	}
	m, err := e.Networks()
	if err != nil {
		return fail(stderr, err)
	}
	w := bufio.NewWriter(stdout)
	err = cmd(e, m, rest, stdin, w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	var ue usageError
	if errors.As(err, &ue) {
		return fail(stderr, err)
	}
	if err != nil {
		return failed(stderr, err) // an error from the engine: docker's 1
	}
	return 0
}

func networkCreate(e *engine.Engine, _ *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	var driver, subnet, gateway string
	var opts, labels []string
	fs := &flagSet{cmd: "network create"}
	fs.String(&driver, "driver", "d", "string", "Driver to manage the Network (bridge)")
	fs.String(&gateway, "gateway", "", "string", "IPv4 Gateway for the master subnet")
	fs.List(&labels, "label", "", "list", "Set metadata on a network")
	fs.List(&opts, "opt", "o", "map", "Set driver specific options (com.docker.network.bridge.name=NAME)")
	fs.String(&subnet, "subnet", "", "string", "Subnet in CIDR format that represents a network segment")
	rest, err := fs.Parse(args)
	if err != nil && !errors.Is(err, errHelp) {
		return usageError{err}
	}
	if errors.Is(err, errHelp) {
		fmt.Fprintf(w, "Usage:  minidocker network create [OPTIONS] NETWORK\n\nCreate a network\n\nOptions:\n%s", fs.Usage())
		return nil
	}
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{errors.New(`"network create" requires exactly 1 argument: the network's name`)}
	}
	o := network.CreateOptions{Driver: driver, Options: map[string]string{}}
	for _, l := range labels {
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		k, v, _ := strings.Cut(l, "=")
		o.Labels[k] = v
	}
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
	n, err := e.CreateNetwork(rest[0], o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, n.ID)
	return nil
}

func networkLs(_ *engine.Engine, m *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	var quiet, noTrunc bool
	fs := &flagSet{cmd: "network ls"}
	fs.Bool(&noTrunc, "no-trunc", "", "Do not truncate the output")
	fs.Bool(&quiet, "quiet", "q", "Only display network IDs")
	if _, err := fs.Parse(args); err != nil {
		return usageError{err}
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

func networkInspect(_ *engine.Engine, m *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(`"network inspect" requires at least 1 argument: a network's name or ID`)}
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
		maps.Copy(in.Labels, n.Labels)
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

func networkRm(e *engine.Engine, _ *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	if len(args) == 0 {
		return usageError{errors.New(`"network rm" requires at least 1 argument: a network's name or ID`)}
	}
	var errs []error
	for _, ref := range args {
		if err := e.RemoveNetwork(ref); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(w, ref)
	}
	return errors.Join(errs...)
}

func networkConnect(e *engine.Engine, _ *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	var o engine.EndpointOptions
	var ip string
	fs := &flagSet{cmd: "network connect"}
	fs.List(&o.Aliases, "alias", "", "strings", "Add network-scoped alias for the container")
	fs.String(&ip, "ip", "", "string", "IPv4 address (e.g., 172.30.100.104)")
	rest, err := fs.Parse(args)
	if err != nil {
		return usageError{err}
	}
	if len(rest) != 2 {
		return usageError{errors.New(`"network connect" requires exactly 2 arguments: NETWORK CONTAINER`)}
	}
	if ip != "" {
		if o.IP, err = netip.ParseAddr(ip); err != nil || !o.IP.Is4() {
			return fmt.Errorf("--ip %s: not an IPv4 address", ip)
		}
	}
	c, err := e.Get(rest[1])
	if err != nil {
		return err
	}
	return e.Connect(c, rest[0], o)
}

func networkDisconnect(e *engine.Engine, _ *network.Manager, args []string, _ io.Reader, w io.Writer) error {
	var force bool
	fs := &flagSet{cmd: "network disconnect"}
	fs.Bool(&force, "force", "f", "Force the container to disconnect from a network")
	rest, err := fs.Parse(args)
	if err != nil {
		return usageError{err}
	}
	if len(rest) != 2 {
		return usageError{errors.New(`"network disconnect" requires exactly 2 arguments: NETWORK CONTAINER`)}
	}
	c, err := e.Get(rest[1])
	if err != nil {
		return err
	}
	return e.Disconnect(c, rest[0])
}

// networkPrune is docker network prune: the user-defined networks no
// container is on; and, minidocker having no daemon whose end would say
// so, the default bridge's device and rules, if no container is on it.
func networkPrune(e *engine.Engine, _ *network.Manager, args []string, stdin io.Reader, w io.Writer) error {
	var force bool
	fs := &flagSet{cmd: "network prune"}
	fs.Bool(&force, "force", "f", "Do not prompt for confirmation")
	if _, err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if !force {
		fmt.Fprint(w, "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")
		if f, ok := w.(interface{ Flush() error }); ok {
			f.Flush()
		}
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.TrimSpace(answer); a != "y" && a != "Y" {
			fmt.Fprintln(w)
			return nil
		}
	}
	removed, err := e.PruneNetworks()
	if len(removed) > 0 {
		fmt.Fprintln(w, "Deleted Networks:")
		for _, n := range removed {
			fmt.Fprintln(w, n)
		}
	}
	return err
}

// portCommand is `minidocker port CONTAINER [PRIVATE_PORT[/PROTO]]`:
// the ports a running container publishes.
func portCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("port", "CONTAINER [PRIVATE_PORT[/PROTO]]")
	rest, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	if len(rest) > 2 {
		return fail(stderr, errors.New(`"port" requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]]`))
	}
	var want *network.PortBinding
	if len(rest) == 2 {
		bs, err := network.ParseExpose(rest[1])
		if err != nil || len(bs) != 1 {
			return fail(stderr, fmt.Errorf("invalid port %q: want PORT[/tcp|/udp]", rest[1]))
		}
		want = &bs[0]
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	c, err := e.Get(rest[0])
	var sb *network.Sandbox
	if err == nil {
		sb, err = e.Sandbox(c)
	}
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1
	}
	var ports []network.PortBinding
	if sb != nil && c.Running() {
		ports = sb.Ports
	}
	found := false
	for _, p := range ports {
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
		fmt.Fprintf(stderr, "minidocker: No public port '%d/%s' published for %s\n", want.Port, want.Proto, rest[0])
		return 1
	}
	return 0
}
