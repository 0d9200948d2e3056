package daemon

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

// A container's networking through the API: what POST /containers/create
// asks for (HostConfig's NetworkMode, PortBindings, PublishAllPorts,
// ExtraHosts, Dns; Config's ExposedPorts; NetworkingConfig's endpoint)
// becomes the engine's NetworkOptions, and what the network layer holds
// for the container (its sandbox) becomes inspect's NetworkSettings and
// ps' Ports.

// networkOptions are the create request's network settings, as the
// engine takes them; the engine checks how they go together.
func networkOptions(req *api.CreateRequest, hc *api.HostConfig) (engine.NetworkOptions, error) {
	o := engine.NetworkOptions{Mode: hc.NetworkMode, PublishAll: hc.PublishAllPorts, ExtraHosts: hc.ExtraHosts, DNS: hc.DNS}
	if o.Mode == "default" {
		o.Mode = ""
	}
	if len(hc.DNSOptions) > 0 || len(hc.DNSSearch) > 0 {
		return o, badRequest(errors.New("--dns-option and --dns-search are not supported: a container's resolv.conf has the host's search domains and options"))
	}
	for _, key := range sortedKeys(hc.PortBindings) {
		for _, b := range hc.PortBindings[key] {
			spec := key
			if b.HostPort != "" || b.HostIP != "" {
				spec = b.HostPort + ":" + key
			}
			if b.HostIP != "" {
				ip := b.HostIP
				if strings.Contains(ip, ":") {
					ip = "[" + ip + "]" // refused: IPv4 only
				}
				spec = ip + ":" + spec
			}
			bs, err := network.ParsePublish(spec)
			if err != nil {
				return o, badRequest(err)
			}
			o.Publish = append(o.Publish, bs...)
		}
	}
	for _, key := range sortedKeys(req.ExposedPorts) {
		bs, err := network.ParseExpose(key)
		if err != nil {
			return o, badRequest(err)
		}
		o.Expose = append(o.Expose, bs...)
	}
	if req.NetworkingConfig == nil || len(req.NetworkingConfig.EndpointsConfig) == 0 {
		return o, nil
	}
	eps := req.NetworkingConfig.EndpointsConfig
	if len(eps) > 1 {
		return o, badRequest(fmt.Errorf("Container cannot be connected to network endpoints: %s", strings.Join(sortedKeys(eps), ", ")))
	}
	for _, ep := range eps {
		eo, err := endpointOptions(o.Mode == "" || o.Mode == "bridge", ep)
		if err != nil {
			return o, err
		}
		o.Aliases, o.IP = eo.Aliases, eo.IP
	}
	return o, nil
}

// endpointOptions are what an endpoint's config asks of a network
// (create's, connect's): aliases, and an address.
func endpointOptions(defaultBridge bool, ep *api.EndpointSettings) (engine.EndpointOptions, error) {
	var o engine.EndpointOptions
	if ep == nil {
		return o, nil
	}
	if len(ep.Aliases) > 0 && defaultBridge {
		return o, badRequest(errors.New("network-scoped alias is supported only for containers in user defined networks"))
	}
	o.Aliases = ep.Aliases
	if c := ep.IPAMConfig; c != nil {
		if c.IPv6Address != "" || len(c.LinkLocalIPs) > 0 {
			return o, badRequest(errors.New("--ip6 and --link-local-ip are not supported: minidocker's networks are IPv4"))
		}
		if c.IPv4Address != "" {
			ip, err := netip.ParseAddr(c.IPv4Address)
			if err != nil || !ip.Is4() {
				return o, badRequest(fmt.Errorf("invalid IPv4 address: %s", c.IPv4Address))
			}
			o.IP = ip
		}
	}
	return o, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// portKey is a port as the API names it: 80/tcp.
func portKey(p network.PortBinding) string { return fmt.Sprintf("%d/%s", p.Port, p.Proto) }

// hostBinding is the host's side of a binding as the API writes it.
func hostBinding(p network.PortBinding) api.PortBinding {
	b := api.PortBinding{HostPort: strconv.Itoa(int(p.HostPort))}
	if p.HostIP.IsValid() {
		b.HostIP = p.HostIP.String()
	}
	if p.HostPort == 0 {
		b.HostPort = ""
	}
	return b
}

// endpointSettings is one of the container's networks, as inspect and
// ps show it.
func endpointSettings(c *engine.Container, ep *network.Endpoint) *api.EndpointSettings {
	e := &api.EndpointSettings{Aliases: ep.Aliases, NetworkID: ep.NetworkID, Gateway: ep.Gateway.String(),
		IPAddress: ep.Addr.Addr().String(), IPPrefixLen: ep.Addr.Bits(), MacAddress: ep.MAC}
	if c.IPAddress != "" && ep.Addr.Addr().String() == c.IPAddress {
		e.IPAMConfig = &api.EndpointIPAMConfig{IPv4Address: c.IPAddress}
	}
	if ep.NetworkName != "bridge" {
		// The names other containers of the network find it by.
		e.DNSNames = append([]string{c.Name, c.ID[:12]}, ep.Aliases...)
	}
	return e
}

// containerNetwork fills in what docker's inspect says of a container's
// networks: HostConfig's and Config's settings as asked, and its
// NetworkSettings from its sandbox (sb, nil for none and host). An
// address is held from create to rm, so it shows on a stopped container
// too; published ports only while it runs.
func containerNetwork(j *api.ContainerJSON, c *engine.Container, sb *network.Sandbox, nets []*network.Network) {
	hc := &j.HostConfig
	hc.NetworkMode, hc.PublishAllPorts = c.NetworkMode, c.PublishAllPorts
	hc.ExtraHosts, hc.DNS, hc.DNSOptions, hc.DNSSearch = c.ExtraHosts, c.DNS, []string{}, []string{}
	if hc.DNS == nil {
		hc.DNS = []string{}
	}
	hc.PortBindings = api.PortMap{}
	for _, p := range c.PortBindings {
		hc.PortBindings[portKey(p)] = append(hc.PortBindings[portKey(p)], hostBinding(p))
	}
	if len(c.ExposedPorts)+len(c.PortBindings) > 0 {
		j.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range append(slices.Clone(c.ExposedPorts), c.PortBindings...) {
			j.Config.ExposedPorts[portKey(p)] = struct{}{}
		}
	}
	ns := &j.NetworkSettings
	ns.Ports, ns.Networks = api.PortMap{}, map[string]*api.EndpointSettings{}
	if c.Running() {
		for p := range j.Config.ExposedPorts {
			ns.Ports[p] = nil // exposed, not published: null, as docker has it
		}
		if sb != nil {
			for _, p := range sb.Ports {
				b := hostBinding(p)
				if b.HostIP == "" {
					b.HostIP = "0.0.0.0"
				}
				ns.Ports[portKey(p)] = append(ns.Ports[portKey(p)], b)
			}
		}
		if c.NetworkMode != "host" {
			ns.SandboxKey = fmt.Sprintf("/proc/%d/ns/net", c.State.Pid)
		}
	}
	if sb == nil {
		if c.NetworkMode == "host" || c.NetworkMode == "none" {
			e := &api.EndpointSettings{}
			for _, n := range nets {
				if n.Name == c.NetworkMode {
					e.NetworkID = n.ID
				}
			}
			ns.Networks[c.NetworkMode] = e
		}
		return
	}
	files := sb.Files()
	j.HostsPath, j.HostnamePath, j.ResolvConfPath = files[0].Source, files[1].Source, files[2].Source
	for _, ep := range sb.Endpoints {
		e := endpointSettings(c, ep)
		if ep.NetworkName == "bridge" {
			ns.Gateway, ns.IPAddress, ns.IPPrefixLen, ns.MacAddress = e.Gateway, e.IPAddress, e.IPPrefixLen, e.MacAddress
		}
		ns.Networks[ep.NetworkName] = e
	}
}

// summaryNetwork fills in docker ps' view of a container's networks: its
// ports (published while it runs, exposed ones with their container
// port alone) and its endpoints.
func summaryNetwork(s *api.Container, c *engine.Container, sb *network.Sandbox) {
	s.HostConfig.NetworkMode = c.NetworkMode
	s.NetworkSettings.Networks = map[string]*api.EndpointSettings{}
	published := map[string]bool{}
	if sb != nil && c.Running() {
		for _, p := range sb.Ports {
			ip := "0.0.0.0"
			if p.HostIP.IsValid() {
				ip = p.HostIP.String()
			}
			s.Ports = append(s.Ports, api.Port{IP: ip, PrivatePort: p.Port, PublicPort: p.HostPort, Type: p.Proto})
			published[portKey(p)] = true
		}
	}
	for _, p := range c.ExposedPorts {
		if !published[portKey(p)] {
			s.Ports = append(s.Ports, api.Port{PrivatePort: p.Port, Type: p.Proto})
			published[portKey(p)] = true
		}
	}
	if sb != nil {
		for _, ep := range sb.Endpoints {
			s.NetworkSettings.Networks[ep.NetworkName] = endpointSettings(c, ep)
		}
	} else if c.NetworkMode == "host" || c.NetworkMode == "none" {
		s.NetworkSettings.Networks[c.NetworkMode] = &api.EndpointSettings{}
	}
}

// onNetwork reports whether the container is on the network ref names
// (by name or ID), for ps' network filter.
func onNetwork(c *engine.Container, sb *network.Sandbox, ref string) bool {
	if sb == nil {
		return c.NetworkMode == ref
	}
	return slices.ContainsFunc(sb.Endpoints, func(ep *network.Endpoint) bool {
		return ep.NetworkName == ref || ep.NetworkID == ref
	})
}
