package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// contender is one way to unpack (or only decompress) the layer.
type contender struct {
	name string
	peer bool // GNU tar or a decompressor, not minidocker
	run  func(target string) error
	need string // a program that must be on PATH
}

// target is a ratio the issue asks for: slow's median over fast's.
type target struct {
	what       string
	slow, fast string
	want       float64 // slow/fast must be at least this
}

// quantile of sorted samples, by nearest rank.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

func extractReport(cs []contender, samples, cpu map[string][]float64, targets []target, info map[string]string, lf layerFiles) string {
	med := map[string]float64{}
	var b strings.Builder
	size := func(p string) string {
		st, err := os.Stat(p)
		if err != nil {
			return "?"
		}
		return fmt.Sprintf("%.1f MB", float64(st.Size())/1e6)
	}
	fmt.Fprintf(&b, "# Layer extraction: minidocker vs GNU tar\n\n")
	fmt.Fprintf(&b, "Generated layer (bench/layergen.go): tar %s, gzip %s, zstd %s; into a tmpfs, "+
		"contenders interleaved, %d measured runs each after warm-ups.\n\n",
		size(lf.Tar), size(lf.Gzip), size(lf.Zstd), len(samples[cs[0].name]))
	fmt.Fprintf(&b, "| contender | median | p10 | p90 | CPU (user+sys), median |\n|---|---|---|---|---|\n")
	for _, c := range cs {
		s := slices.Clone(samples[c.name])
		slices.Sort(s)
		med[c.name] = quantile(s, 0.5)
		cs := slices.Clone(cpu[c.name])
		slices.Sort(cs)
		fmt.Fprintf(&b, "| %s | %.3f s | %.3f s | %.3f s | %.3f s |\n", c.name, quantile(s, 0.5), quantile(s, 0.1), quantile(s, 0.9), quantile(cs, 0.5))
	}
	fmt.Fprintf(&b, "\nWall-clock time decides the targets; the CPU column (this process's and its children's\n"+
		"rusage around each run) is what a contender costs whatever else the machine was doing.\n")
	fmt.Fprintf(&b, "\n## Targets\n\n| target | ratio | want | |\n|---|---|---|---|\n")
	for _, t := range targets {
		if med[t.slow] == 0 || med[t.fast] == 0 {
			fmt.Fprintf(&b, "| %s | n/a | | SKIP |\n", t.what)
			continue
		}
		r := med[t.slow] / med[t.fast]
		verdict := "PASS"
		if r < t.want {
			verdict = "MISS"
		}
		if t.want < 1 {
			fmt.Fprintf(&b, "| %s | %.2f× %s's time | ≤ %.2f× | %s |\n", t.what, 1/r, t.slow, 1/t.want, verdict)
		} else {
			fmt.Fprintf(&b, "| %s | %.2f× | ≥ %.2f× | %s |\n", t.what, r, t.want, verdict)
		}
	}
	fmt.Fprintf(&b, "\n## Ratios (peer's median over minidocker's: above 1, minidocker is faster)\n\n")
	var mds, peers []string
	for _, c := range cs {
		if c.peer {
			peers = append(peers, c.name)
		} else {
			mds = append(mds, c.name)
		}
	}
	fmt.Fprintf(&b, "| | %s |\n|---|%s\n", strings.Join(peers, " | "), strings.Repeat("---|", len(peers)))
	for _, m := range mds {
		fmt.Fprintf(&b, "| %s |", m)
		for _, p := range peers {
			fmt.Fprintf(&b, " %.2f |", med[p]/med[m])
		}
		fmt.Fprintln(&b)
	}
	fmt.Fprintf(&b, "\n## Machine\n\n")
	keys := make([]string, 0, len(info))
	for k := range info {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "- %s: %s\n", k, info[k])
	}
	return b.String()
}
