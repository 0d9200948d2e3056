package ns

import "unsafe"

// A Keeper makes the container's init the child of a process forked for
// it, the keeper, in place of the caller of Start. The keeper is a copy
// of the caller's thread that runs no Go runtime: it clones the init
// (whose parent-death signal now follows the keeper), tells the caller
// the init's PID, and waits for the caller's Handoff, or for it to give
// up. Then it runs Run, and the caller may exit: what keeps the container
// costs only the pages the keeper touches again (see Shed), not a second
// Go runtime. A detached container's monitor is one (engine).
type Keeper struct {
	// Run is the keeper's life after Handoff: the init's pid and pidfd
	// (-1 without clone3), the handed-off bytes and fds (in Msg and FDs). It runs on a copy of the caller's goroutine stack with
	// no Go runtime behind it: raw system calls only, nothing allocated,
	// no pointer stored in memory, no deep recursion; it never returns.
	Run func(mem unsafe.Pointer, pid, pidfd int, msg []byte, fds []int)
	Mem unsafe.Pointer // Run's memory: an anonymous mapping, which Shed keeps
	// Msg and FDs are where the keeper receives the Handoff, in Mem: not
	// on its stack, whose arrays passed to Run would be moved to the heap,
	// and a keeper has no heap.
	Msg []byte
	FDs []int

	pid  int // the keeper's
	sock int // the caller's end of the socket to the keeper
	peer int // the keeper's end
}
