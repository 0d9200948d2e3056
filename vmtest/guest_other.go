//go:build !linux

package vmtest

import (
	"fmt"
	"os"
)

// Job is a command the guest runs, in order, reporting its output.
type Job struct {
	Name string
	Args []string
	Env  []string
	Dir  string
}

const (
	jobsFile  = "/vmtest/jobs.json"
	markBegin = "vmtest-begin "
	markLine  = "vmtest-out "
	markEnd   = "vmtest-end "
)

// GuestMain is the guest's /init: Linux only.
func GuestMain() {
	fmt.Fprintln(os.Stderr, "vmtest: the guest init runs in a Linux VM")
	os.Exit(1)
}
