package network

import (
	"fmt"
	"net/netip"
	"strings"
)

// bridgeGroup is the interface group of every bridge minidocker makes
// (IFLA_GROUP, `ip link set dev X group 28004`): how one network's rules
// tell traffic from the engine's other networks from the rest.
const bridgeGroup = 0x6d64 // "md"

// tableName is a network's nftables table: one per bridge, so that a
// network's rules come and go as one, and no other program's are touched.
func tableName(bridge string) string { return "minidocker-" + bridge }

// dnat is a published port with the address it goes to.
type dnat struct {
	PortBinding
	To netip.Addr
}

// ruleset is the nft script that makes a network's table what it must
// be: created if missing, then deleted and written whole, in one
// transaction, so no packet ever sees half of it.
func ruleset(n *Network, ports []dnat) string {
	t := tableName(n.Bridge)
	br := fmt.Sprintf("%q", n.Bridge)
	var b strings.Builder
	fmt.Fprintf(&b, "table ip %s\ndelete table ip %s\ntable ip %s {\n", t, t, t)
	// Published ports: packets for an address of the host's, from another
	// machine (prerouting) or from the host itself (output), go to the
	// container. 127.0.0.1 is an address of the host's too: for it, the
	// bridge has route_localnet and postrouting masquerades.
	b.WriteString(`	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local jump published
	}
	chain output {
		type nat hook output priority -100; policy accept;
		fib daddr type local jump published
	}
	chain published {
`)
	for _, p := range ports {
		match := ""
		if p.HostIP.IsValid() {
			match = "ip daddr " + p.HostIP.String() + " "
		}
		fmt.Fprintf(&b, "\t\t%s%s dport %d dnat to %s:%d\n", match, p.Proto, p.HostPort, p.To, p.Port)
	}
	fmt.Fprintf(&b, `	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[1]s oifname != %[2]s masquerade
		oifname %[2]s ip saddr 127.0.0.0/8 masquerade
		oifname %[2]s ip saddr %[1]s ct status dnat masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		oifname %[2]s iifgroup %#[3]x iifname != %[2]s ct status != dnat drop
	}
}
`, n.Subnet, br, bridgeGroup)
	return b.String()
}

// dropTable is the nft script that deletes a network's table, if it is there.
func dropTable(bridge string) string {
	t := tableName(bridge)
	return fmt.Sprintf("table ip %s\ndelete table ip %s\n", t, t)
}

// forwardGuard is the table that keeps a host minidocker turned
// ip_forward on for a router of its bridges only: forwarded packets that
// neither come from nor go to one of them (group 28004) are dropped, as
// docker's FORWARD policy DROP does. It exists while the ip_forward
// memory does (see removeBridge).
var forwardGuard = fmt.Sprintf(`table ip minidocker-forward
delete table ip minidocker-forward
table ip minidocker-forward {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifgroup %#[1]x accept
		oifgroup %#[1]x accept
		drop
	}
}
`, bridgeGroup)

const dropForwardGuard = "table ip minidocker-forward\ndelete table ip minidocker-forward\n"
