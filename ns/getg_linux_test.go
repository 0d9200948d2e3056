//go:build amd64 || arm64

package ns

import (
	"testing"
	"unsafe"
)

// The keeper writes the copied goroutine's stack guard (keeperFork)
// assuming the runtime's g begins with stack.lo, stack.hi, stackguard0,
// as the compiler's stack checks (16(R14) on amd64) assume too. A Go
// release that moved them would make every keeper crash: this says so
// first.
func TestGetgLayout(t *testing.T) {
	g := (*[3]uintptr)(getg())
	var here byte
	sp := uintptr(unsafe.Pointer(&here))
	if !(g[0] < sp && sp < g[1]) {
		t.Fatalf("g.stack = [%#x, %#x) does not hold this frame (%#x): the layout changed", g[0], g[1], sp)
	}
	const stackPreempt = ^uintptr(1313) // runtime/stack.go's -1314: a preemption request
	if guard := g[2]; guard != g[0]+stackGuard && guard != stackPreempt {
		t.Errorf("g.stackguard0 = %#x, want stack.lo+%d = %#x (or a preemption request)", guard, stackGuard, g[0]+stackGuard)
	}
}
