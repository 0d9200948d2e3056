package minidocker

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

// psRow is one line of docker ps, with docker's field names for --format.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, Status, Size, Names, Labels, Mounts, Networks, State string
}

const defaultPsTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

var psHeaders = psRow{ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED",
	Ports: "PORTS", Status: "STATUS", Size: "SIZE", Names: "NAMES", Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS", State: "STATE"}

// psOptions are docker ps' flags, here and through a daemon.
type psOptions struct {
	all, quiet, noTrunc bool
	format              string
}

func (o *psOptions) flags(fs *flagSet) {
	fs.Bool(&o.all, "all", "a", "Show all containers (default shows just running)")
	fs.String(&o.format, "format", "", "string", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	fs.Bool(&o.noTrunc, "no-trunc", "", "Don't truncate output")
	fs.Bool(&o.quiet, "quiet", "q", "Only display container IDs")
}

// write prints the rows: docker's table, IDs only for -q, or --format.
func (o *psOptions) write(w io.Writer, rows []psRow) error {
	format := o.format
	if o.quiet && format == "" {
		format = "{{.ID}}"
	}
	return writeTable(w, format, defaultPsTable, psHeaders, rows)
}

func psCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("ps", "[OPTIONS]")
	var o psOptions
	o.flags(cmd.fs)
	if _, code, done := cmd.parse(args, 0, stdout, stderr); done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	list, err := e.List()
	if err != nil {
		return fail(stderr, err)
	}
	now := time.Now()
	sandboxes := map[string]*network.Sandbox{}
	if slices.ContainsFunc(list, func(c *engine.Container) bool { return c.NetworkMode != "" && (o.all || c.Running()) }) {
		if m, err := e.Networks(); err == nil {
			sbs, _ := m.Sandboxes()
			for _, sb := range sbs {
				sandboxes[sb.ContainerID] = sb
			}
		}
	}
	var rows []psRow
	// Newest first, as docker lists them.
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		if !o.all && !c.Running() {
			continue
		}
		r := newPsRow(c, now, !o.noTrunc)
		r.Ports, r.Networks = psNetwork(c, sandboxes[c.ID])
		rows = append(rows, r)
	}
	if err := o.write(stdout, rows); err != nil {
		return fail(stderr, err)
	}
	return 0
}

func newPsRow(c *engine.Container, now time.Time, trunc bool) psRow {
	r := psRow{ID: c.ID, Image: c.Image, Names: c.Name, State: string(c.State.Status),
		CreatedAt:  c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: engine.HumanDuration(now.Sub(c.Created)) + " ago", Status: c.StatusText(now)}
	var mounts []string
	for _, m := range c.Mounts {
		if m.Type == "volume" {
			mounts = append(mounts, m.Name)
		}
	}
	r.Mounts = strings.Join(mounts, ",")
	// As dockerd lists it: an argument with a space in single quotes.
	cmd := c.Path
	for _, a := range c.Args {
		if strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		cmd += " " + a
	}
	if trunc {
		r.ID = c.ID[:12]
		if len([]rune(cmd)) > 20 {
			cmd = string([]rune(cmd)[:19]) + "…"
		}
	}
	r.Command = strconv.Quote(cmd)
	return r
}

// writeTable is docker's --format: "" or "table" for def, "table
// TEMPLATE" (with a header line), "json" (one object a line) or a bare
// Go template.
func writeTable[T any](w io.Writer, format, def string, headers T, rows []T) error {
	switch {
	case format == "" || format == "table":
		format = def
	case format == "json":
		enc := json.NewEncoder(w)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	table := strings.HasPrefix(format, "table ")
	format = strings.TrimPrefix(format, "table ")
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	t, err := template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format: %w", err)
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	if table {
		if err := t.Execute(tw, headers); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(tw)
	}
	for _, r := range rows {
		if err := t.Execute(tw, r); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// writeTop prints docker top's columns: ps -ef's.
func writeTop(w io.Writer, procs []engine.Process) {
	tw := tabwriter.NewWriter(w, 1, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD")
	for _, p := range procs {
		name := strconv.Itoa(p.UID)
		if u, err := user.LookupId(name); err == nil {
			name = u.Username
		}
		cpu := int(p.CPU.Seconds())
		fmt.Fprintf(tw, "%s\t%d\t%d\t0\t%s\t%s\t%02d:%02d:%02d\t%s\n", name, p.PID, p.PPID,
			p.Start.Format("15:04"), p.TTY, cpu/3600, cpu/60%60, cpu%60, p.Cmd)
	}
	tw.Flush()
}

// psNetwork is docker ps's PORTS and NETWORKS columns: the published
// ports while the container runs (0.0.0.0:8080->80/tcp), the exposed ones
// alone (80/tcp), and the names of its networks.
func psNetwork(c *engine.Container, sb *network.Sandbox) (ports, networks string) {
	var ps, ns []string
	published := map[string]bool{}
	if sb != nil && c.Running() {
		for _, p := range sb.Ports {
			ip := "0.0.0.0"
			if p.HostIP.IsValid() {
				ip = p.HostIP.String()
			}
			ps = append(ps, fmt.Sprintf("%s:%d->%d/%s", ip, p.HostPort, p.Port, p.Proto))
			published[fmt.Sprintf("%d/%s", p.Port, p.Proto)] = true
		}
	}
	for _, p := range c.ExposedPorts {
		if k := fmt.Sprintf("%d/%s", p.Port, p.Proto); !published[k] && !slices.Contains(ps, k) {
			ps = append(ps, k)
		}
	}
	switch {
	case sb != nil:
		for _, ep := range sb.Endpoints {
			ns = append(ns, ep.NetworkName)
		}
	case c.NetworkMode != "":
		ns = []string{c.NetworkMode}
	}
	return strings.Join(ps, ", "), strings.Join(ns, ",")
}
