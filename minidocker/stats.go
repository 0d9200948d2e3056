package minidocker

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/minidocker/minidocker/cgroup"
)

const statsUsage = `Usage:  minidocker stats [OPTIONS] [CONTAINER...]

Display a live stream of container(s) resource usage statistics

The running containers are the cgroups under /minidocker in the cgroup2
mount, named by their ID, and named as the container store names them.

Options:
%s`

// statsCommand is `docker stats`: one line per running container, redrawn
// every second, or printed once with --no-stream.
func statsCommand(args []string, stdout, stderr io.Writer) int {
	var noStream, noTrunc bool
	var format string
	fs := &flagSet{cmd: "stats"}
	fs.String(&format, "format", "", "string", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	fs.Bool(&noStream, "no-stream", "", "Disable streaming stats and only pull the first result")
	fs.Bool(&noTrunc, "no-trunc", "", "Do not truncate output")
	var storage storageOptions
	storage.rootFlag(fs)
	names, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, statsUsage, fs.Usage())
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker stats --help')", err))
	}
	out, err := newStatsFormat(format, noTrunc)
	if err != nil {
		return fail(stderr, err)
	}
	host, err := cgroup.Detect()
	if err != nil {
		return fail(stderr, fmt.Errorf("stats: %w", err))
	}
	// The store names the containers; a name given is found there.
	nameOf := map[string]string{}
	if e, err := storage.open(stderr); err == nil {
		if list, err := e.List(); err == nil {
			for _, c := range list {
				nameOf[c.ID] = c.Name
			}
		}
		for i, n := range names {
			if c, err := e.Get(n); err == nil && c.Name == n {
				names[i] = c.ID // an ID (or its prefix) is found among the cgroups
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out.names = nameOf
	if err := streamStats(ctx, host, names, out, !noStream, statsInterval, stdout); err != nil {
		if errors.Is(err, errNoSuchContainer) {
			fmt.Fprintf(stderr, "minidocker: %v\n", err)
			return 1 // docker's code for a missing container
		}
		return fail(stderr, err)
	}
	return 0
}

var errNoSuchContainer = errors.New("No such container")

// streamStats prints a frame every interval, until ctx ends, or one frame
// if !stream. CPU % is usage over an interval: the first frame waits one.
func streamStats(ctx context.Context, host *cgroup.Host, names []string, out *statsFormat, stream bool, interval time.Duration, stdout io.Writer) error {
	prev := map[string]sample{}
	for {
		cgs, err := containers(host, names)
		if err != nil {
			return err
		}
		for _, cg := range cgs {
			if _, ok := prev[cg.Path()]; !ok {
				prev[cg.Path()] = takeSample(cg)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
		var rows []statsRow
		for _, cg := range cgs {
			s := takeSample(cg)
			if s.err != nil {
				continue // the container exited meanwhile
			}
			r := newStatsRow(cg, prev[cg.Path()], s)
			if name, ok := out.names[r.ID]; ok {
				r.Name = name
			}
			rows = append(rows, r)
			prev[cg.Path()] = s
		}
		if stream {
			fmt.Fprint(stdout, "\033[2J\033[H") // clear the screen, as docker does
		}
		if err := out.write(stdout, rows); err != nil {
			return err
		}
		if !stream {
			return nil
		}
	}
}

const statsInterval = time.Second

// isID reports whether s is a container ID: 64 hex digits.
func isID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// containers are the cgroups of running containers under /minidocker,
// all of them or those named (by a prefix of their ID).
func containers(h *cgroup.Host, names []string) ([]*cgroup.Cgroup, error) {
	all, err := cgroup.List(h, cgroup.DefaultParent)
	if err != nil {
		return nil, err
	}
	var running []*cgroup.Cgroup
	for _, cg := range all {
		if populated, _ := cg.Populated(); populated && isID(path.Base(cg.Path())) {
			running = append(running, cg)
		}
	}
	if len(names) == 0 {
		return running, nil
	}
	var out []*cgroup.Cgroup
	for _, n := range names {
		var match []*cgroup.Cgroup
		for _, cg := range running {
			if strings.HasPrefix(path.Base(cg.Path()), n) {
				match = append(match, cg)
			}
		}
		switch {
		case len(match) == 0 || n == "":
			return nil, fmt.Errorf("%w: %s", errNoSuchContainer, n)
		case len(match) > 1:
			return nil, fmt.Errorf("multiple containers match %q: give more of the ID", n)
		}
		out = append(out, match[0])
	}
	return out, nil
}

type sample struct {
	at    time.Time
	stats *cgroup.Stats
	rx    uint64
	tx    uint64
	pids  uint64
	err   error
}

func takeSample(cg *cgroup.Cgroup) sample {
	s := sample{at: time.Now()}
	if s.stats, s.err = cg.Stats(); s.err != nil {
		return s
	}
	procs, _ := cg.Procs()
	if len(procs) > 0 {
		s.rx, s.tx = netIO(procs[0])
	}
	if s.stats.Pids != nil {
		s.pids = s.stats.Pids.Current
	} else {
		// No pids controller (a hybrid host): count the tasks ourselves.
		threads, _ := os.ReadFile(cg.Dir() + "/cgroup.threads")
		s.pids = uint64(len(strings.Fields(string(threads))))
	}
	return s
}

// netIO sums the bytes received and sent on the interfaces of the network
// namespace pid is in, loopback excepted, as docker does.
func netIO(pid int) (rx, tx uint64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, counters, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(counters)
		if !ok || strings.TrimSpace(name) == "lo" || len(fields) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(fields[0], 10, 64)
		t, _ := strconv.ParseUint(fields[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}

// statsRow is one line of `docker stats`, with its field names, for
// --format templates.
type statsRow struct {
	ID, Container, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

func newStatsRow(cg *cgroup.Cgroup, prev, cur sample) statsRow {
	id := path.Base(cg.Path())
	r := statsRow{ID: id, Container: id, Name: "--", CPUPerc: "0.00%", MemUsage: "-- / --", MemPerc: "--"}
	if dt := cur.at.Sub(prev.at); dt > 0 && cur.stats.CPU.UsageUsec >= prev.stats.CPU.UsageUsec {
		used := time.Duration(cur.stats.CPU.UsageUsec-prev.stats.CPU.UsageUsec) * time.Microsecond
		r.CPUPerc = fmt.Sprintf("%.2f%%", 100*float64(used)/float64(dt))
	}
	if m := cur.stats.Memory; m != nil {
		// docker's "usage": memory.current less the inactive page cache.
		usage := m.Current
		if inactive := m.Stat["inactive_file"]; inactive < usage {
			usage -= inactive
		}
		limit := m.Max
		if limit == math.MaxUint64 {
			limit = hostMemory()
		}
		r.MemUsage = bytesSize(usage) + " / " + bytesSize(limit)
		if limit > 0 {
			r.MemPerc = fmt.Sprintf("%.2f%%", 100*float64(usage)/float64(limit))
		}
	}
	r.NetIO = humanSize(cur.rx) + " / " + humanSize(cur.tx)
	var rd, wr uint64
	for _, d := range cur.stats.IO {
		rd, wr = rd+d.ReadBytes, wr+d.WriteBytes
	}
	r.BlockIO = humanSize(rd) + " / " + humanSize(wr)
	r.PIDs = strconv.FormatUint(cur.pids, 10)
	return r
}

func hostMemory() uint64 {
	data, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// bytesSize and humanSize are go-units' BytesSize (binary, "1.5MiB") and
// HumanSizeWithPrecision(n, 3) (decimal, "1.2kB"), the units docker prints.
func bytesSize(n uint64) string {
	return unitSize(float64(n), 1024, []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}, "%.4g%s")
}

func humanSize(n uint64) string {
	return unitSize(float64(n), 1000, []string{"B", "kB", "MB", "GB", "TB", "PB"}, "%.3g%s")
}

func unitSize(size, base float64, units []string, format string) string {
	i := 0
	for size >= base && i < len(units)-1 {
		size /= base
		i++
	}
	return fmt.Sprintf(format, size, units[i])
}

// statsFormat is --format: docker's table by default, "json", a Go
// template, or "table TEMPLATE" (a template with a header line).
type statsFormat struct {
	names map[string]string // container ID -> name, from the store
	tmpl  *template.Template
	table bool
	json  bool
	trunc bool
}

const defaultStatsTable = "{{.Container}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

var statsHeaders = statsRow{ID: "ID", Container: "CONTAINER ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT",
	MemPerc: "MEM %", NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS"}

func newStatsFormat(f string, noTrunc bool) (*statsFormat, error) {
	sf := &statsFormat{trunc: !noTrunc}
	switch {
	case f == "" || f == "table":
		sf.table, f = true, defaultStatsTable
	case f == "json":
		sf.json = true
		return sf, nil
	case strings.HasPrefix(f, "table "):
		sf.table, f = true, strings.TrimPrefix(f, "table ")
	}
	f = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(f)
	t, err := template.New("stats").Option("missingkey=error").Parse(f)
	if err != nil {
		return nil, fmt.Errorf("invalid --format: %w", err)
	}
	sf.tmpl = t
	return sf, nil
}

func (sf *statsFormat) write(w io.Writer, rows []statsRow) error {
	if sf.json {
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	if sf.table {
		if err := sf.tmpl.Execute(tw, statsHeaders); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(tw)
	}
	for _, r := range rows {
		if sf.trunc {
			r.Container, r.ID = r.Container[:12], r.ID[:12]
		}
		if err := sf.tmpl.Execute(tw, r); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
