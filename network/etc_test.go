package network

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHostsContent(t *testing.T) {
	got := string(hostsContent([]string{"db:10.0.0.5"},
		[]hostEntry{{netip.MustParseAddr("172.18.0.2"), []string{"web"}}},
		[]hostEntry{{netip.MustParseAddr("172.18.0.3"), []string{"cache", "redis"}}}))
	want := hostsHeader + "10.0.0.5\tdb\n172.18.0.2\tweb\n172.18.0.3\tcache redis\n"
	if got != want {
		t.Errorf("hosts =\n%s\nwant\n%s", got, want)
	}
}

func TestResolvContent(t *testing.T) {
	host := []byte("# made by systemd\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch example.com\noptions edns0\n")
	if got, want := string(resolvContent(host, nil, false)), "nameserver 10.0.0.1\nsearch example.com\noptions edns0\n"; got != want {
		t.Errorf("resolv.conf =\n%s\nwant\n%s", got, want)
	}
	only := []byte("nameserver 127.0.0.53\n")
	if got, want := string(resolvContent(only, nil, false)), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"; got != want {
		t.Errorf("with only a loopback server, resolv.conf =\n%s\nwant docker's defaults", got)
	}
	if got, want := string(resolvContent(host, []string{"1.1.1.1"}, false)), "nameserver 1.1.1.1\nsearch example.com\noptions edns0\n"; got != want {
		t.Errorf("with --dns, resolv.conf =\n%s\nwant\n%s", got, want)
	}
	if got := string(resolvContent(host, nil, true)); got != string(host) {
		t.Errorf("with the host's network, resolv.conf =\n%s\nwant the host's", got)
	}
}

func TestParseAddHost(t *testing.T) {
	if err := ParseAddHost("db:10.0.0.5"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"db", ":10.0.0.5", "db:nope", "d b:10.0.0.5"} {
		if err := ParseAddHost(bad); err == nil || !strings.Contains(err.Error(), "NAME:IP") {
			t.Errorf("ParseAddHost(%q) = %v", bad, err)
		}
	}
}

// TestWriteInPlace: the file keeps its inode, as a bind mount needs.
func TestWriteInPlace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hosts")
	if err := writeInPlace(p, []byte("a long first content\n")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(p)
	if err := writeInPlace(p, []byte("short\n")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(p)
	b, _ := os.ReadFile(p)
	if !os.SameFile(before, after) || string(b) != "short\n" {
		t.Errorf("rewrite: same file %v, content %q", os.SameFile(before, after), b)
	}
}
