package network

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// PortBinding is one published port: traffic to HostIP:HostPort on the
// host goes to the container's Port.
type PortBinding struct {
	HostIP   netip.Addr `json:"hostIP,omitzero"` // the zero Addr is every address of the host (0.0.0.0)
	HostPort uint16     `json:"hostPort"`        // 0: one is picked when the container starts
	Port     uint16     `json:"port"`
	Proto    string     `json:"proto"` // tcp or udp
}

// String is how `docker port` prints a binding: 80/tcp -> 0.0.0.0:8080.
func (b PortBinding) String() string {
	ip := "0.0.0.0"
	if b.HostIP.IsValid() {
		ip = b.HostIP.String()
	}
	return fmt.Sprintf("%d/%s -> %s:%d", b.Port, b.Proto, ip, b.HostPort)
}

// ParsePublish parses a -p value, docker's
// [hostIP:][hostPort:]containerPort[/tcp|/udp], where a port may be a
// range (8000-8009) and a missing host port is picked at start.
func ParsePublish(spec string) ([]PortBinding, error) {
	bad := func(why string) error {
		return fmt.Errorf("-p %s: %s (want [hostIP:][hostPort:]containerPort[/tcp|/udp]): %w", spec, why, ErrBadSpec)
	}
	rest, proto, err := splitProto(spec)
	if err != nil {
		return nil, bad(err.Error())
	}
	var ipPart, hostPart, portPart string
	if strings.HasPrefix(rest, "[") {
		return nil, bad("IPv6 host addresses are not supported: minidocker's networks are IPv4")
	}
	parts := strings.Split(rest, ":")
	switch len(parts) {
	case 1:
		portPart = parts[0]
	case 2:
		hostPart, portPart = parts[0], parts[1]
	case 3:
		ipPart, hostPart, portPart = parts[0], parts[1], parts[2]
	default:
		return nil, bad("too many colons")
	}
	var ip netip.Addr
	if ipPart != "" {
		if ip, err = netip.ParseAddr(ipPart); err != nil || !ip.Is4() {
			return nil, bad(fmt.Sprintf("host address %q is not an IPv4 address", ipPart))
		}
		if ip.IsUnspecified() {
			ip = netip.Addr{}
		}
	}
	lo, hi, err := portRange(portPart)
	if err != nil {
		return nil, bad("container port " + err.Error())
	}
	var hlo, hhi uint16
	if hostPart != "" {
		if hlo, hhi, err = portRange(hostPart); err != nil {
			return nil, bad("host port " + err.Error())
		}
		if hhi-hlo != hi-lo {
			return nil, bad("the host and container port ranges differ in size")
		}
	}
	var out []PortBinding
	for i := 0; i <= int(hi-lo); i++ {
		b := PortBinding{HostIP: ip, Port: lo + uint16(i), Proto: proto}
		if hostPart != "" {
			b.HostPort = hlo + uint16(i)
		}
		out = append(out, b)
	}
	return out, nil
}

// ParseExpose parses an --expose value: a port or range, with /tcp or /udp.
func ParseExpose(spec string) ([]PortBinding, error) {
	rest, proto, err := splitProto(spec)
	if err == nil {
		var lo, hi uint16
		if lo, hi, err = portRange(rest); err == nil {
			var out []PortBinding
			for p := int(lo); p <= int(hi); p++ {
				out = append(out, PortBinding{Port: uint16(p), Proto: proto})
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("--expose %s: %v (want PORT[/tcp|/udp] or a range, 8000-8009): %w", spec, err, ErrBadSpec)
}

func splitProto(spec string) (rest, proto string, err error) {
	rest, proto, ok := strings.Cut(spec, "/")
	if !ok {
		return rest, "tcp", nil
	}
	if proto != "tcp" && proto != "udp" {
		return "", "", fmt.Errorf("protocol %q: want tcp or udp", proto)
	}
	return rest, proto, nil
}

func portRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = port(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = port(b); err != nil {
			return 0, 0, err
		}
		if hi < lo {
			return 0, 0, fmt.Errorf("range %s ends before it starts", s)
		}
	}
	return lo, hi, nil
}

func port(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a port number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// PublishAll turns the exposed ports into bindings to host ports picked
// at start, as -P does, leaving out those already published.
func PublishAll(exposed, published []PortBinding) []PortBinding {
	out := published
	for _, e := range exposed {
		dup := false
		for _, p := range published {
			dup = dup || p.Port == e.Port && p.Proto == e.Proto
		}
		if !dup {
			out = append(out, PortBinding{Port: e.Port, Proto: e.Proto})
		}
	}
	return out
}

// sortPorts orders bindings as `docker port` lists them.
func sortPorts(ps []PortBinding) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Port != ps[j].Port {
			return ps[i].Port < ps[j].Port
		}
		if ps[i].Proto != ps[j].Proto {
			return ps[i].Proto < ps[j].Proto
		}
		return ps[i].HostPort < ps[j].HostPort
	})
}

// conflicts reports whether two bindings want the same host port: the
// same protocol and port, on the same address or with either on all.
func conflicts(a, b PortBinding) bool {
	return a.Proto == b.Proto && a.HostPort == b.HostPort && a.HostPort != 0 &&
		(!a.HostIP.IsValid() || !b.HostIP.IsValid() || a.HostIP == b.HostIP)
}
