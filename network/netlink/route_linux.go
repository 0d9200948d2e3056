package netlink

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Route is an IPv4 or IPv6 route in the main table: to Dst (the zero
// prefix for the default route) via Gateway (none for a directly
// connected prefix) out of device Index.
type Route struct {
	Dst     netip.Prefix
	Gateway netip.Addr
	Index   int
}

// rtmsg is struct rtmsg: family, destination prefix length, table,
// protocol, scope and type.
func rtmsg(fam uint8, dstLen int, protocol, scope, typ uint8) []byte {
	b := make([]byte, unix.SizeofRtMsg)
	b[0] = fam
	b[1] = uint8(dstLen)
	b[4] = unix.RT_TABLE_MAIN
	b[5] = protocol
	b[6] = scope
	b[7] = typ
	return b
}

// AddDefaultRoute adds `default via GATEWAY dev NAME`.
func (c *Conn) AddDefaultRoute(name string, gateway netip.Addr) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	w := builder{b: rtmsg(family(gateway), 0, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST)}
	w.attr(unix.RTA_GATEWAY, gateway.AsSlice())
	w.u32(unix.RTA_OIF, uint32(l.Index))
	_, err = c.request(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, w.b)
	return wrap("add default route via "+gateway.String()+" dev "+name, err)
}

// Routes lists the IPv4 routes of the main table.
func (c *Conn) Routes() ([]Route, error) {
	r, err := c.dump(unix.RTM_GETROUTE, rtmsg(unix.AF_INET, 0, 0, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	var out []Route
	for _, m := range r {
		if len(m) < unix.SizeofRtMsg {
			return nil, errors.New("netlink: short route message")
		}
		as, err := parseAttrs(m[unix.SizeofRtMsg:])
		if err != nil {
			return nil, err
		}
		table := uint32(m[4])
		if t := as.u32(unix.RTA_TABLE); t != 0 {
			table = t
		}
		if table != unix.RT_TABLE_MAIN {
			continue
		}
		rt := Route{Index: int(as.u32(unix.RTA_OIF))}
		dst, _ := netip.AddrFromSlice(as[unix.RTA_DST])
		if !dst.IsValid() {
			dst = netip.IPv4Unspecified()
		}
		rt.Dst = netip.PrefixFrom(dst, int(m[1]))
		rt.Gateway, _ = netip.AddrFromSlice(as[unix.RTA_GATEWAY])
		out = append(out, rt)
	}
	return out, nil
}
