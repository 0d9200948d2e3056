package minidocker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/minidocker/minidocker/unionfs"
)

const snapshotsUsage = `Usage:  minidocker snapshots [OPTIONS] COMMAND

Work with the snapshot store, as containerd's 'ctr snapshots' does

Commands:
  prepare KEY [PARENT]   Make an active (writable) snapshot on a committed parent
  view KEY [PARENT]      Make a read-only snapshot of a committed parent
  commit NAME KEY        Turn the active snapshot KEY into the committed NAME
  rm KEY...              Remove snapshots nothing stands on
  ls                     List snapshots: KEY, PARENT, KIND
  usage [KEY...]         Disk usage of each snapshot's own files
  mounts TARGET KEY      Print the mount(8) command that makes KEY's tree on TARGET
  diff KEY               Write KEY's changes over its parent as a layer tar to stdout

Options:
%s`

// snapshotsCommand is `minidocker snapshots`: the snapshot store by hand,
// for the chapter and for looking inside the engine.
func snapshotsCommand(args []string, stdout, stderr *os.File) int {
	var o storageOptions
	fs := &flagSet{cmd: "snapshots"}
	fs.String(&o.root, "root", "", "DIR", "State directory (default /var/lib/minidocker)")
	fs.String(&o.driver, "storage-driver", "", "string", "Storage driver: overlay or vfs (default: overlay where it works)")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) || err == nil && len(rest) == 0 {
		fmt.Fprintf(stdout, snapshotsUsage, fs.Usage())
		if err == nil {
			return ExitEngine
		}
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker snapshots --help')", err))
	}
	root := o.root
	if root == "" {
		root = defaultRoot()
	}
	store, err := unionfs.New(root, unionfs.WithDriver(o.driver), unionfs.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(stderr, "minidocker: "+format+"\n", args...)
	}))
	if err != nil {
		return fail(stderr, err)
	}
	w := bufio.NewWriter(stdout)
	err = snapshots(context.Background(), store, rest[0], rest[1:], w)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fail(stderr, err)
	}
	return 0
}

func snapshots(ctx context.Context, s *unionfs.Store, cmd string, args []string, w io.Writer) error {
	nargs := func(min, max int, usage string) error {
		if len(args) < min || max >= 0 && len(args) > max {
			return fmt.Errorf("usage: minidocker snapshots %s %s", cmd, usage)
		}
		return nil
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch cmd {
	case "prepare", "view":
		if err := nargs(1, 2, "KEY [PARENT]"); err != nil {
			return err
		}
		var err error
		if cmd == "prepare" {
			_, err = s.Prepare(ctx, args[0], arg(1))
		} else {
			_, err = s.View(ctx, args[0], arg(1))
		}
		return err
	case "commit":
		if err := nargs(2, 2, "NAME KEY"); err != nil {
			return err
		}
		return s.Commit(ctx, args[0], args[1])
	case "rm":
		if err := nargs(1, -1, "KEY..."); err != nil {
			return err
		}
		for _, k := range args {
			if err := s.Remove(ctx, k); err != nil {
				return err
			}
		}
		return nil
	case "ls":
		if err := nargs(0, 0, ""); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 1, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "KEY\tPARENT\tKIND")
		err := s.Walk(ctx, func(i unionfs.Info) error {
			parent := i.Parent
			if i.Layers != nil {
				parent = strings.Join(i.Layers, ":")
			}
			_, err := fmt.Fprintf(tw, "%s\t%s\t%s\n", i.Name, parent, i.Kind)
			return err
		})
		if err != nil {
			return err
		}
		return tw.Flush()
	case "usage":
		keys := args
		if len(keys) == 0 {
			err := s.Walk(ctx, func(i unionfs.Info) error { keys = append(keys, i.Name); return nil })
			if err != nil {
				return err
			}
		}
		tw := tabwriter.NewWriter(w, 1, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "KEY\tSIZE\tINODES")
		for _, k := range keys {
			u, err := s.Usage(ctx, k)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\n", k, humanSize(uint64(u.Size)), u.Inodes)
		}
		return tw.Flush()
	case "mounts":
		if err := nargs(2, 2, "TARGET KEY"); err != nil {
			return err
		}
		mounts, err := s.Mounts(ctx, args[1])
		if err != nil {
			return err
		}
		target, _ := filepath.Abs(args[0])
		for _, m := range mounts {
			fmt.Fprintf(w, "mount -t %s %s %s -o %s\n", m.Type, m.Source, target, strings.Join(m.Options, ","))
		}
		return nil
	case "diff":
		if err := nargs(1, 1, "KEY"); err != nil {
			return err
		}
		return s.Diff(ctx, args[0], w)
	}
	return fmt.Errorf("%q is not a snapshots command (see 'minidocker snapshots --help')", cmd)
}
