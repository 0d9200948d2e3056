package ns

// PidFD is the container init's pidfd, or -1 where the kernel has none: it
// polls readable once the init has exited, so a monitor can wait for the
// exit and for output in one poll(2).
func (p *Process) PidFD() int { return p.pidfd }
