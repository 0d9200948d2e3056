package daemon

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/network"
)

// The network endpoints serve the engine's network layer (chapter 09):
// the predefined bridge, host and none, and user-defined bridges, as
// dockerd's network router serves libnetwork's, in its words and with
// its statuses.

// findNetwork looks a network up by name, ID or unique ID prefix, as
// dockerd does; a miss is its 404.
func (d *Daemon) findNetwork(ref string) (*network.Manager, *network.Network, error) {
	m, err := d.engine.Networks()
	if err != nil {
		return nil, nil, err
	}
	n, err := m.Network(ref)
	if errors.Is(err, network.ErrNotFound) {
		return nil, nil, errNoSuchNetwork(ref)
	}
	return m, n, err
}

func errNoSuchNetwork(ref string) error {
	return &statusError{http.StatusNotFound, fmt.Sprintf("network %s not found", ref)}
}

// NetworkResource is a network as GET /networks shows it; with sbs, as its
// inspect does, with the containers that hold an address on it (running
// or not: the engine keeps a container's address from create to rm, and
// such a container keeps the network from being removed).
func NetworkResource(n *network.Network, sbs []*network.Sandbox) api.Network {
	out := api.Network{Name: n.Name, ID: n.ID, Created: dockerTime(n.Created), Scope: "local", Driver: n.Driver,
		IPAM:       api.IPAM{Driver: "default", Options: map[string]string{}, Config: []api.IPAMConfig{}},
		Containers: map[string]api.EndpointResource{}, Options: map[string]string{}, Labels: map[string]string{}}
	if n.Subnet.IsValid() {
		out.IPAM.Config = append(out.IPAM.Config, api.IPAMConfig{Subnet: n.Subnet.String(), Gateway: n.Gateway.String()})
	}
	if n.Driver == "bridge" {
		out.Options[network.BridgeNameOption] = n.Bridge
	}
	maps.Copy(out.Labels, n.Labels)
	for _, sb := range sbs {
		for _, ep := range sb.Endpoints {
			if ep.NetworkID == n.ID {
				out.Containers[sb.ContainerID] = api.EndpointResource{Name: sb.Name, MacAddress: ep.MAC, IPv4Address: ep.Addr.String()}
			}
		}
	}
	return out
}

// listNetworks is GET /networks: docker network ls, with its filters.
func (d *Daemon) listNetworks(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	if err := f.check("dangling", "driver", "id", "label", "name", "scope", "type"); err != nil {
		return err
	}
	for k, allowed := range map[string][]string{"type": {"custom", "builtin"}, "dangling": {"true", "false", "1", "0"}} {
		for _, v := range f[k] {
			if !slices.Contains(allowed, v) {
				return badRequest(fmt.Errorf("invalid filter: '%s'='%s'", k, v))
			}
		}
	}
	m, err := d.engine.Networks()
	if err != nil {
		return err
	}
	nets, err := m.Networks()
	if err != nil {
		return err
	}
	var sbs []*network.Sandbox
	if _, ok := f["dangling"]; ok {
		if sbs, err = m.Sandboxes(); err != nil {
			return err
		}
	}
	out := []api.Network{}
	for _, n := range nets {
		used := slices.ContainsFunc(sbs, func(sb *network.Sandbox) bool {
			return slices.ContainsFunc(sb.Endpoints, func(ep *network.Endpoint) bool { return ep.NetworkID == n.ID })
		})
		ok := f.match("name", regexpMatch(n.Name)) && f.match("id", regexpMatch(n.ID)) &&
			f.match("driver", func(s string) bool { return s == n.Driver }) &&
			f.match("scope", func(s string) bool { return s == "local" }) &&
			f.match("type", func(s string) bool { return (s == "builtin") == n.Predefined() }) &&
			f.match("label", labelMatch(n.Labels)) &&
			f.match("dangling", func(s string) bool { return (s == "true" || s == "1") == (!n.Predefined() && !used) })
		if ok {
			out = append(out, NetworkResource(n, nil))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// regexpMatch is dockerd's match of a name or ID filter: the value is a
// regular expression, found anywhere in the name.
func regexpMatch(s string) func(string) bool {
	return func(expr string) bool {
		ok, err := regexp.MatchString(expr, s)
		return err == nil && ok
	}
}

// labelMatch is a label filter: KEY, or KEY=VALUE.
func labelMatch(labels map[string]string) func(string) bool {
	return func(s string) bool {
		k, v, hasValue := strings.Cut(s, "=")
		got, has := labels[k]
		return has && (!hasValue || got == v)
	}
}

// inspectNetwork is GET /networks/ID: docker network inspect.
func (d *Daemon) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	m, n, err := d.findNetwork(r.PathValue("id"))
	if err != nil {
		return err
	}
	sbs, err := m.Sandboxes()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, NetworkResource(n, sbs))
}

// builtinDrivers are docker's own network drivers, which minidocker does
// not have (a name not among them is a plugin, and there are none).
var builtinDrivers = []string{"host", "null", "overlay", "macvlan", "ipvlan"}

// createNetwork is POST /networks/create: docker network create. The
// engine has the bridge driver, one IPv4 subnet per network, and the
// bridge's name as the one option.
func (d *Daemon) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req api.NetworkCreateRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	switch req.Name {
	case "bridge", "host", "none", "default":
		return &statusError{http.StatusForbidden, fmt.Sprintf("operation is not permitted on predefined %s network", req.Name)}
	case "":
		return badRequest(errors.New("network create: a network needs a name"))
	}
	switch {
	case req.Driver == "" || req.Driver == "bridge":
	case slices.Contains(builtinDrivers, req.Driver):
		return badRequest(fmt.Errorf("network driver %q: minidocker has only the bridge driver", req.Driver))
	default:
		return &statusError{http.StatusNotFound, fmt.Sprintf("plugin %q not found", req.Driver)}
	}
	var unsupported []string
	for what, on := range map[string]bool{"EnableIPv6 (--ipv6)": req.EnableIPv6, "Internal (--internal)": req.Internal,
		"Ingress (--ingress)": req.Ingress, "ConfigOnly (--config-only)": req.ConfigOnly,
		"ConfigFrom (--config-from)": req.ConfigFrom != nil && req.ConfigFrom.Network != ""} {
		if on {
			unsupported = append(unsupported, what)
		}
	}
	if len(unsupported) > 0 {
		slices.Sort(unsupported)
		return badRequest(fmt.Errorf("network create %s: %s not supported: minidocker's networks are IPv4 bridges", req.Name, strings.Join(unsupported, ", ")))
	}
	o := network.CreateOptions{Driver: "bridge", Options: req.Options, Labels: req.Labels}
	if req.IPAM != nil {
		if req.IPAM.Driver != "" && req.IPAM.Driver != "default" {
			return &statusError{http.StatusNotFound, fmt.Sprintf("plugin %q not found", req.IPAM.Driver)}
		}
		if len(req.IPAM.Options) > 0 {
			return badRequest(fmt.Errorf("network create %s: IPAM options (--ipam-opt) are not supported", req.Name))
		}
		if len(req.IPAM.Config) > 1 {
			return badRequest(fmt.Errorf("network create %s: one subnet at most: minidocker's networks have one IPv4 subnet", req.Name))
		}
		for _, c := range req.IPAM.Config {
			if c.IPRange != "" || len(c.AuxAddress) > 0 {
				return badRequest(fmt.Errorf("network create %s: --ip-range and --aux-address are not supported: the whole subnet is the network's", req.Name))
			}
			var err error
			if c.Subnet != "" {
				if o.Subnet, err = netip.ParsePrefix(c.Subnet); err != nil || !o.Subnet.Addr().Is4() {
					return badRequest(fmt.Errorf("invalid subnet %s: want an IPv4 network in CIDR notation, such as 172.30.0.0/16", c.Subnet))
				}
			}
			if c.Gateway != "" {
				if o.Gateway, err = netip.ParseAddr(c.Gateway); err != nil || !o.Gateway.Is4() {
					return badRequest(fmt.Errorf("invalid gateway %s: want an IPv4 address", c.Gateway))
				}
			}
		}
	}
	n, err := d.engine.CreateNetwork(req.Name, o)
	if errors.Is(err, network.ErrExists) {
		return &statusError{http.StatusConflict, fmt.Sprintf("network with name %s already exists", req.Name)}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, api.NetworkCreateResponse{ID: n.ID})
}

// removeNetwork is DELETE /networks/ID: docker network rm. The
// predefined networks stay; a network a container holds an address on
// (running or not) stays too.
func (d *Daemon) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	_, n, err := d.findNetwork(r.PathValue("id"))
	if err != nil {
		return err
	}
	if n.Predefined() {
		return &statusError{http.StatusForbidden, fmt.Sprintf("%s is a pre-defined network and cannot be removed", n.Name)}
	}
	err = d.engine.RemoveNetwork(n.ID)
	if errors.Is(err, network.ErrActiveEndpoints) {
		return &statusError{http.StatusForbidden, fmt.Sprintf("error while removing network: network %s id %s has active endpoints", n.Name, n.ID)}
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// connectNetwork is POST /networks/ID/connect: docker network connect,
// with --alias and --ip in the endpoint's config.
func (d *Daemon) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req api.NetworkConnectRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	_, n, err := d.findNetwork(r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := d.engine.Get(req.Container)
	if err != nil {
		return err
	}
	o, err := endpointOptions(n.Default, req.EndpointConfig)
	if err != nil {
		return err
	}
	switch n.Driver {
	case "host":
		return badRequest(errors.New("container cannot be disconnected from host network or connected to host network"))
	case "null":
		return badRequest(errors.New("container cannot be connected to multiple networks with one of the networks in private (none) mode"))
	}
	if sb, err := d.engine.Sandbox(c); err != nil {
		return err
	} else if sb != nil && slices.ContainsFunc(sb.Endpoints, func(ep *network.Endpoint) bool { return ep.NetworkID == n.ID }) {
		return &statusError{http.StatusForbidden, fmt.Sprintf("endpoint with name %s already exists in network %s", c.Name, n.Name)}
	}
	if err := d.engine.Connect(c, n.ID, o); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// disconnectNetwork is POST /networks/ID/disconnect.
func (d *Daemon) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req api.NetworkDisconnectRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	_, n, err := d.findNetwork(r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := d.engine.Get(req.Container)
	if err != nil {
		return err
	}
	if n.Driver == "host" || c.NetworkMode == "host" {
		return badRequest(errors.New("container cannot be disconnected from host network or connected to host network"))
	}
	sb, err := d.engine.Sandbox(c)
	if err != nil {
		return err
	}
	if sb == nil || !slices.ContainsFunc(sb.Endpoints, func(ep *network.Endpoint) bool { return ep.NetworkID == n.ID }) {
		// dockerd answers this one 500; it is the client's mistake.
		return badRequest(fmt.Errorf("container %s is not connected to network %s", c.ID, n.Name))
	}
	if err := d.engine.Disconnect(c, n.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// pruneNetworks is POST /networks/prune: docker network prune. The
// engine's prune takes every unused network; a filter (until, label)
// would need to keep some, and is refused rather than ignored.
func (d *Daemon) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	if err := f.check("until", "label", "label!"); err != nil {
		return err
	}
	if len(f) > 0 {
		return badRequest(errors.New("network prune: filters (until, label) are not supported: prune removes every network no container is on"))
	}
	removed, err := d.engine.PruneNetworks()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, api.NetworksPruneReport{NetworksDeleted: removed})
}
