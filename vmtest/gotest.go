package vmtest

import (
	"regexp"
	"strings"
)

// GoTest is one top-level test's outcome in `go test -v` output.
type GoTest struct {
	Name   string
	Result string   // PASS, FAIL or SKIP; "" if the output ends before it does
	Output []string // its log lines, subtests' included
	// Subtests are the results of its subtests, by full name (TestX/sub).
	Subtests map[string]string
}

var (
	runRE    = regexp.MustCompile(`^=== (?:RUN|CONT|PAUSE|NAME)\s+(\S+)`)
	resultRE = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)`)
)

// ParseGoTest reads `go test -v` output into the outcome of each
// top-level test, in the order they ran.
func ParseGoTest(lines []string) []GoTest {
	var tests []*GoTest
	byName := map[string]*GoTest{}
	var cur *GoTest
	get := func(name string) *GoTest {
		top, _, _ := strings.Cut(name, "/")
		t := byName[top]
		if t == nil {
			t = &GoTest{Name: top}
			byName[top] = t
			tests = append(tests, t)
		}
		return t
	}
	for _, l := range lines {
		if m := runRE.FindStringSubmatch(l); m != nil {
			cur = get(m[1])
			continue
		}
		if m := resultRE.FindStringSubmatch(l); m != nil {
			cur = get(m[2])
			if !strings.Contains(m[2], "/") {
				cur.Result = m[1]
			} else {
				if cur.Subtests == nil {
					cur.Subtests = map[string]string{}
				}
				cur.Subtests[m[2]] = m[1]
			}
			continue
		}
		if cur != nil && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			cur.Output = append(cur.Output, strings.TrimSpace(l))
		} else if cur != nil && l != "" && l != "PASS" && l != "FAIL" && !strings.HasPrefix(l, "ok ") {
			cur.Output = append(cur.Output, l) // a panic, or a program's own output
		}
	}
	out := make([]GoTest, len(tests))
	for i, t := range tests {
		out[i] = *t
	}
	return out
}
