// Package links checks that the book's links and file references lead
// somewhere: a Markdown link to a file of the repository (and a heading
// in it, for a #fragment), and a path in backquotes that names the
// repository's own files (`ns/rootfs.go`, `chapters/05-unionfs/`).
// Its test runs over every Markdown file: go test ./docs/links.
package links

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Problem is a link or reference that leads nowhere.
type Problem struct {
	Doc  string
	Line int
	What string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.Doc, p.Line, p.What) }

var (
	link    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	extLink = regexp.MustCompile(`\[[^\]]*\]\([a-z]+://[^)]*\)`)
	code    = regexp.MustCompile("`([^`\n]+)`")
	repoRef = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.*-]+)+/?$`)
	fence   = regexp.MustCompile("^\\s*```")
	// A placeholder element: capitals, perhaps with a lower-case tail.
	placeholder = regexp.MustCompile(`^[A-Z]{2,}(-[a-z]+)?$`)
)

// Check reads the Markdown file doc (a path under root) and returns what
// in it leads nowhere. A backquoted path counts as a reference when its
// first element is a top-level entry of root; one in a fenced block does
// not (it is output or a command).
func Check(root, doc string) ([]Problem, error) {
	b, err := os.ReadFile(doc)
	if err != nil {
		return nil, err
	}
	top, err := topLevel(root)
	if err != nil {
		return nil, err
	}
	var ps []Problem
	rel, _ := filepath.Rel(root, doc)
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{rel, line, fmt.Sprintf(format, args...)})
	}
	inFence := false
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for _, m := range link.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			path := doc
			if file != "" {
				path = filepath.Join(filepath.Dir(doc), file)
				if _, err := os.Stat(path); err != nil {
					add(n, "link to %s: no such file", target)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(path, ".md") {
				ok, err := hasHeading(path, frag)
				if err != nil {
					return nil, err
				}
				if !ok {
					add(n, "link to %s: no heading #%s in %s", target, frag, filepath.Base(path))
				}
			}
		}
		// A path in the text of a link to elsewhere is another project's.
		for _, m := range code.FindAllStringSubmatch(extLink.ReplaceAllString(line, ""), -1) {
			ref := m[1]
			if !repoRef.MatchString(ref) || !top[strings.SplitN(ref, "/", 2)[0]] {
				continue
			}
			parts := strings.Split(strings.TrimSuffix(ref, "/"), "/")
			for i, p := range parts {
				if placeholder.MatchString(p) {
					parts[i] = "*" // chapters/NN-topic/, containers/ID
				}
			}
			matches, _ := filepath.Glob(filepath.Join(root, filepath.Join(parts...)))
			if len(matches) == 0 {
				add(n, "file reference `%s`: nothing there", ref)
			}
		}
	}
	return ps, nil
}

// topLevel are the names at the repository's root, generated ones
// (.cache, bin) aside: a reference to them is to what make builds.
func topLevel(root string) (map[string]bool, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	top := map[string]bool{}
	for _, e := range ents {
		if n := e.Name(); !strings.HasPrefix(n, ".") && n != "bin" {
			top[n] = true
		}
	}
	return top, nil
}

// hasHeading reports whether the Markdown file has a heading whose
// anchor, as GitHub makes it, is frag.
func hasHeading(file, frag string) (bool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	inFence := false
	for _, line := range strings.Split(string(b), "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		if Anchor(strings.TrimLeft(line, "#")) == frag {
			return true, nil
		}
	}
	return false, nil
}

// Anchor is GitHub's anchor for a heading: lower case, spaces to
// hyphens, punctuation other than hyphens and underscores dropped.
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
