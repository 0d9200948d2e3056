package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	subnet  = netip.MustParsePrefix("10.10.0.0/29") // .1 to .6; .0 and .7 are not hosts
	gateway = netip.MustParseAddr("10.10.0.1")
)

func open(t *testing.T, path string) *Pool {
	t.Helper()
	p, err := Open(path, subnet, gateway)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllocateInOrderSkippingReserved(t *testing.T) {
	p := open(t, filepath.Join(t.TempDir(), "pool.json"))
	var got []string
	for i := range 5 {
		a, err := p.Allocate(fmt.Sprint("c", i), netip.Addr{})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
	}
	// Not .0 (the network), .1 (the gateway) or .7 (broadcast).
	if want := "10.10.0.2 10.10.0.3 10.10.0.4 10.10.0.5 10.10.0.6"; strings.Join(got, " ") != want {
		t.Errorf("allocated %v, want %s", got, want)
	}
	if _, err := p.Allocate("c5", netip.Addr{}); !errors.Is(err, ErrExhausted) {
		t.Errorf("sixth allocation in a /29: %v, want ErrExhausted", err)
	}
	// A released address comes back only when the search wraps round.
	if err := p.Release("c1"); err != nil {
		t.Fatal(err)
	}
	a, err := p.Allocate("c6", netip.Addr{})
	if err != nil || a.String() != "10.10.0.3" {
		t.Errorf("after releasing .3 in a full pool: %v %v, want 10.10.0.3", a, err)
	}
}

func TestNoImmediateReuse(t *testing.T) {
	p := open(t, filepath.Join(t.TempDir(), "pool.json"))
	a, _ := p.Allocate("c1", netip.Addr{})
	p.Release("c1")
	b, err := p.Allocate("c2", netip.Addr{})
	if err != nil || b == a {
		t.Errorf("after releasing %v the next container got %v (%v): want the next address, not the one just freed", a, b, err)
	}
}

func TestAllocateWanted(t *testing.T) {
	p := open(t, filepath.Join(t.TempDir(), "pool.json"))
	want := netip.MustParseAddr("10.10.0.5")
	if a, err := p.Allocate("c1", want); err != nil || a != want {
		t.Fatalf("Allocate(%v) = %v, %v", want, a, err)
	}
	if _, err := p.Allocate("c2", want); !errors.Is(err, ErrInUse) {
		t.Errorf("the same address again: %v, want ErrInUse", err)
	}
	for _, bad := range []string{"10.10.0.1", "10.10.0.0", "10.10.0.7", "10.10.1.2"} {
		if _, err := p.Allocate("c3", netip.MustParseAddr(bad)); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("Allocate(%s): %v, want ErrOutOfRange", bad, err)
		}
	}
}

// TestKeptAcrossRestarts: a new Pool on the same file, as after the
// engine restarts, knows what the old one gave out.
func TestKeptAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pool.json")
	a, _ := open(t, path).Allocate("c1", netip.Addr{})
	b, err := open(t, path).Allocate("c2", netip.Addr{})
	if err != nil || b == a {
		t.Errorf("after reopening: %v (%v), the first pool gave %v", b, err, a)
	}
	all, err := open(t, path).Allocated()
	if err != nil || len(all) != 2 || all[0] != (Allocation{a, "c1"}) || all[1] != (Allocation{b, "c2"}) {
		t.Errorf("Allocated() = %v, %v", all, err)
	}
	if _, err := Open(path, netip.MustParsePrefix("10.11.0.0/24"), netip.MustParseAddr("10.11.0.1")); !errors.Is(err, ErrSubnetMismatch) {
		t.Errorf("reopening with another subnet: %v, want ErrSubnetMismatch", err)
	}
}

func TestOpenRefusesBadSubnets(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ subnet, gateway string }{
		{"10.10.0.0/31", "10.10.0.1"}, // no room
		{"10.10.0.1/24", "10.10.0.1"}, // not a network address
		{"fd00::/64", "fd00::1"},      // IPv6
		{"10.10.0.0/24", "10.10.1.1"}, // gateway outside
	} {
		if _, err := Open(filepath.Join(dir, "p.json"), netip.MustParsePrefix(c.subnet), netip.MustParseAddr(c.gateway)); err == nil {
			t.Errorf("Open(%s, %s) accepted", c.subnet, c.gateway)
		}
	}
}

// TestConcurrentAllocations: containers starting at once, in goroutines
// (each change opens and locks the file anew) and in processes, never get
// the same address.
func TestConcurrentAllocations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pool.json")
	big := netip.MustParsePrefix("10.20.0.0/24")
	gw := netip.MustParseAddr("10.20.0.1")
	if _, err := Open(path, big, gw); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 20 {
		wg.Go(func() {
			p, err := Open(path, big, gw)
			if err != nil {
				errs <- err
				return
			}
			for i := range 3 {
				if _, err := p.Allocate(fmt.Sprintf("goroutine-%d-%d", g, i), netip.Addr{}); err != nil {
					errs <- err
				}
			}
		})
	}
	var procs []*exec.Cmd
	for n := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperAllocate$")
		cmd.Env = append(os.Environ(), "IPAM_HELPER_POOL="+path, "IPAM_HELPER_OWNER=process-"+strconv.Itoa(n))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	wg.Wait()
	for _, cmd := range procs {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper process: %v", err)
		}
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	p, _ := Open(path, big, gw)
	all, err := p.Allocated()
	if err != nil {
		t.Fatal(err)
	}
	if want := 20*3 + 4*5; len(all) != want {
		t.Errorf("%d addresses allocated, want %d: some allocation was lost", len(all), want)
	}
	seen := map[netip.Addr]bool{}
	for _, a := range all {
		if seen[a.Addr] {
			t.Errorf("%v given twice", a.Addr)
		}
		seen[a.Addr] = true
	}
}

// TestHelperAllocate is TestConcurrentAllocations' other process.
func TestHelperAllocate(t *testing.T) {
	path := os.Getenv("IPAM_HELPER_POOL")
	if path == "" {
		t.Skip("helper of TestConcurrentAllocations")
	}
	p, err := Open(path, netip.MustParsePrefix("10.20.0.0/24"), netip.MustParseAddr("10.20.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := p.Allocate(fmt.Sprintf("%s-%d", os.Getenv("IPAM_HELPER_OWNER"), i), netip.Addr{}); err != nil {
			t.Fatal(err)
		}
	}
}
