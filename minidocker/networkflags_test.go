package minidocker

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetworkModes(t *testing.T) {
	t.Setenv("MINIDOCKER_CONFIG", filepath.Join(t.TempDir(), "none.json")) // no file: the defaults
	for _, c := range []struct {
		o        networkOptions
		rootless bool
		mode     string
		err      string
	}{
		{networkOptions{}, false, "bridge", ""},
		{networkOptions{}, true, "none", ""}, // rootless: no bridge to have
		{networkOptions{network: "default"}, false, "bridge", ""},
		{networkOptions{network: "app", name: "web"}, false, "app", ""},
		{networkOptions{network: "host"}, true, "host", ""},
		{networkOptions{network: "bridge"}, true, "", "--network bridge needs root"},
		{networkOptions{network: "none", publish: []string{"80"}}, false, "", "conflicting options: port publishing and the container type network mode"},
		{networkOptions{network: "container:db"}, false, "", "sharing another container's network is not supported"},
		{networkOptions{publish: []string{"80:80/sctp"}}, false, "", `-p 80:80/sctp: protocol "sctp"`},
		{networkOptions{name: "-web"}, false, "", "invalid container name (-web)"},
		{networkOptions{ip: "fd00::2"}, false, "", "--ip fd00::2: not an IPv4 address"},
		{networkOptions{network: "none", aliases: []string{"x"}}, false, "", "--ip and --network-alias need a bridge network"},
		{networkOptions{addHosts: []string{"db"}}, false, "", "--add-host db: want NAME:IP"},
	} {
		nm, err := c.o.resolve("/var/lib/minidocker-test", c.rootless, &bytes.Buffer{})
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%+v: %v, want an error with %q", c.o, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%+v: %v", c.o, err)
		case c.err == "" && nm.mode != c.mode:
			t.Errorf("%+v: mode %s, want %s", c.o, nm.mode, c.mode)
		}
	}
}

func TestNetworkPublishAll(t *testing.T) {
	t.Setenv("MINIDOCKER_CONFIG", filepath.Join(t.TempDir(), "none.json"))
	o := networkOptions{publish: []string{"8080:80"}, expose: []string{"80", "9000-9001/udp"}, publishAll: true}
	nm, err := o.resolve(t.TempDir(), false, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range nm.spec.Publish {
		got = append(got, p.String())
	}
	if want := "80/tcp -> 0.0.0.0:8080 9000/udp -> 0.0.0.0:0 9001/udp -> 0.0.0.0:0"; strings.Join(got, " ") != want {
		t.Errorf("-P publishes %v, want %s", got, want)
	}
	var warn bytes.Buffer
	o = networkOptions{network: "host", publish: []string{"80"}}
	if _, err := o.resolve(t.TempDir(), false, &warn); err != nil || !strings.Contains(warn.String(), "Published ports are discarded when using host network mode") {
		t.Errorf("host with -p: %v, warned %q", err, warn.String())
	}
}

// TestDaemonJSON: the engine's configuration turns the default bridge
// off, as dockerd --bridge=none: containers default to none.
func TestDaemonJSON(t *testing.T) {
	f := filepath.Join(t.TempDir(), "daemon.json")
	os.WriteFile(f, []byte(`{"bridge": "none"}`), 0o644)
	t.Setenv("MINIDOCKER_CONFIG", f)
	nm, err := (&networkOptions{}).resolve(t.TempDir(), false, &bytes.Buffer{})
	if err != nil || nm.mode != "none" {
		t.Errorf("with bridge none: %v, %v", nm, err)
	}
	os.WriteFile(f, []byte(`{"bip": "10.1.2.3"}`), 0o644)
	if _, err := (&networkOptions{}).resolve(t.TempDir(), false, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `bip "10.1.2.3": want an address and prefix`) {
		t.Errorf("a bip without a prefix: %v", err)
	}
}
