package minidocker

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNetworkOptions(t *testing.T) {
	for _, c := range []struct {
		o       networkOptions
		wantErr string
	}{
		{networkOptions{publish: []string{"80:80/sctp"}}, `-p 80:80/sctp: protocol "sctp"`},
		{networkOptions{expose: []string{"http"}}, `--expose http: "http" is not a port number`},
		{networkOptions{ip: "fd00::2"}, "--ip fd00::2: not an IPv4 address"},
		{networkOptions{addHosts: []string{"db"}}, "--add-host db: want NAME:IP"},
	} {
		_, err := c.o.options(&bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.wantErr)
		}
	}
	o := networkOptions{publish: []string{"8080:80", "127.0.0.1::81"}, expose: []string{"9000-9001/udp"}, publishAll: true, ip: "10.1.0.5"}
	no, err := o.options(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range append(no.Publish, no.Expose...) {
		got = append(got, p.String())
	}
	if want := "80/tcp -> 0.0.0.0:8080 81/tcp -> 127.0.0.1:0 9000/udp -> 0.0.0.0:0 9001/udp -> 0.0.0.0:0"; strings.Join(got, " ") != want || !no.PublishAll || no.IP.String() != "10.1.0.5" {
		t.Errorf("options %+v: %v, want %s", no, got, want)
	}
	var warn bytes.Buffer
	o = networkOptions{network: "host", publish: []string{"80"}}
	if no, err := o.options(&warn); err != nil || len(no.Publish) != 0 || !strings.Contains(warn.String(), "Published ports are discarded when using host network mode") {
		t.Errorf("host with -p: %+v %v, warned %q", no, err, warn.String())
	}
}

// TestDaemonJSON: the engine's network settings come from daemon.json;
// the machine's own root has minidocker0 as its default bridge.
func TestDaemonJSON(t *testing.T) {
	f := filepath.Join(t.TempDir(), "daemon.json")
	t.Setenv("MINIDOCKER_CONFIG", f)
	if cfg, err := networkConfig(builtinRoot); err != nil || cfg.Bridge != "minidocker0" {
		t.Errorf("no daemon.json, the machine's root: %+v, %v", cfg, err)
	}
	if cfg, err := networkConfig(t.TempDir()); err != nil || cfg.Bridge != "" {
		t.Errorf("no daemon.json, another root: %+v, %v", cfg, err)
	}
	os.WriteFile(f, []byte(`{"bridge": "none"}`), 0o644)
	if cfg, err := networkConfig(builtinRoot); err != nil || cfg.Bridge != "none" {
		t.Errorf("with bridge none: %+v, %v", cfg, err)
	}
	os.WriteFile(f, []byte(`{"bip": "10.1.2.3"}`), 0o644)
	if _, err := networkConfig(t.TempDir()); err == nil || !strings.Contains(err.Error(), `bip "10.1.2.3": want an address and prefix`) {
		t.Errorf("a bip without a prefix: %v", err)
	}
}
