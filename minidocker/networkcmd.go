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

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/daemon"
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

// errHelpShown: a subcommand asked for --help printed its usage.
var errHelpShown = errors.New("help shown")

// parseFlags parses a network subcommand's flags; for --help it prints
// the subcommand's usage to w.
func parseFlags(fs *flagSet, args []string, w io.Writer) ([]string, error) {
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(w, "Usage:  minidocker %s [OPTIONS]\n\nOptions:\n%s", fs.cmd, fs.Usage())
		return nil, errHelpShown
	}
	if err != nil {
		return nil, usageError{err}
	}
	return rest, nil
}

// networkCommand is `minidocker network`, docker's, on the engine in
// this process.
func networkCommand(args []string, stdin, stdout, stderr *os.File) int {
	return runNetwork(args, stdin, stdout, stderr, func(storage storageOptions) (networkBackend, error) {
		e, err := storage.open(stderr)
		if err != nil {
			return nil, err
		}
		m, err := e.Networks()
		if err != nil {
			return nil, err
		}
		return localNetworks{e, m}, nil
	})
}

// runNetwork parses a network command and runs it on the backend open
// returns: the engine in this process, or a daemon (remote.go).
func runNetwork(args []string, stdin io.Reader, stdout, stderr io.Writer, open func(storageOptions) (networkBackend, error)) int {
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
	cmds := map[string]func(func() (networkBackend, error), []string, io.Reader, io.Writer) error{
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
	// Opened by the subcommand once its flags have parsed: a mistyped
	// flag makes no root.
	get := func() (networkBackend, error) {
		nets, err := open(storage)
		if err != nil {
			return nil, engineOpenError{err}
		}
		return nets, nil
	}
	w := bufio.NewWriter(stdout)
	err = cmd(get, rest, stdin, w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	var ue usageError
	var ae *api.Error
	var oe engineOpenError
	switch {
	case errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &oe):
		return fail(stderr, oe.err)
	case errors.As(err, &ue):
		return fail(stderr, err)
	case errors.As(err, &ae):
		return daemonError(stderr, err)
	case err != nil:
		return failed(stderr, err) // an error from the engine: docker's 1
	}
	return 0
}

// networkBackend is what the network commands work on: the engine's
// network layer in this process, or a daemon's through the API. Both
// answer in the API's shapes.
type networkBackend interface {
	create(name string, o network.CreateOptions) (id string, err error)
	list() ([]api.Network, error)
	inspect(ref string) (api.Network, error)
	remove(ref string) error
	connect(netRef, container string, o engine.EndpointOptions) error
	disconnect(netRef, container string, force bool) error
	prune() ([]string, error)
}

// engineOpenError is the backend failing to open: the engine's error
// (125), not the command's.
type engineOpenError struct{ err error }

func (e engineOpenError) Error() string { return e.err.Error() }

// localNetworks is the engine in this process.
type localNetworks struct {
	e *engine.Engine
	m *network.Manager
}

func (l localNetworks) create(name string, o network.CreateOptions) (string, error) {
	n, err := l.e.CreateNetwork(name, o)
	if err != nil {
		return "", err
	}
	return n.ID, nil
}

func (l localNetworks) list() ([]api.Network, error) {
	nets, err := l.m.Networks()
	var out []api.Network
	for _, n := range nets {
		out = append(out, daemon.NetworkResource(n, nil))
	}
	return out, err
}

func (l localNetworks) inspect(ref string) (api.Network, error) {
	n, err := l.m.Network(ref)
	if err != nil {
		return api.Network{}, err
	}
	sbs, err := l.m.Sandboxes()
	return daemon.NetworkResource(n, sbs), err
}

func (l localNetworks) remove(ref string) error { return l.e.RemoveNetwork(ref) }

func (l localNetworks) connect(netRef, container string, o engine.EndpointOptions) error {
	c, err := l.e.Get(container)
	if err != nil {
		return err
	}
	return l.e.Connect(c, netRef, o)
}

func (l localNetworks) disconnect(netRef, container string, _ bool) error {
	c, err := l.e.Get(container)
	if err != nil {
		return err
	}
	return l.e.Disconnect(c, netRef)
}

func (l localNetworks) prune() ([]string, error) { return l.e.PruneNetworks() }

func networkCreate(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
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
	nets, err := open()
	if err != nil {
		return err
	}
	id, err := nets.create(rest[0], o)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, id)
	return nil
}

func networkLs(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
	var quiet, noTrunc bool
	fs := &flagSet{cmd: "network ls"}
	fs.Bool(&noTrunc, "no-trunc", "", "Do not truncate the output")
	fs.Bool(&quiet, "quiet", "q", "Only display network IDs")
	if _, err := parseFlags(fs, args, w); err != nil {
		return err
	}
	nb, err := open()
	if err != nil {
		return err
	}
	nets, err := nb.list()
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", id, n.Name, n.Driver, n.Scope)
	}
	return tw.Flush()
}

func networkInspect(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
	args, err := parseFlags(&flagSet{cmd: "network inspect"}, args, w)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{errors.New(`"network inspect" requires at least 1 argument: a network's name or ID`)}
	}
	nets, err := open()
	if err != nil {
		return err
	}
	out := []api.Network{}
	for _, ref := range args {
		n, err := nets.inspect(ref)
		if err != nil {
			return err
		}
		out = append(out, n)
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func networkRm(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
	args, err := parseFlags(&flagSet{cmd: "network rm"}, args, w)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{errors.New(`"network rm" requires at least 1 argument: a network's name or ID`)}
	}
	nets, err := open()
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range args {
		if err := nets.remove(ref); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintln(w, ref)
	}
	return errors.Join(errs...)
}

func networkConnect(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
	var o engine.EndpointOptions
	var ip string
	fs := &flagSet{cmd: "network connect"}
	fs.List(&o.Aliases, "alias", "", "strings", "Add network-scoped alias for the container")
	fs.String(&ip, "ip", "", "string", "IPv4 address (e.g., 172.30.100.104)")
	rest, err := parseFlags(fs, args, w)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return usageError{errors.New(`"network connect" requires exactly 2 arguments: NETWORK CONTAINER`)}
	}
	if ip != "" {
		if o.IP, err = netip.ParseAddr(ip); err != nil || !o.IP.Is4() {
			return fmt.Errorf("--ip %s: not an IPv4 address", ip)
		}
	}
	nets, err := open()
	if err != nil {
		return err
	}
	return nets.connect(rest[0], rest[1], o)
}

func networkDisconnect(open func() (networkBackend, error), args []string, _ io.Reader, w io.Writer) error {
	var force bool
	fs := &flagSet{cmd: "network disconnect"}
	fs.Bool(&force, "force", "f", "Force the container to disconnect from a network")
	rest, err := parseFlags(fs, args, w)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return usageError{errors.New(`"network disconnect" requires exactly 2 arguments: NETWORK CONTAINER`)}
	}
	nets, err := open()
	if err != nil {
		return err
	}
	return nets.disconnect(rest[0], rest[1], force)
}

// networkPrune is docker network prune: the user-defined networks no
// container is on; and, minidocker having no daemon whose end would say
// so, the default bridge's device and rules, if no container is on it.
func networkPrune(open func() (networkBackend, error), args []string, stdin io.Reader, w io.Writer) error {
	var force bool
	fs := &flagSet{cmd: "network prune"}
	fs.Bool(&force, "force", "f", "Do not prompt for confirmation")
	if _, err := parseFlags(fs, args, w); err != nil {
		return err
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
	nets, err := open()
	if err != nil {
		return err
	}
	removed, err := nets.prune()
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
	cmd, ref, want, code, done := parsePort(args, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	c, err := e.Get(ref)
	var sb *network.Sandbox
	if err == nil {
		sb, err = e.Sandbox(c)
	}
	var bound []network.PortBinding
	if sb != nil && c.Running() {
		bound = sb.Ports
	}
	return printPorts(stdout, stderr, ref, want, bound, err)
}

// parsePort reads port's arguments: the container, and the port asked
// for (nil: all).
func parsePort(args []string, stdout, stderr io.Writer) (cmd *ctrCommand, ref string, want *network.PortBinding, code int, done bool) {
	cmd = newCtrCommand("port", "CONTAINER [PRIVATE_PORT[/PROTO]]")
	rest, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return nil, "", nil, code, true
	}
	if len(rest) > 2 {
		return nil, "", nil, fail(stderr, errors.New(`"port" requires 1 or 2 arguments: CONTAINER [PRIVATE_PORT[/PROTO]]`)), true
	}
	if len(rest) == 2 {
		bs, err := network.ParseExpose(rest[1])
		if err != nil || len(bs) != 1 {
			return nil, "", nil, fail(stderr, fmt.Errorf("invalid port %q: want PORT[/tcp|/udp]", rest[1])), true
		}
		want = &bs[0]
	}
	return cmd, rest[0], want, 0, false
}

// printPorts prints a container's bound ports as docker port does, or
// the error looking them up.
func printPorts(stdout, stderr io.Writer, ref string, want *network.PortBinding, bound []network.PortBinding, err error) int {
	var ae *api.Error
	if errors.As(err, &ae) {
		return daemonError(stderr, err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
		return 1
	}
	found := false
	for _, p := range bound {
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
		fmt.Fprintf(stderr, "minidocker: No public port '%d/%s' published for %s\n", want.Port, want.Proto, ref)
		return 1
	}
	return 0
}
