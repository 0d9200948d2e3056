package testscript

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// waitCleaners gives the cleaners of the transcript's roots (see the
// engine's startCleaner) up to 10 seconds to finish: a transcript that
// kills minidocker run may end while one still works.
func waitCleaners(work string) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !slices.ContainsFunc(cleaners(), func(root string) bool { return within(root, work) }) {
			return
		}
	}
}

// cleaners lists the roots the running cleaners work on (those of
// containers with a network: minidocker cgroup-cleanup PATH ROOT).
func cleaners() []string {
	entries, _ := os.ReadDir("/proc")
	var roots []string
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		pid, err := strconv.Atoi(e.Name())
		if err == nil && len(args) == 4 && args[1] == "cgroup-cleanup" {
			if state, _, ok := procStat(pid); ok && state != 'Z' {
				roots = append(roots, args[3])
			}
		}
	}
	return roots
}
