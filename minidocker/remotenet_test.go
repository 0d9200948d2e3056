package minidocker

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
)

// run's network flags in the create request, where the docker CLI puts
// them: the published ports in HostConfig.PortBindings (and exposed), the
// endpoint's aliases and address under the network's name.
func TestCreateNetworking(t *testing.T) {
	o := networkOptions{network: "app", publish: []string{"8080:80", "127.0.0.1::81/udp"}, expose: []string{"9000"},
		publishAll: true, aliases: []string{"www"}, ip: "10.89.0.7", addHosts: []string{"db:10.1.2.3"}, dns: []string{"10.0.0.53"}}
	req := &api.CreateRequest{HostConfig: &api.HostConfig{}}
	createNetworking(req, o.mustOptions(t))
	got, _ := json.Marshal(map[string]any{"NetworkMode": req.HostConfig.NetworkMode, "PortBindings": req.HostConfig.PortBindings,
		"PublishAllPorts": req.HostConfig.PublishAllPorts, "ExtraHosts": req.HostConfig.ExtraHosts, "Dns": req.HostConfig.DNS,
		"ExposedPorts": req.ExposedPorts, "NetworkingConfig": req.NetworkingConfig})
	want := `{"Dns":["10.0.0.53"],"ExposedPorts":{"80/tcp":{},"81/udp":{},"9000/tcp":{}},"ExtraHosts":["db:10.1.2.3"],` +
		`"NetworkMode":"app","NetworkingConfig":{"EndpointsConfig":{"app":{"IPAMConfig":{"IPv4Address":"10.89.0.7"},"Links":null,` +
		`"Aliases":["www"],"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"",` +
		`"GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null,"DNSNames":null}}},` +
		`"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}],"81/udp":[{"HostIp":"127.0.0.1","HostPort":""}]},"PublishAllPorts":true}`
	if string(got) != want {
		t.Errorf("create request:\n got %s\nwant %s", got, want)
	}

	// No --network: "default", as the docker CLI sends it; no endpoint.
	req = &api.CreateRequest{HostConfig: &api.HostConfig{}}
	createNetworking(req, (&networkOptions{}).mustOptions(t))
	if req.HostConfig.NetworkMode != "default" || req.NetworkingConfig != nil || req.HostConfig.PortBindings != nil || req.ExposedPorts != nil {
		t.Errorf("no flags: %+v %+v", req.HostConfig, req.NetworkingConfig)
	}
}

func (o *networkOptions) mustOptions(t *testing.T) engine.NetworkOptions {
	t.Helper()
	no, err := o.options(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return no
}

// --help of a network subcommand prints its usage and exits 0, as docker's.
func TestNetworkSubcommandHelp(t *testing.T) {
	for _, sub := range []string{"prune", "ls", "connect", "disconnect", "create", "rm", "inspect"} {
		var out, errOut bytes.Buffer
		code := runNetwork([]string{sub, "--help"}, nil, &out, &errOut, func(storageOptions) (networkBackend, error) { return nil, nil })
		if code != 0 || !strings.HasPrefix(out.String(), "Usage:  minidocker network "+sub) || errOut.Len() != 0 {
			t.Errorf("network %s --help: exit %d, stdout %q, stderr %q", sub, code, out.String(), errOut.String())
		}
	}
}

// A mistyped flag is refused before the engine is opened: no root is
// made (the default one, /var/lib/minidocker, was), nothing is read.
func TestNetworkBadFlagOpensNothing(t *testing.T) {
	for _, args := range [][]string{{"prune", "--bogus"}, {"ls", "--bogus"}, {"create", "--bogus", "n"},
		{"rm", "--bogus", "n"}, {"inspect", "--bogus", "n"}, {"connect", "--bogus", "n", "c"}, {"disconnect", "--bogus", "n", "c"}} {
		var out, errOut bytes.Buffer
		opened := false
		code := runNetwork(args, nil, &out, &errOut, func(storageOptions) (networkBackend, error) {
			opened = true
			return nil, errors.New("opened")
		})
		if code != 125 || opened || !strings.Contains(errOut.String(), "--bogus") {
			t.Errorf("network %v: exit %d, opened %v, stderr %q; want 125, not opened, the flag named", args, code, opened, errOut.String())
		}
	}
}
