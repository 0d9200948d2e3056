package main

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{0.24, 0.5}, {0.2, 0.2}, {0.0031, 0.005}, {7, 10}, {12, 20}, {0, 1},
	} {
		if got := niceStep(c.in); got < c.want*0.9999 || got > c.want*1.0001 {
			t.Errorf("niceStep(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// The chart is well-formed XML with a bar and a label per contender.
func TestSVG(t *testing.T) {
	r := &report{name: "x", title: "A & B", unit: "ms",
		cs: []contender{{name: "minidocker"}, {name: "runc <peer>", peer: true}},
		s:  samples{wall: map[string][]float64{"minidocker": {0.010, 0.012}, "runc <peer>": {0.020, 0.030}}}}
	out := r.svg()
	d := xml.NewDecoder(strings.NewReader(out))
	rects, texts := 0, []string{}
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not XML: %v\n%s", err, out)
			}
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == "rect" {
				rects++
			}
		case xml.CharData:
			texts = append(texts, string(e))
		}
	}
	if rects != 3 { // the background and two bars
		t.Errorf("%d rects, want 3", rects)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"A & B", "runc <peer>", "minidocker", "12.0 ms", "30.0 ms", "|ms"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks %q: %s", want, all)
		}
	}
}

// A | in a contender's name does not break the Markdown table.
func TestMarkdownCells(t *testing.T) {
	r := &report{name: "x", title: "T", unit: "s",
		cs: []contender{{name: "minidocker"}, {name: "floor: a | b", peer: true}},
		s:  samples{wall: map[string][]float64{"minidocker": {1}, "floor: a | b": {2}}}}
	md := r.markdown()
	if !strings.Contains(md, "| floor: a \\| b | 2.000 s |") || !strings.Contains(md, "| minidocker | 2.00 |") {
		t.Errorf("table:\n%s", md)
	}
}
