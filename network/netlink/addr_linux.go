package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Addr is an address on a device, with its prefix length: 10.0.0.2/24.
type Addr struct {
	Index  int
	Prefix netip.Prefix
}

func family(a netip.Addr) uint8 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// ifaddrmsg is struct ifaddrmsg: family, prefix length, flags, scope, index.
func ifaddrmsg(fam uint8, prefixLen, index int) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0] = fam
	b[1] = uint8(prefixLen)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	return b
}

// AddAddr adds an address to a device, as `ip addr add 10.0.0.2/24 dev
// NAME`: the kernel adds the route to the prefix with it.
func (c *Conn) AddAddr(name string, p netip.Prefix) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	a := p.Addr()
	w := builder{b: ifaddrmsg(family(a), p.Bits(), l.Index)}
	w.attr(unix.IFA_LOCAL, a.AsSlice())
	w.attr(unix.IFA_ADDRESS, a.AsSlice())
	if a.Is4() && p.Bits() < 31 {
		w.attr(unix.IFA_BROADCAST, broadcast(p).AsSlice())
	}
	_, err = c.request(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, w.b)
	return wrap("add address "+p.String()+" to "+name, err)
}

// broadcast is the last address of an IPv4 prefix.
func broadcast(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := ^uint32(0) >> p.Bits()
	v := binary.BigEndian.Uint32(b[:]) | host
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// Addrs lists the addresses of every device in the namespace.
func (c *Conn) Addrs() ([]Addr, error) {
	r, err := c.dump(unix.RTM_GETADDR, ifaddrmsg(unix.AF_UNSPEC, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	var out []Addr
	for _, m := range r {
		if len(m) < unix.SizeofIfAddrmsg {
			return nil, errors.New("netlink: short address message")
		}
		as, err := parseAttrs(m[unix.SizeofIfAddrmsg:])
		if err != nil {
			return nil, err
		}
		raw := as[unix.IFA_LOCAL]
		if raw == nil {
			raw = as[unix.IFA_ADDRESS]
		}
		a, ok := netip.AddrFromSlice(raw)
		if !ok {
			continue
		}
		out = append(out, Addr{
			Index:  int(binary.NativeEndian.Uint32(m[4:])),
			Prefix: netip.PrefixFrom(a, int(m[1])),
		})
	}
	return out, nil
}
