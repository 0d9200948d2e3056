package links

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBookLinks fails on any link or file reference in the repository's
// Markdown that leads nowhere.
func TestBookLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	docs := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		docs++
		ps, err := Check(root, p)
		if err != nil {
			return err
		}
		for _, pr := range ps {
			t.Error(pr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if docs < 5 {
		t.Fatalf("only %d Markdown files found: the walk is wrong", docs)
	}
}

// Broken links and references are caught; good ones, URLs, fenced blocks
// and backquoted text that is not a path of the repository are not.
func TestCheckCatches(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "ns"), 0o755)
	os.WriteFile(filepath.Join(root, "ns", "rootfs.go"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "other.md"), []byte("# The Root: filesystem\n\n## 3. pivot_root\n"), 0o644)
	doc := filepath.Join(root, "doc.md")
	md := "[ok](other.md) [ok](other.md#the-root-filesystem) [ok](other.md#3-pivot_root) [web](https://example.com/x)\n" +
		"[bad](missing.md) [bad](other.md#nowhere)\n" +
		"`ns/rootfs.go` `ns/*.go` `/proc/self/exe` `cgroup.events` `a/b`\n" +
		"`ns/mount.go` `ns/NAME` [moby's `ns/defaults.go`](https://github.com/moby/moby/blob/master/oci/defaults.go)\n" +
		"```\n[in a fence](nothing.md) `ns/nothing.go`\n```\n"
	os.WriteFile(doc, []byte(md), 0o644)
	ps, err := Check(root, doc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		"doc.md:2: link to missing.md: no such file",
		"doc.md:2: link to other.md#nowhere: no heading #nowhere in other.md",
		"doc.md:4: file reference `ns/mount.go`: nothing there",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
