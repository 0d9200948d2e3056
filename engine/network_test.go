package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/minidocker/minidocker/network"
)

// TestNetworkMode: the default network is the bridge, none for a
// rootless container or with the default bridge off; the flags that
// need a bridge network are refused without one, as docker refuses them.
func TestNetworkMode(t *testing.T) {
	p80, _ := network.ParsePublish("80")
	for _, c := range []struct {
		o        NetworkOptions
		rootless bool
		bridge   string // daemon.json's
		mode     string
		wantErr  string
	}{
		{NetworkOptions{}, false, "", "bridge", ""},
		{NetworkOptions{}, true, "", "none", ""},
		{NetworkOptions{}, false, "none", "none", ""},
		{NetworkOptions{Mode: "default"}, false, "", "bridge", ""},
		{NetworkOptions{Mode: "app"}, false, "", "app", ""},
		{NetworkOptions{Mode: "host"}, true, "", "host", ""},
		{NetworkOptions{Mode: "bridge"}, true, "", "", "--network bridge needs root"},
		{NetworkOptions{Mode: "none", Publish: p80}, false, "", "", "conflicting options: port publishing and the container type network mode"},
		{NetworkOptions{Mode: "container:db"}, false, "", "", "sharing another container's network is not supported"},
		{NetworkOptions{Mode: "none", Aliases: []string{"x"}}, false, "", "", "--ip and --network-alias need a bridge network"},
		{NetworkOptions{Mode: "host", IP: netip.MustParseAddr("10.0.0.2")}, false, "", "", "--ip and --network-alias need a bridge network"},
		{NetworkOptions{ExtraHosts: []string{"db"}}, false, "", "", "--add-host db: want NAME:IP"},
		{NetworkOptions{DNS: []string{"dns.example"}}, false, "", "", "--dns dns.example: not an IP address"},
	} {
		e := &Engine{netCfg: network.Config{Bridge: c.bridge}}
		cfg := &Config{}
		err := e.netConfig(cfg, &c.o, ImageConfig{}, c.rootless)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%+v rootless=%v: %v, want %q", c.o, c.rootless, err, c.wantErr)
			}
			continue
		}
		if err != nil || cfg.NetworkMode != c.mode {
			t.Errorf("%+v rootless=%v bridge=%q: mode %q, %v; want %q", c.o, c.rootless, c.bridge, cfg.NetworkMode, err, c.mode)
		}
	}
}

// TestPublishAllWithImage: -P publishes the image's EXPOSE and --expose
// on host ports picked at start, beside -p's.
func TestPublishAllWithImage(t *testing.T) {
	e := &Engine{}
	cfg := &Config{ID: strings.Repeat("a", 64)}
	o := NetworkOptions{PublishAll: true}
	o.Publish, _ = network.ParsePublish("8080:80")
	o.Expose, _ = network.ParseExpose("9000/udp")
	img := ImageConfig{ExposedPorts: map[string]struct{}{"80/tcp": {}, "443/tcp": {}}}
	if err := e.netConfig(cfg, &o, img, false); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range netSpec(&Container{Config: cfg}).Publish {
		got = append(got, p.String())
	}
	if want := "80/tcp -> 0.0.0.0:8080 443/tcp -> 0.0.0.0:0 9000/udp -> 0.0.0.0:0"; strings.Join(got, " ") != want {
		t.Errorf("-P publishes %v, want %s", got, want)
	}
	if !cfg.sandboxed() || (&Config{}).sandboxed() || (&Config{NetworkMode: "host"}).sandboxed() {
		t.Error("sandboxed: want bridge networks only (and not a container stored before networks)")
	}
}
