package minidocker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/client"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

// Networks through a daemon: run's network flags in the create request,
// the network commands and port as the docker CLI sends them.

// createNetworking puts run's network flags into the create request as
// the docker CLI does: NetworkMode ("default" for none given), the
// published ports (which are exposed too), the endpoint's aliases and
// address under the network's name.
func createNetworking(req *api.CreateRequest, o engine.NetworkOptions) {
	hc := req.HostConfig
	hc.NetworkMode = o.Mode
	if hc.NetworkMode == "" {
		hc.NetworkMode = "default"
	}
	hc.PublishAllPorts, hc.ExtraHosts, hc.DNS = o.PublishAll, o.ExtraHosts, o.DNS
	expose := func(p network.PortBinding) {
		if req.ExposedPorts == nil {
			req.ExposedPorts = map[string]struct{}{}
		}
		req.ExposedPorts[portName(p)] = struct{}{}
	}
	for _, p := range o.Publish {
		if hc.PortBindings == nil {
			hc.PortBindings = api.PortMap{}
		}
		b := api.PortBinding{}
		if p.HostIP.IsValid() {
			b.HostIP = p.HostIP.String()
		}
		if p.HostPort != 0 {
			b.HostPort = strconv.Itoa(int(p.HostPort))
		}
		hc.PortBindings[portName(p)] = append(hc.PortBindings[portName(p)], b)
		expose(p)
	}
	for _, p := range o.Expose {
		expose(p)
	}
	if len(o.Aliases) > 0 || o.IP.IsValid() {
		ep := &api.EndpointSettings{Aliases: o.Aliases}
		if o.IP.IsValid() {
			ep.IPAMConfig = &api.EndpointIPAMConfig{IPv4Address: o.IP.String()}
		}
		req.NetworkingConfig = &api.NetworkingConfig{EndpointsConfig: map[string]*api.EndpointSettings{hc.NetworkMode: ep}}
	}
}

func portName(p network.PortBinding) string { return fmt.Sprintf("%d/%s", p.Port, p.Proto) }

// remoteNetwork is `minidocker -H ... network`: the daemonless command's
// flags and output, on the daemon's networks.
func remoteNetwork(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	return runNetwork(args, stdin, stdout, stderr, func(storage storageOptions) (networkBackend, error) {
		if storage.root != "" {
			return nil, errors.New("--root is the daemon's business: not available through a daemon")
		}
		return remoteNetworks{c}, nil
	})
}

// remoteNetworks is a daemon's network layer, through the API.
type remoteNetworks struct{ c *client.Client }

func (r remoteNetworks) create(name string, o network.CreateOptions) (string, error) {
	req := &api.NetworkCreateRequest{Name: name, CheckDuplicate: true, Driver: o.Driver, Options: o.Options, Labels: o.Labels,
		IPAM: &api.IPAM{Driver: "default", Options: map[string]string{}, Config: []api.IPAMConfig{}}}
	if req.Driver == "" {
		req.Driver = "bridge"
	}
	if o.Subnet.IsValid() {
		cfg := api.IPAMConfig{Subnet: o.Subnet.String()}
		if o.Gateway.IsValid() {
			cfg.Gateway = o.Gateway.String()
		}
		req.IPAM.Config = append(req.IPAM.Config, cfg)
	} else if o.Gateway.IsValid() {
		return "", errors.New("--gateway needs --subnet")
	}
	return r.c.NetworkCreate(context.Background(), req)
}

func (r remoteNetworks) list() ([]api.Network, error) {
	nets, err := r.c.NetworkList(context.Background())
	sort.Slice(nets, func(i, j int) bool { return nets[i].Name < nets[j].Name }) // as the docker CLI sorts them
	return nets, err
}

func (r remoteNetworks) inspect(ref string) (api.Network, error) {
	n, err := r.c.NetworkInspect(context.Background(), ref)
	if err != nil {
		return api.Network{}, err
	}
	return *n, nil
}

func (r remoteNetworks) remove(ref string) error { return r.c.NetworkRemove(context.Background(), ref) }

func (r remoteNetworks) connect(netRef, container string, o engine.EndpointOptions) error {
	ep := &api.EndpointSettings{Aliases: o.Aliases}
	if o.IP.IsValid() {
		ep.IPAMConfig = &api.EndpointIPAMConfig{IPv4Address: o.IP.String()}
	}
	return r.c.NetworkConnect(context.Background(), netRef, &api.NetworkConnectRequest{Container: container, EndpointConfig: ep})
}

func (r remoteNetworks) disconnect(netRef, container string, force bool) error {
	return r.c.NetworkDisconnect(context.Background(), netRef, container, force)
}

func (r remoteNetworks) prune() ([]string, error) { return r.c.NetworksPrune(context.Background()) }

// remotePort is `minidocker -H ... port`: the bindings in the container's
// inspect, as docker port reads them.
func remotePort(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd, ref, want, code, done := parsePort(args, stdout, stderr)
	if done {
		return code
	}
	if cmd.storage.root != "" {
		return fail(stderr, errors.New("--root is the daemon's business: not available through a daemon"))
	}
	j, err := c.ContainerInspect(context.Background(), ref)
	var bound []network.PortBinding
	if err == nil {
		bound, err = portBindings(j.NetworkSettings.Ports)
	}
	return printPorts(stdout, stderr, ref, want, bound, err)
}

// portBindings turns the API's port map into the engine's bindings, in
// the engine's order.
func portBindings(pm api.PortMap) ([]network.PortBinding, error) {
	var out []network.PortBinding
	for key, bs := range pm {
		ps, err := network.ParseExpose(key)
		if err != nil || len(ps) != 1 {
			return nil, fmt.Errorf("the daemon's port %q: not PORT/PROTO", key)
		}
		for _, b := range bs {
			if strings.Contains(b.HostIP, ":") {
				continue // IPv6 (dockerd's [::]): minidocker's bindings are IPv4
			}
			spec := b.HostPort + ":" + key
			if b.HostIP != "" {
				spec = b.HostIP + ":" + spec
			}
			pb, err := network.ParsePublish(spec)
			if err != nil {
				return nil, fmt.Errorf("the daemon's binding of %s: %w", key, err)
			}
			out = append(out, pb...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Proto < b.Proto
	})
	return out, nil
}

// remotePsNetwork is ps' PORTS and NETWORKS from the daemon's summary,
// as the daemonless psNetwork writes them (networks by name, as the
// docker CLI sorts them).
func remotePsNetwork(s api.Container) (ports, networks string) {
	var ps []string
	for _, p := range s.Ports {
		if p.PublicPort == 0 {
			ps = append(ps, fmt.Sprintf("%d/%s", p.PrivatePort, p.Type))
			continue
		}
		ps = append(ps, fmt.Sprintf("%s:%d->%d/%s", p.IP, p.PublicPort, p.PrivatePort, p.Type))
	}
	names := make([]string, 0, len(s.NetworkSettings.Networks))
	for n := range s.NetworkSettings.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(ps, ", "), strings.Join(names, ",")
}

// remoteInspect is `minidocker -H ... inspect`: the daemon's JSON for
// each container, printed as the daemonless inspect prints its own (the
// same shape: daemon.Inspect).
func remoteInspect(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("inspect", "[OPTIONS] NAME|ID [NAME|ID...]")
	var format string
	cmd.fs.String(&format, "format", "f", "string", "Format output using a custom template")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	var objs []any
	for _, ref := range refs {
		j, err := c.ContainerInspectRaw(context.Background(), ref)
		var ae *api.Error
		if errors.As(err, &ae) && ae.StatusCode == 404 {
			fmt.Fprintf(stderr, "minidocker: No such object: %s\n", ref)
			code = 1
			continue
		}
		if err != nil {
			return daemonError(stderr, err)
		}
		objs = append(objs, j)
	}
	if err := writeInspect(stdout, format, objs); err != nil {
		return fail(stderr, err)
	}
	return code
}
