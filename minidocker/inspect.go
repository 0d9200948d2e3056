package minidocker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/minidocker/minidocker/daemon"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

func inspectCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("inspect", "[OPTIONS] NAME|ID [NAME|ID...]")
	var format string
	cmd.fs.String(&format, "format", "f", "string", "Format output using a custom template")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	var objs []any
	code = 0
	for _, ref := range refs {
		c, err := e.Get(ref)
		var sb *network.Sandbox
		if err == nil {
			sb, err = e.Sandbox(c)
		}
		if err == nil {
			var nets []*network.Network
			if m, err := e.Networks(); err == nil {
				nets, _ = m.Networks()
			}
			objs = append(objs, daemon.Inspect(c, nil, sb, nets)) // the daemon's answer, as dockerd's is the CLI's
			continue
		}
		if v, verr := e.Volume(ref); verr == nil && errors.Is(err, engine.ErrNoSuchContainer) {
			objs = append(objs, v)
			continue
		}
		fmt.Fprintf(stderr, "minidocker: No such object: %s\n", ref)
		code = 1
	}
	if err := writeInspect(stdout, format, objs); err != nil {
		return fail(stderr, err)
	}
	return code
}

// writeInspect prints objs as docker inspect does: a JSON array indented
// by four spaces, or each through --format (run on the JSON form, so a
// template sees docker's field names).
func writeInspect(w io.Writer, format string, objs []any) error {
	if format == "" {
		if objs == nil {
			objs = []any{}
		}
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	t, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format: %w", err)
	}
	for _, o := range objs {
		b, _ := json.Marshal(o)
		var generic any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		d.Decode(&generic)
		if err := t.Execute(w, generic); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(w)
	}
	return nil
}
