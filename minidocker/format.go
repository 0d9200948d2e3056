package minidocker

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// listFormat is docker's --format for a list command: "" or "table" (the
// command's columns), "table TEMPLATE" (a header line, then a row per
// item), "json" (an object a line), or a Go template (rows only). The
// template has docker's functions: json, join, split, lower, upper,
// title, truncate, pad, println.
type listFormat struct {
	tmpl  *template.Template
	table bool
	json  bool
}

var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		// As docker's: <none> stays <none>, not \u003cnone\u003e.
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		err := enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n"), err
	},
	"join":  strings.Join,
	"split": strings.Split,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
	"pad": func(s string, before, after int) string {
		return strings.Repeat(" ", before) + s + strings.Repeat(" ", after)
	},
	"println": fmt.Sprintln,
}

func newListFormat(f, defaultTable string) (*listFormat, error) {
	lf := &listFormat{}
	switch {
	case f == "" || f == "table":
		lf.table, f = true, defaultTable
	case f == "json":
		lf.json = true
		f = "{{json .}}"
	case strings.HasPrefix(f, "table "):
		lf.table, f = true, strings.TrimPrefix(f, "table ")
	}
	f = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(f)
	t, err := template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(f)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	lf.tmpl = t
	return lf, nil
}

// write prints header (a row whose fields are the column names) when the
// format is a table, then the rows, aligned as docker aligns them.
func (lf *listFormat) write(w io.Writer, header any, rows []any) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	if lf.table {
		if err := lf.tmpl.Execute(tw, header); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		fmt.Fprintln(tw)
	}
	for _, r := range rows {
		if err := lf.tmpl.Execute(tw, r); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
