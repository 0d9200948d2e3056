package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// svg draws the comparison as horizontal bars: the median, a whisker from
// p10 to p90, minidocker's bars in blue and the peers' in grey.
func (r *report) svg() string {
	const (
		width, left, right = 760, 250, 90
		rowH, top, bottom  = 24, 34, 30
	)
	max := 0.0
	for _, c := range r.cs {
		max = math.Max(max, stats(r.s, c.name).p90)
	}
	step := niceStep(max / 4)
	max = step * math.Ceil(max/step)
	plot := float64(width - left - right)
	x := func(v float64) float64 { return left + v/max*plot }
	height := top + rowH*len(r.cs) + bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s (median, p10–p90; less is better)</text>`+"\n", 8, html.EscapeString(r.title))
	for i, c := range r.cs {
		st := stats(r.s, c.name)
		y := top + i*rowH
		fill := "#a0aec0"
		if !c.peer {
			fill = "#2b6cb0"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+rowH/2+4, html.EscapeString(c.name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y+4, x(st.med)-left, rowH-8, fill)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#1a202c"/>`+"\n", x(st.p10), x(st.p90), y+rowH/2, y+rowH/2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x(math.Max(st.p90, st.med))+6, y+rowH/2+4, r.num(st.med))
	}
	// The axis, ticks at round values, in the report's unit.
	base := top + rowH*len(r.cs) + 4
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#4a5568"/>`+"\n", left, width-right, base, base)
	for v := 0.0; v <= max*1.0001; v += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#4a5568">%s</text>`+"\n", x(v), base+16, strconv.FormatFloat(v*r.scale(), 'f', -1, 64))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#4a5568">%s</text>`+"\n", width-right+24, base+16, r.unit)
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep rounds d up to 1, 2 or 5 times a power of ten.
func niceStep(d float64) float64 {
	if d <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(d)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= d {
			return m * p
		}
	}
	return 10 * p
}
