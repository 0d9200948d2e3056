package network

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParsePublish(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"8080:80", "80/tcp -> 0.0.0.0:8080"},
		{"127.0.0.1:8080:80", "80/tcp -> 127.0.0.1:8080"},
		{"0.0.0.0:8080:80/udp", "80/udp -> 0.0.0.0:8080"},
		{"80", "80/tcp -> 0.0.0.0:0"},
		{"127.0.0.1::80", "80/tcp -> 127.0.0.1:0"},
		{"8000-8001:80-81", "80/tcp -> 0.0.0.0:8000, 81/tcp -> 0.0.0.0:8001"},
	} {
		bs, err := ParsePublish(c.spec)
		if err != nil {
			t.Errorf("ParsePublish(%q): %v", c.spec, err)
			continue
		}
		var got []string
		for _, b := range bs {
			got = append(got, b.String())
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("ParsePublish(%q) = %s, want %s", c.spec, strings.Join(got, ", "), c.want)
		}
	}
}

func TestParsePublishRefuses(t *testing.T) {
	for _, c := range []struct{ spec, why string }{
		{"8080:80/sctp", `protocol "sctp"`},
		{"8080:0", `container port "0" is not a port number`},
		{"70000:80", `host port "70000" is not a port number`},
		{"8000-8002:80-81", "ranges differ in size"},
		{"[::1]:8080:80", "IPv6"},
		{"localhost:8080:80", `"localhost" is not an IPv4 address`},
		{"1:2:3:4", "too many colons"},
		{"", `"" is not a port number`},
	} {
		_, err := ParsePublish(c.spec)
		if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), c.why) || !strings.HasPrefix(err.Error(), "-p "+c.spec+":") {
			t.Errorf("ParsePublish(%q) = %v, want an error naming %q", c.spec, err, c.why)
		}
	}
}

func TestPublishAll(t *testing.T) {
	exposed, err := ParseExpose("80-81")
	if err != nil {
		t.Fatal(err)
	}
	udp, _ := ParseExpose("53/udp")
	published, _ := ParsePublish("8080:80")
	got := PublishAll(append(exposed, udp...), published)
	var s []string
	for _, b := range got {
		s = append(s, b.String())
	}
	if want := "80/tcp -> 0.0.0.0:8080 81/tcp -> 0.0.0.0:0 53/udp -> 0.0.0.0:0"; strings.Join(s, " ") != want {
		t.Errorf("PublishAll = %v, want %s", s, want)
	}
	if _, err := ParseExpose("80/icmp"); !errors.Is(err, ErrBadSpec) {
		t.Errorf("ParseExpose(80/icmp) = %v", err)
	}
}

func TestConflicts(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	other := netip.MustParseAddr("127.0.0.2")
	all := PortBinding{HostPort: 8080, Port: 80, Proto: "tcp"}
	for _, c := range []struct {
		a, b PortBinding
		want bool
	}{
		{all, all, true},
		{all, PortBinding{HostIP: lo, HostPort: 8080, Proto: "tcp"}, true},
		{PortBinding{HostIP: lo, HostPort: 8080, Proto: "tcp"}, PortBinding{HostIP: other, HostPort: 8080, Proto: "tcp"}, false},
		{all, PortBinding{HostPort: 8080, Proto: "udp"}, false},
		{all, PortBinding{HostPort: 8081, Proto: "tcp"}, false},
	} {
		if got := conflicts(c.a, c.b); got != c.want {
			t.Errorf("conflicts(%v, %v) = %v", c.a, c.b, got)
		}
	}
}
