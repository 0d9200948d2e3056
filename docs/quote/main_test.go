package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBookQuotes fails when code quoted in a chapter or doc has drifted from
// the source: run `go run ./docs/quote -update` and read the diff.
func TestBookQuotes(t *testing.T) {
	root := filepath.Join("..", "..")
	quotes := 0
	for _, doc := range Docs(root) {
		if _, err := os.Stat(doc); err != nil {
			continue
		}
		b, _ := os.ReadFile(doc)
		quotes += len(marker.FindAll(b, -1))
		stale, err := Process(root, doc, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stale {
			t.Error(s)
		}
	}
	if quotes == 0 {
		t.Fatal("no quotes found: the marker pattern or the paths are wrong")
	}
}

func TestDriftIsCaught(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\n// F is quoted.\nfunc F() int { return 1 }\n\ntype T struct{}\n\n// M is a method.\nfunc (t *T) M() {}\n\nconst (\n\tA = 1\n\tB = 2\n)\n"
	os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644)
	doc := filepath.Join(dir, "doc.md")
	md := "text\n<!-- quote: p.go F -->\n```go\n// F is quoted.\nfunc F() int { return 1 }\n```\n" +
		"<!-- quote: p.go T.M -->\n```go\nold\n```\n" +
		"<!-- quote: p.go B -->\n```go\n```\n"
	os.WriteFile(doc, []byte(md), 0o644)
	stale, err := Process(dir, doc, false)
	if err != nil || len(stale) != 2 || stale[0].Name != "T.M" || stale[1].Name != "B" {
		t.Fatalf("got %v %v, want T.M and B stale", stale, err)
	}
	if _, err := Process(dir, doc, true); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(doc)
	if !strings.Contains(string(b), "// M is a method.\nfunc (t *T) M() {}\n```") || !strings.Contains(string(b), "const (\n\tA = 1\n\tB = 2\n)\n```") {
		t.Errorf("update wrote:\n%s", b)
	}
	if stale, _ := Process(dir, doc, false); len(stale) != 0 {
		t.Errorf("still stale after update: %v", stale)
	}
}
