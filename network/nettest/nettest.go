// Package nettest is what the network tests share: a network namespace of
// their own that stands in for the host, so a test cannot change the
// machine's own links, addresses, routes, rules or sysctls even when it
// fails, and a snapshot of that state to check a test left it as it was.
package nettest

import (
	"fmt"
	"slices"
	"strings"
)

// State is a namespace's network state as the usual tools print it, one
// entry per tool: what a test must leave as it found it.
type State map[string]string

// Diff lists what differs between two states, by tool, line by line.
func Diff(before, after State) []string {
	var out []string
	for _, k := range sortedKeys(before, after) {
		if before[k] == after[k] {
			continue
		}
		was := lineSet(before[k])
		is := lineSet(after[k])
		for _, l := range strings.Split(after[k], "\n") {
			if l != "" && !was[l] {
				out = append(out, fmt.Sprintf("%s: appeared: %s", k, l))
			}
		}
		for _, l := range strings.Split(before[k], "\n") {
			if l != "" && !is[l] {
				out = append(out, fmt.Sprintf("%s: disappeared: %s", k, l))
			}
		}
	}
	return out
}

func lineSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		m[l] = true
	}
	return m
}

func sortedKeys(a, b State) []string {
	seen := map[string]bool{}
	var keys []string
	for _, s := range []State{a, b} {
		for k := range s {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
