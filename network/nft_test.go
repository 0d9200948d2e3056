package network

import (
	"net/netip"
	"testing"
)

func TestRuleset(t *testing.T) {
	n := &Network{Bridge: "md0", Subnet: netip.MustParsePrefix("172.18.0.0/16")}
	got := ruleset(n, []dnat{
		{PortBinding{HostPort: 8080, Port: 80, Proto: "tcp"}, netip.MustParseAddr("172.18.0.2")},
		{PortBinding{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 5353, Port: 53, Proto: "udp"}, netip.MustParseAddr("172.18.0.3")},
	})
	want := `table ip minidocker-md0
delete table ip minidocker-md0
table ip minidocker-md0 {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local jump published
	}
	chain output {
		type nat hook output priority -100; policy accept;
		fib daddr type local jump published
	}
	chain published {
		tcp dport 8080 dnat to 172.18.0.2:80
		ip daddr 127.0.0.1 udp dport 5353 dnat to 172.18.0.3:53
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 172.18.0.0/16 oifname != "md0" masquerade
		oifname "md0" ip saddr 127.0.0.0/8 masquerade
		oifname "md0" ip saddr 172.18.0.0/16 ct status dnat masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		oifname "md0" iifgroup 0x6d64 iifname != "md0" ct status != dnat drop
	}
}
`
	if got != want {
		t.Errorf("ruleset:\n%s\nwant:\n%s", got, want)
	}
	if got, want := dropTable("md0"), "table ip minidocker-md0\ndelete table ip minidocker-md0\n"; got != want {
		t.Errorf("dropTable = %q", got)
	}
}
