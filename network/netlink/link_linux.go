package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// Link is a network device as RTM_GETLINK describes it.
type Link struct {
	Index        int
	Name         string
	Kind         string // "bridge", "veth", ...; "" for a device without an rtnetlink kind (a NIC, lo)
	Up           bool   // IFF_UP: administratively up
	MTU          int
	Master       int    // the index of the bridge it is a port of, 0 for none
	Alias        string // ifalias: free text; minidocker marks what it made with it
	HardwareAddr net.HardwareAddr
}

// vethInfoPeer is VETH_INFO_PEER from <linux/veth.h>: the peer's own
// ifinfomsg and attributes, inside IFLA_INFO_DATA.
const vethInfoPeer = 1

// ifinfomsg is struct ifinfomsg: family, type, index, flags and the mask
// of the flags to change.
func ifinfomsg(index int, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(int32(index)))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// AddBridge creates a bridge device, down, with alias as its ifalias ("" for none).
func (c *Conn) AddBridge(name, alias string) error {
	w := builder{b: ifinfomsg(0, 0, 0)}
	w.str(unix.IFLA_IFNAME, name)
	info := w.nest(unix.IFLA_LINKINFO)
	w.str(unix.IFLA_INFO_KIND, "bridge")
	w.end(info)
	return c.newLink("add bridge "+name, name, alias, w.b)
}

// AddVeth creates a veth pair, both ends in this namespace and down: what
// enters one end leaves the other. alias goes on the first end.
func (c *Conn) AddVeth(name, peer, alias string) error {
	w := builder{b: ifinfomsg(0, 0, 0)}
	w.str(unix.IFLA_IFNAME, name)
	info := w.nest(unix.IFLA_LINKINFO)
	w.str(unix.IFLA_INFO_KIND, "veth")
	data := w.nest(unix.IFLA_INFO_DATA)
	p := w.nest(vethInfoPeer)
	w.b = append(w.b, ifinfomsg(0, 0, 0)...)
	w.str(unix.IFLA_IFNAME, peer)
	w.end(p)
	w.end(data)
	w.end(info)
	return c.newLink("add veth pair "+name+" and "+peer, name, alias, w.b)
}

// AddVethTo creates a veth pair whose second end is made straight in the
// network namespace ns (an open /proc/PID/ns/net), named peer there, down:
// nothing to move after. (A move waits for the kernel's RCU grace period,
// ~10 ms here, holding the rtnl lock; so does a rename-free creation not.)
func (c *Conn) AddVethTo(name, peer string, ns *os.File, alias string) error {
	w := builder{b: ifinfomsg(0, 0, 0)}
	w.str(unix.IFLA_IFNAME, name)
	info := w.nest(unix.IFLA_LINKINFO)
	w.str(unix.IFLA_INFO_KIND, "veth")
	data := w.nest(unix.IFLA_INFO_DATA)
	p := w.nest(vethInfoPeer)
	w.b = append(w.b, ifinfomsg(0, 0, 0)...)
	w.str(unix.IFLA_IFNAME, peer)
	w.u32(unix.IFLA_NET_NS_FD, uint32(ns.Fd()))
	w.end(p)
	w.end(data)
	w.end(info)
	return c.newLink("add veth pair "+name+" and "+peer+" in "+ns.Name(), name, alias, w.b)
}

// newLink creates a device, then sets its alias: the kernel takes
// IFLA_IFALIAS only on a change, not on a creation. If that fails, the
// device goes again.
func (c *Conn) newLink(doing, name, alias string, body []byte) error {
	_, err := c.request(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, body)
	if err != nil || alias == "" {
		return wrap(doing, err)
	}
	if err := c.SetAlias(name, alias); err != nil {
		c.DeleteLink(name)
		return err
	}
	return nil
}

// SetAlias sets a device's ifalias, free text `ip link` shows as "alias".
func (c *Conn) SetAlias(name, alias string) error {
	return c.setLink(name, "set alias of", 0, 0, func(w *builder) {
		w.str(unix.IFLA_IFALIAS, alias)
	})
}

// wrap names what failed; EEXIST and ENODEV become the package's sentinels.
func wrap(doing string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fmt.Errorf("%s: %w (%w)", doing, ErrExists, err)
	case errors.Is(err, unix.ENODEV):
		return fmt.Errorf("%s: %w (%w)", doing, ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// DeleteLink deletes a device; deleting either end of a veth pair deletes
// both, wherever the other end is.
func (c *Conn) DeleteLink(name string) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	_, err = c.request(unix.RTM_DELLINK, 0, ifinfomsg(l.Index, 0, 0))
	return wrap("delete link "+name, err)
}

// SetUp brings a device up (IFF_UP), as `ip link set NAME up`.
func (c *Conn) SetUp(name string) error {
	return c.setLink(name, "bring up", unix.IFF_UP, unix.IFF_UP, nil)
}

// SetMaster makes a device a port of the bridge master.
func (c *Conn) SetMaster(name, master string) error {
	m, err := c.LinkByName(master)
	if err != nil {
		return err
	}
	return c.setLink(name, "attach to "+master, 0, 0, func(w *builder) {
		w.u32(unix.IFLA_MASTER, uint32(m.Index))
	})
}

// SetNetns moves a device into the network namespace ns (an open
// /proc/PID/ns/net). It keeps its name there, and its index if free.
func (c *Conn) SetNetns(name string, ns *os.File) error {
	return c.setLink(name, "move to network namespace", 0, 0, func(w *builder) {
		w.u32(unix.IFLA_NET_NS_FD, uint32(ns.Fd()))
	})
}

// SetName renames a device, which must be down.
func (c *Conn) SetName(name, newName string) error {
	return c.setLink(name, "rename to "+newName, 0, 0, func(w *builder) {
		w.str(unix.IFLA_IFNAME, newName)
	})
}

// SetHardwareAddr sets a device's MAC address.
func (c *Conn) SetHardwareAddr(name string, mac net.HardwareAddr) error {
	return c.setLink(name, "set MAC address "+mac.String(), 0, 0, func(w *builder) {
		w.attr(unix.IFLA_ADDRESS, mac)
	})
}

// SetGroup puts a device in an interface group (IFLA_GROUP), a number
// firewall rules can match (nft's iifgroup, oifgroup).
func (c *Conn) SetGroup(name string, group uint32) error {
	return c.setLink(name, "set group of", 0, 0, func(w *builder) {
		w.u32(unix.IFLA_GROUP, group)
	})
}

// SetHairpin turns hairpin mode on for a bridge port: the bridge may send
// a frame back out of the port it came in by, so a container can reach
// itself through an address the host translates to its own.
func (c *Conn) SetHairpin(name string) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	b := ifinfomsg(l.Index, 0, 0)
	b[0] = unix.AF_BRIDGE // the bridge's own attributes for its port
	w := builder{b: b}
	p := w.nest(unix.IFLA_PROTINFO)
	w.u8(unix.IFLA_BRPORT_MODE, 1)
	w.end(p)
	_, err = c.request(unix.RTM_SETLINK, 0, w.b)
	return wrap("set hairpin mode on "+name, err)
}

func (c *Conn) setLink(name, doing string, flags, change uint32, attrs func(*builder)) error {
	l, err := c.LinkByName(name)
	if err != nil {
		return err
	}
	w := builder{b: ifinfomsg(l.Index, flags, change)}
	if attrs != nil {
		attrs(&w)
	}
	_, err = c.request(unix.RTM_NEWLINK, 0, w.b)
	return wrap(doing+" "+name, err)
}

// LinkByName looks a device up by name; ErrNotFound if there is none.
func (c *Conn) LinkByName(name string) (Link, error) {
	w := builder{b: ifinfomsg(0, 0, 0)}
	w.str(unix.IFLA_IFNAME, name)
	r, err := c.request(unix.RTM_GETLINK, 0, w.b)
	if err != nil {
		return Link{}, wrap("look up link "+name, err)
	}
	if len(r) != 1 {
		return Link{}, fmt.Errorf("look up link %s: %d answers", name, len(r))
	}
	return parseLink(r[0])
}

// Links lists every device in the namespace.
func (c *Conn) Links() ([]Link, error) {
	r, err := c.dump(unix.RTM_GETLINK, ifinfomsg(0, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	links := make([]Link, 0, len(r))
	for _, m := range r {
		l, err := parseLink(m)
		if err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	return links, nil
}

func parseLink(m []byte) (Link, error) {
	if len(m) < unix.SizeofIfInfomsg {
		return Link{}, errors.New("netlink: short link message")
	}
	as, err := parseAttrs(m[unix.SizeofIfInfomsg:])
	if err != nil {
		return Link{}, err
	}
	l := Link{
		Index:  int(int32(binary.NativeEndian.Uint32(m[4:]))),
		Up:     binary.NativeEndian.Uint32(m[8:])&unix.IFF_UP != 0,
		Name:   as.str(unix.IFLA_IFNAME),
		MTU:    int(as.u32(unix.IFLA_MTU)),
		Master: int(as.u32(unix.IFLA_MASTER)),
		Alias:  as.str(unix.IFLA_IFALIAS),
		Kind:   as.nested(unix.IFLA_LINKINFO).str(unix.IFLA_INFO_KIND),
	}
	if mac := as[unix.IFLA_ADDRESS]; len(mac) > 0 {
		l.HardwareAddr = net.HardwareAddr(append([]byte(nil), mac...))
	}
	return l, nil
}
