package links

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/architecture.md maps every part of Docker's classic architecture
// to minidocker's code: each part is named in it, and each of its
// sections links to the code (TestBookLinks checks the links lead there).
func TestArchitectureMapsEveryPart(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.ToLower(string(b))
	for _, part := range []string{
		"client", "daemon", "server", "engine", "job", "rest api", "image", "layer",
		"union file system", "copy-on-write", "writable layer", "registry", "graph",
		"graphdriver", "networkdriver", "execdriver", "libcontainer", "namespace", "cgroup",
	} {
		if !strings.Contains(doc, part) {
			t.Errorf("docs/architecture.md does not name %q", part)
		}
	}
	codeLink := regexp.MustCompile(`\]\(\.\./[a-z]`)
	sections := strings.Split(string(b), "\n## ")[1:]
	if len(sections) < 8 {
		t.Fatalf("%d sections: want one per part", len(sections))
	}
	for _, s := range sections {
		title := strings.SplitN(s, "\n", 2)[0]
		if title == "The book's other pages" {
			continue
		}
		if !codeLink.MatchString(s) {
			t.Errorf("section %q links to no code", title)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "architecture.svg")); err != nil {
		t.Errorf("the diagram: %v", err)
	}
}
