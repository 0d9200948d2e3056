package netlink

import (
	"bytes"
	"testing"
)

func TestBuilderAttrs(t *testing.T) {
	var w builder
	w.str(3, "br0") // IFLA_IFNAME
	at := w.nest(18)
	w.str(1, "veth")
	w.end(at)
	w.u32(4, 1500)
	// "br0\0" is 4 bytes: no padding. The nest holds "veth\0" padded to 8.
	want := []byte{
		8, 0, 3, 0, 'b', 'r', '0', 0,
		16, 0, 18, 0x80, // 18 with NLA_F_NESTED, little endian
		9, 0, 1, 0, 'v', 'e', 't', 'h', 0, 0, 0, 0,
		8, 0, 4, 0, 0xdc, 0x05, 0, 0,
	}
	if !bytes.Equal(w.b, want) {
		t.Fatalf("encoded\n%v\nwant\n%v", w.b, want)
	}
	as, err := parseAttrs(w.b)
	if err != nil {
		t.Fatal(err)
	}
	if got := as.str(3); got != "br0" {
		t.Errorf("name %q, want br0", got)
	}
	if got := as.nested(18).str(1); got != "veth" {
		t.Errorf("nested kind %q, want veth", got)
	}
	if got := as.u32(4); got != 1500 {
		t.Errorf("mtu %d, want 1500", got)
	}
}

func TestParseAttrsRefusesTruncated(t *testing.T) {
	// A length past the end of the buffer.
	if _, err := parseAttrs([]byte{12, 0, 3, 0, 'x', 0, 0, 0}); err == nil {
		t.Fatal("parsed an attribute longer than its buffer")
	}
	// A length below the header's own 4 bytes.
	if _, err := parseAttrs([]byte{2, 0, 3, 0}); err == nil {
		t.Fatal("parsed an attribute shorter than its header")
	}
}
