package minidocker

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

const volumeUsage = `Usage:  minidocker volume COMMAND

Manage volumes

Commands:
  create      Create a volume
  inspect     Display detailed information on one or more volumes
  ls          List volumes
  rm          Remove one or more volumes
`

// volumeCommand is docker volume: create, ls, inspect, rm.
func volumeCommand(args []string, stdin, stdout, stderr *os.File) int {
	if len(args) == 0 || args[0] == "--help" {
		fmt.Fprint(stdout, volumeUsage)
		if len(args) == 0 {
			return ExitEngine
		}
		return 0
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create":
		cmd := newCtrCommand("volume create", "[OPTIONS] [VOLUME]")
		var labels []string
		cmd.fs.List(&labels, "label", "", "list", "Set metadata for a volume")
		names, code, done := cmd.parse(args, 0, stdout, stderr)
		if done {
			return code
		}
		if len(names) > 1 {
			return fail(stderr, errors.New("\"minidocker volume create\" requires at most 1 argument"))
		}
		e, code, ok := cmd.open(stderr)
		if !ok {
			return code
		}
		name := ""
		if len(names) == 1 {
			name = names[0]
		}
		l := map[string]string{}
		for _, kv := range labels {
			k, v, _ := strings.Cut(kv, "=")
			l[k] = v
		}
		v, err := e.CreateVolume(name, l)
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintln(stdout, v.Name)
		return 0
	case "ls", "list":
		cmd := newCtrCommand("volume ls", "[OPTIONS]")
		var quiet bool
		var format string
		cmd.fs.Bool(&quiet, "quiet", "q", "Only display volume names")
		cmd.fs.String(&format, "format", "", "string", "Format output using a custom template")
		if _, code, done := cmd.parse(args, 0, stdout, stderr); done {
			return code
		}
		e, code, ok := cmd.open(stderr)
		if !ok {
			return code
		}
		vols, err := e.Volumes()
		if err != nil {
			return fail(stderr, err)
		}
		type row struct{ Driver, Name, Mountpoint, Scope, Labels string }
		var rows []row
		for _, v := range vols {
			rows = append(rows, row{Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope})
		}
		if quiet && format == "" {
			format = "{{.Name}}"
		}
		if err := writeTable(stdout, format, "table {{.Driver}}\t{{.Name}}", row{Driver: "DRIVER", Name: "VOLUME NAME", Mountpoint: "MOUNTPOINT", Scope: "SCOPE", Labels: "LABELS"}, rows); err != nil {
			return fail(stderr, err)
		}
		return 0
	case "inspect":
		cmd := newCtrCommand("volume inspect", "[OPTIONS] VOLUME [VOLUME...]")
		var format string
		cmd.fs.String(&format, "format", "f", "string", "Format output using a custom template")
		names, code, done := cmd.parse(args, 1, stdout, stderr)
		if done {
			return code
		}
		e, code, ok := cmd.open(stderr)
		if !ok {
			return code
		}
		var objs []any
		code = 0
		for _, n := range names {
			v, err := e.Volume(n)
			if err != nil {
				fmt.Fprintf(stderr, "minidocker: %v\n", err)
				code = 1
				continue
			}
			objs = append(objs, v)
		}
		if err := writeInspect(stdout, format, objs); err != nil {
			return fail(stderr, err)
		}
		return code
	case "rm", "remove":
		cmd := newCtrCommand("volume rm", "[OPTIONS] VOLUME [VOLUME...]")
		var force bool
		cmd.fs.Bool(&force, "force", "f", "Force the removal of one or more volumes")
		names, code, done := cmd.parse(args, 1, stdout, stderr)
		if done {
			return code
		}
		e, code, ok := cmd.open(stderr)
		if !ok {
			return code
		}
		code = 0
		for _, n := range names {
			if err := e.RemoveVolume(n, force); err != nil {
				fmt.Fprintf(stderr, "minidocker: %v\n", err)
				code = 1
				continue
			}
			fmt.Fprintln(stdout, n)
		}
		return code
	}
	return fail(stderr, fmt.Errorf("%q is not a minidocker volume command (see 'minidocker volume --help')", sub))
}
