package network

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcessOf identifies the running process pid.
func ProcessOf(pid int) (Process, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Process{}, fmt.Errorf("identify process %d: %w", pid, err)
	}
	// "PID (COMM) STATE PPID ...": COMM may hold ") ", so cut at the last.
	s := string(b)
	i := strings.LastIndex(s, ") ")
	f := strings.Fields(s[i+2:])
	if i < 0 || len(f) < 20 {
		return Process{}, fmt.Errorf("identify process %d: malformed /proc/%d/stat", pid, pid)
	}
	start, err := strconv.ParseUint(f[19], 10, 64) // field 22 overall
	if err != nil {
		return Process{}, fmt.Errorf("identify process %d: %w", pid, err)
	}
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return Process{Pid: pid, Start: start, Boot: strings.TrimSpace(string(boot))}, nil
}

// Alive reports whether p still runs: its PID has its start time, on
// this boot, and it is not a zombie.
func (p Process) Alive() bool {
	if p.zero() {
		return false
	}
	q, err := ProcessOf(p.Pid)
	if err != nil || q != p {
		return false
	}
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/stat")
	s := string(b)
	i := strings.LastIndex(s, ") ")
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z' && s[i+2] != 'X'
}
