package whiteout

import "testing"

func TestParse(t *testing.T) {
	for _, c := range []struct {
		base   string
		kind   Kind
		target string
		bad    bool
	}{
		{base: "file"},
		{base: ".whatever"},
		{base: ".wh.file", kind: Remove, target: "file"},
		{base: ".wh..hidden", kind: Remove, target: ".hidden"},
		{base: ".wh..wh..opq", kind: OpaqueDir},
		{base: ".wh..wh.plnk", bad: true},
		{base: ".wh.", bad: true},
		{base: ".wh..", bad: true},
		{base: ".wh...", bad: true},
	} {
		kind, target, err := Parse(c.base)
		if (err != nil) != c.bad || kind != c.kind || target != c.target {
			t.Errorf("Parse(%q) = %v, %q, %v; want %v, %q, error %v", c.base, kind, target, err, c.kind, c.target, c.bad)
		}
	}
	if got := Name("file"); got != ".wh.file" {
		t.Errorf("Name(file) = %q", got)
	}
}
