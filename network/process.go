package network

// Process names a process for as long as it lives and never another one
// that gets its PID later: its PID and its start time (clock ticks after
// boot, field 22 of /proc/PID/stat) on this boot.
type Process struct {
	Pid   int    `json:"pid"`
	Start uint64 `json:"start"`
	Boot  string `json:"boot"` // /proc/sys/kernel/random/boot_id
}

func (p Process) zero() bool { return p.Pid == 0 }
