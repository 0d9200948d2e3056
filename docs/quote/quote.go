// Command quote keeps code quoted in the book identical to the source:
// `go run ./docs/quote` checks every quote, -update rewrites stale ones.
//
// A quote in a Markdown file is a marker naming a Go file (from the module
// root) and a declaration in it, followed by a fenced block:
//
//	<!-- quote: ns/clone_linux.go Namespaces -->
//	```go
//	...the declaration, with its doc comment...
//	```
//
// A declaration is a func, a method (Type.Method), a type, or a const or
// var group containing the name. Check reports every block that differs
// from the source; Update rewrites them.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var marker = regexp.MustCompile(`(?m)^<!-- quote: (\S+) (\S+) -->\n` + "```go\n((?s:.*?))```\n")

func main() {
	update := flag.Bool("update", false, "rewrite stale quotes from the source")
	flag.Parse()
	stale := 0
	for _, doc := range Docs(".") {
		s, err := Process(".", doc, *update)
		if err != nil {
			fmt.Fprintln(os.Stderr, "quote:", err)
			os.Exit(1)
		}
		for _, q := range s {
			fmt.Println(q)
		}
		stale += len(s)
	}
	if stale > 0 && !*update {
		os.Exit(1)
	}
}

// Docs are the Markdown files that may quote code, under the module root.
func Docs(root string) []string {
	docs, _ := filepath.Glob(filepath.Join(root, "chapters", "*", "README.md"))
	more, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	return append(append(docs, more...), filepath.Join(root, "README.md"))
}

// Stale is a quote that no longer matches its source.
type Stale struct {
	Doc, File, Name string
	Want            string // the source's text, or "" when it is gone
	Err             error
}

func (s Stale) Error() string {
	if s.Err != nil {
		return fmt.Sprintf("%s: quote %s %s: %v", s.Doc, s.File, s.Name, s.Err)
	}
	return fmt.Sprintf("%s: quote %s %s differs from the source (go run ./docs/quote -update)", s.Doc, s.File, s.Name)
}

// Process checks the quotes in the Markdown file doc against the module at
// root; with update it rewrites the stale ones in place.
func Process(root, doc string, update bool) ([]Stale, error) {
	b, err := os.ReadFile(doc)
	if err != nil {
		return nil, err
	}
	var stale []Stale
	out := marker.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := marker.FindSubmatch(m)
		file, name, got := string(sub[1]), string(sub[2]), string(sub[3])
		want, err := Source(filepath.Join(root, file), name)
		if err != nil {
			stale = append(stale, Stale{Doc: doc, File: file, Name: name, Err: err})
			return m
		}
		if got == want {
			return m
		}
		stale = append(stale, Stale{Doc: doc, File: file, Name: name, Want: want})
		return []byte(fmt.Sprintf("<!-- quote: %s %s -->\n```go\n%s```\n", file, name, want))
	})
	if update && !bytes.Equal(out, b) {
		return stale, os.WriteFile(doc, out, 0o644)
	}
	return stale, nil
}

// Source returns the text of the declaration name in file, doc comment
// included, ending in a newline.
func Source(file, name string) (string, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	recv, fn, isMethod := strings.Cut(name, ".")
	for _, d := range f.Decls {
		var start token.Pos
		switch d := d.(type) {
		case *ast.FuncDecl:
			if isMethod != (d.Recv != nil) || !isMethod && d.Name.Name != name {
				continue
			}
			if isMethod && (d.Name.Name != fn || receiverName(d.Recv) != recv) {
				continue
			}
			start = d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
		case *ast.GenDecl:
			if isMethod || !declares(d, name) {
				continue
			}
			start = d.Pos()
			if d.Doc != nil {
				start = d.Doc.Pos()
			}
		}
		if start.IsValid() {
			return string(src[fset.Position(start).Offset:fset.Position(d.End()).Offset]) + "\n", nil
		}
	}
	return "", fmt.Errorf("no declaration %s in %s", name, file)
}

func receiverName(fl *ast.FieldList) string {
	t := fl.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func declares(d *ast.GenDecl, name string) bool {
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			if s.Name.Name == name {
				return true
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.Name == name {
					return true
				}
			}
		}
	}
	return false
}
