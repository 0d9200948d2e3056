package netlink

import (
	"encoding/binary"
	"errors"
)

// nlaFNested marks a nested attribute (NLA_F_NESTED); newer kernels
// insist on it for some attributes and never mind it elsewhere.
const nlaFNested = 0x8000

// builder appends a message body: a fixed struct, then attributes.
type builder struct{ b []byte }

func align4(n int) int { return (n + 3) &^ 3 }

// attr appends one attribute: length (header included, padding not),
// type, value, padding to 4 bytes.
func (w *builder) attr(typ uint16, value []byte) {
	n := 4 + len(value)
	w.b = binary.NativeEndian.AppendUint16(w.b, uint16(n))
	w.b = binary.NativeEndian.AppendUint16(w.b, typ)
	w.b = append(w.b, value...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *builder) str(typ uint16, s string) { w.attr(typ, append([]byte(s), 0)) }
func (w *builder) u32(typ uint16, v uint32) { w.attr(typ, binary.NativeEndian.AppendUint32(nil, v)) }
func (w *builder) u8(typ uint16, v uint8)   { w.attr(typ, []byte{v}) }

// nest starts a nested attribute; end fills in its length.
func (w *builder) nest(typ uint16) int {
	at := len(w.b)
	w.attr(typ|nlaFNested, nil)
	return at
}

func (w *builder) end(at int) {
	binary.NativeEndian.PutUint16(w.b[at:], uint16(len(w.b)-at))
}

// attrs are parsed attributes by type (the last of a type wins; the
// nested flag and the byte-order flag are masked off).
type attrs map[uint16][]byte

var errShort = errors.New("netlink: truncated attribute")

func parseAttrs(b []byte) (attrs, error) {
	as := attrs{}
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:]) & 0x3fff
		if n < 4 || n > len(b) {
			return nil, errShort
		}
		as[typ] = b[4:n]
		if align4(n) >= len(b) {
			break
		}
		b = b[align4(n):]
	}
	return as, nil
}

func (as attrs) str(typ uint16) string {
	v := as[typ]
	for len(v) > 0 && v[len(v)-1] == 0 {
		v = v[:len(v)-1]
	}
	return string(v)
}

func (as attrs) u32(typ uint16) uint32 {
	if v := as[typ]; len(v) >= 4 {
		return binary.NativeEndian.Uint32(v)
	}
	return 0
}

// nested parses the attribute typ as attributes itself; none if absent.
func (as attrs) nested(typ uint16) attrs {
	sub, err := parseAttrs(as[typ])
	if err != nil {
		return attrs{}
	}
	return sub
}
