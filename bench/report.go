package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// target is a ratio an issue asks for: slow's median over fast's.
type target struct {
	what       string
	slow, fast string
	want       float64 // slow/fast must be at least this
}

// report is one comparison: its section of RESULTS.md, its raw samples
// (NAME.json) and its chart (NAME.svg).
type report struct {
	name, title string
	intro       string // what was measured, how
	unit        string // "s" or "ms"
	cs          []contender
	s           samples
	targets     []target
	extra       string // more of the section, after the ratios
	info        map[string]string
}

func (r *report) scale() float64 {
	if r.unit == "ms" {
		return 1000
	}
	return 1
}

func (r *report) num(v float64) string {
	if r.unit == "ms" {
		return fmt.Sprintf("%.1f ms", v*1000)
	}
	return fmt.Sprintf("%.3f s", v)
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n%s\n\n![%s](%s.svg)\n\n", r.title, r.intro, r.title, r.name)
	fmt.Fprintf(&b, "| contender | median | p10 | p90 | CPU (user+sys), median | |\n|---|---|---|---|---|---|\n")
	med := map[string]float64{}
	for _, c := range r.cs {
		st := stats(r.s, c.name)
		med[c.name] = st.med
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(c.name), r.num(st.med), r.num(st.p10), r.num(st.p90), r.num(st.cpu), cell(c.note))
	}
	fmt.Fprintf(&b, "\nWall-clock time decides the targets; the CPU column (this process's and its children's\n"+
		"rusage around each run) is what a contender costs whatever else the machine was doing.\n")
	if len(r.targets) > 0 {
		fmt.Fprintf(&b, "\n### Targets\n\n| target | ratio | want | |\n|---|---|---|---|\n")
	}
	for _, t := range r.targets {
		if med[t.slow] == 0 || med[t.fast] == 0 {
			fmt.Fprintf(&b, "| %s | n/a | | SKIP |\n", cell(t.what))
			continue
		}
		ratio := med[t.slow] / med[t.fast]
		verdict := "PASS"
		if ratio < t.want {
			verdict = "MISS"
		}
		if t.want < 1 {
			fmt.Fprintf(&b, "| %s | %.2f× %s's time | ≤ %.2f× | %s |\n", cell(t.what), 1/ratio, cell(t.slow), 1/t.want, verdict)
		} else {
			fmt.Fprintf(&b, "| %s | %.2f× | ≥ %.2f× | %s |\n", cell(t.what), ratio, t.want, verdict)
		}
	}
	var mds, peers []string
	for _, c := range r.cs {
		if c.peer {
			peers = append(peers, c.name)
		} else {
			mds = append(mds, c.name)
		}
	}
	peerNames := slices.Clone(peers)
	if len(mds) > 0 && len(peers) > 0 {
		fmt.Fprintf(&b, "\n### Ratios (peer's median over minidocker's: above 1, minidocker is faster)\n\n")
		for i := range peers {
			peers[i] = cell(peers[i])
		}
		fmt.Fprintf(&b, "| | %s |\n|---|%s\n", strings.Join(peers, " | "), strings.Repeat("---|", len(peers)))
		for _, m := range mds {
			fmt.Fprintf(&b, "| %s |", cell(m))
			for _, p := range peerNames {
				fmt.Fprintf(&b, " %.2f |", med[p]/med[m])
			}
			fmt.Fprintln(&b)
		}
	}
	if r.extra != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(r.extra))
	}
	fmt.Fprintf(&b, "\n### Machine\n\n")
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.info {
			if !yield(k) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "- %s: %s\n", k, r.info[k])
	}
	return b.String()
}

// cell makes s safe in a Markdown table: a | would end the cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// write prints the section and writes it, its samples and its chart to
// outDir, then RESULTS.md from every section there.
func (r *report) write(outDir string) error {
	md := r.markdown()
	fmt.Print(md)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(map[string]any{"machine": r.info, "samples_seconds": r.s.wall, "cpu_seconds": r.s.cpu}, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		r.name + ".md":   []byte(md),
		r.name + ".json": append(raw, '\n'),
		r.name + ".svg":  []byte(r.svg()),
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(outDir, f), b, 0o644); err != nil {
			return err
		}
	}
	return writeIndex(outDir)
}

// sections are the comparisons in the order RESULTS.md shows them.
var sections = []string{"extract", "pull", "startup", "layers", "scaling", "monitor"}

// writeIndex writes RESULTS.md: every comparison's latest section. Each
// comparison runs on its own (go run ./bench startup), so the file keeps
// the others' last figures.
func writeIndex(outDir string) error {
	var b strings.Builder
	b.WriteString("# minidocker benchmarks\n\nWritten by `go run ./bench` (`make bench`); each section by its own comparison, " +
		"with its raw samples in NAME.json beside this file.\n\n")
	for _, s := range sections {
		md, err := os.ReadFile(filepath.Join(outDir, s+".md"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		b.Write(md)
		b.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(outDir, "RESULTS.md"), []byte(b.String()), 0o644)
}
