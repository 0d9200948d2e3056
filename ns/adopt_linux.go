package ns

import "os"

// Adopt is the Process of an init this process inherited across an exec
// (a monitor that re-executes itself keeps its children): its PID, its
// pidfd (-1 for none) and, with a terminal, the master.
func Adopt(pid, pidfd int, pty *os.File) *Process {
	return &Process{Pid: pid, Pty: pty, pidfd: pidfd}
}
