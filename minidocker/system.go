package minidocker

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/minidocker/minidocker/images"
)

const systemUsage = `Usage:  minidocker system COMMAND

Manage minidocker

Commands:
  df          Show minidocker disk usage
  prune       Remove unused data
`

// systemCommand is docker system: df and prune.
func systemCommand(g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" {
		fmt.Fprint(stdout, systemUsage)
		if len(args) == 0 {
			return ExitEngine
		}
		return 0
	}
	switch args[0] {
	case "df":
		return systemDF(args[1:], stdout, stderr)
	case "prune":
		return systemPrune(args[1:], stdin, stdout, stderr)
	}
	return fail(stderr, fmt.Errorf("%q is not a minidocker system command (see 'minidocker system --help')", args[0]))
}

// dfRow is a line of docker system df.
type dfRow struct {
	Type, TotalCount, Active, Size, Reclaimable string
}

func systemDF(args []string, stdout, stderr io.Writer) int {
	var format string
	c := newCtrCommand("system df", "[OPTIONS]")
	c.fs.String(&format, "format", "", "string", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	if _, code, done := c.parse(args, 0, stdout, stderr); done {
		return code
	}
	e, code, ok := c.open(stderr)
	if !ok {
		return code
	}
	ctx := context.Background()
	cs, vs, err := e.DiskUsage(ctx)
	if err != nil {
		return failed(stderr, err)
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	imgs, err := s.List(ctx)
	if err != nil {
		return failed(stderr, err)
	}
	// An image listed under several names is one image.
	var is, cu, vu dfUsage
	seen := map[string]bool{}
	for _, img := range imgs {
		id := img.ID().String()
		if seen[id] {
			continue
		}
		seen[id] = true
		users, _ := e.ContainersUsing(id)
		is.add(img.Size, len(users) > 0)
	}
	for _, c := range cs {
		cu.add(c.Size, c.Running)
	}
	for _, v := range vs {
		vu.add(v.Size, v.InUse)
	}
	rows := []dfRow{is.row("Images"), cu.row("Containers"), vu.row("Local Volumes"),
		{"Build Cache", "0", "0", "0B", "0B"},
	}
	headers := dfRow{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}
	if err := writeTable(stdout, format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", headers, rows); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// dfSize is go-units' HumanSize, as docker system df prints sizes.
func dfSize(n int64) string {
	return unitSize(float64(n), 1000, []string{"B", "kB", "MB", "GB", "TB", "PB"}, "%.4g%s")
}

func reclaimable(free, total int64) string {
	if total > 0 {
		return fmt.Sprintf("%s (%d%%)", dfSize(free), free*100/total)
	}
	return dfSize(free)
}

func systemPrune(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var all, force, volumes bool
	c := newCtrCommand("system prune", "[OPTIONS]")
	c.fs.Bool(&all, "all", "a", "Remove all unused images not just dangling ones")
	c.fs.Bool(&force, "force", "f", "Do not prompt for confirmation")
	c.fs.Bool(&volumes, "volumes", "", "Prune anonymous volumes")
	if _, code, done := c.parse(args, 0, stdout, stderr); done {
		return code
	}
	if !force {
		fmt.Fprint(stdout, "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n")
		if volumes {
			fmt.Fprint(stdout, "  - all anonymous volumes not used by at least one container\n")
		}
		if all {
			fmt.Fprint(stdout, "  - all images without at least one container associated to them\n")
		} else {
			fmt.Fprint(stdout, "  - all dangling images\n")
		}
		fmt.Fprint(stdout, "\nAre you sure you want to continue? [y/N] ")
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.TrimSpace(answer); a != "y" && a != "Y" {
			fmt.Fprintln(stdout)
			return 0
		}
	}
	e, code, ok := c.open(stderr)
	if !ok {
		return code
	}
	ctx := context.Background()
	var total int64
	ids, space, err := e.PruneContainers(ctx)
	total += space
	printDeleted(stdout, "Containers", ids)
	if err != nil {
		return failed(stderr, err)
	}
	// The networks no container is on (and the default bridge off the
	// host, if none is on it: see network.Manager.Prune).
	if m, err := e.Networks(); err == nil {
		names, err := m.Prune()
		printDeleted(stdout, "Networks", names)
		if err != nil {
			return failed(stderr, err)
		}
	}
	if volumes {
		names, space, err := e.PruneVolumes(false)
		total += space
		printDeleted(stdout, "Volumes", names)
		if err != nil {
			return failed(stderr, err)
		}
	}
	// Every image in the store has a name: none is dangling. -a removes
	// those no container uses.
	if all {
		s, err := openImages(c.storage, stderr)
		if err != nil {
			return failed(stderr, err)
		}
		imgs, err := s.List(ctx)
		if err != nil {
			return failed(stderr, err)
		}
		var lines []string
		for _, img := range imgs {
			if users, _ := e.ContainersUsing(img.ID().String()); len(users) > 0 {
				continue
			}
			r, err := s.Remove(ctx, img.Name.String(), images.RemoveOptions{InUse: inUse(c.storage, stderr)})
			if err != nil {
				fmt.Fprintf(stderr, "minidocker: %v\n", err)
				continue
			}
			for _, u := range r.Untagged {
				lines = append(lines, "untagged: "+u)
			}
			for _, d := range r.Deleted {
				lines = append(lines, "deleted: "+d.String())
			}
			if len(r.Deleted) > 0 {
				total += img.Size
			}
		}
		printDeleted(stdout, "Images", lines)
	}
	fmt.Fprintf(stdout, "Total reclaimed space: %s\n", dfSize(total))
	return 0
}

// dfUsage adds up one kind of thing for system df: what is in use is not
// reclaimable.
type dfUsage struct {
	total, active int
	size, free    int64
}

func (u *dfUsage) add(size int64, inUse bool) {
	u.total++
	u.size += size
	if inUse {
		u.active++
	} else {
		u.free += size
	}
}

func (u dfUsage) row(kind string) dfRow {
	return dfRow{kind, fmt.Sprint(u.total), fmt.Sprint(u.active), dfSize(u.size), reclaimable(u.free, u.size)}
}

// printDeleted is a prune's list of what it removed, as docker prints it:
// a heading, a line each, a blank line; nothing for none.
func printDeleted(w io.Writer, what string, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(w, "Deleted %s:\n", what)
	for _, n := range names {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}
