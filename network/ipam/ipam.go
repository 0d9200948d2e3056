// Package ipam hands out a network's IPv4 addresses and remembers who
// holds which, in a file of its own, so that no two containers get the
// same address: not when they start at the same moment (the file is
// locked for each change), and not after the engine restarts (it is on
// disk). It is what libnetwork's default IPAM driver does with a
// bitmap per subnet.
package ipam

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// Pool is the addresses of one subnet, kept in the file Path.
type Pool struct {
	Path    string
	Subnet  netip.Prefix
	Gateway netip.Addr
}

// state is the file's content.
type state struct {
	Subnet    netip.Prefix          `json:"subnet"`
	Gateway   netip.Addr            `json:"gateway"`
	Last      netip.Addr            `json:"last,omitzero"` // where the next search starts after
	Allocated map[netip.Addr]string `json:"allocated"`     // address to owner
}

// Open returns the pool in path, made if it does not exist yet. An
// existing file must be for the same subnet and gateway.
func Open(path string, subnet netip.Prefix, gateway netip.Addr) (*Pool, error) {
	if !subnet.Addr().Is4() || subnet.Bits() > 30 || subnet != subnet.Masked() {
		return nil, fmt.Errorf("ipam: subnet %s: want an IPv4 network of /30 or more addresses, such as 172.18.0.0/16", subnet)
	}
	if !subnet.Contains(gateway) {
		return nil, fmt.Errorf("ipam: gateway %s is not in subnet %s", gateway, subnet)
	}
	p := &Pool{Path: path, Subnet: subnet, Gateway: gateway}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	return p, p.locked(func(*state) (bool, error) { return false, nil })
}

// Allocate gives owner an address: want if it is valid (the zero Addr for
// any), else the next free one after the last given, so that an address
// just released is not handed out again at once.
func (p *Pool) Allocate(owner string, want netip.Addr) (netip.Addr, error) {
	var got netip.Addr
	err := p.locked(func(s *state) (bool, error) {
		if want.IsValid() {
			if !p.usable(want) {
				return false, fmt.Errorf("ipam: %s: %w %s", want, ErrOutOfRange, p.Subnet)
			}
			if o, ok := s.Allocated[want]; ok && o != owner {
				return false, fmt.Errorf("ipam: %s: %w", want, ErrInUse)
			}
			got = want
		} else {
			var ok bool
			if got, ok = p.next(s); !ok {
				return false, fmt.Errorf("ipam: %s: %w", p.Subnet, ErrExhausted)
			}
			s.Last = got
		}
		s.Allocated[got] = owner
		return true, nil
	})
	return got, err
}

// Release frees every address owner holds; none is not an error.
func (p *Pool) Release(owner string) error {
	return p.locked(func(s *state) (bool, error) {
		changed := false
		for a, o := range s.Allocated {
			if o == owner {
				delete(s.Allocated, a)
				changed = true
			}
		}
		return changed, nil
	})
}

// Allocated lists the addresses given out, in order, with their owners.
func (p *Pool) Allocated() ([]Allocation, error) {
	var out []Allocation
	err := p.locked(func(s *state) (bool, error) {
		for a, o := range s.Allocated {
			out = append(out, Allocation{a, o})
		}
		return false, nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Addr.Less(out[j].Addr) })
	return out, err
}

// Allocation is an address and who holds it.
type Allocation struct {
	Addr  netip.Addr
	Owner string
}

// usable reports whether a may be given out: in the subnet, and not its
// network address, its broadcast address or the gateway.
func (p *Pool) usable(a netip.Addr) bool {
	return a.Is4() && p.Subnet.Contains(a) && a != p.Subnet.Addr() && a != last(p.Subnet) && a != p.Gateway
}

// next finds the first free address after s.Last, going round once.
func (p *Pool) next(s *state) (netip.Addr, bool) {
	start := s.Last
	if !start.IsValid() || !p.Subnet.Contains(start) {
		start = p.Subnet.Addr()
	}
	size := uint64(1) << (32 - p.Subnet.Bits())
	a := start
	for range size {
		a = a.Next()
		if !p.Subnet.Contains(a) {
			a = p.Subnet.Addr()
		}
		if _, taken := s.Allocated[a]; !taken && p.usable(a) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func last(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) | ^uint32(0)>>p.Bits()
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// locked runs fn with the pool's lock held and its state read; if fn
// reports a change, the state is written back before the lock goes: to a
// temporary file, synced, renamed over the old one, so the file is always
// whole, the old state or the new.
func (p *Pool) locked(fn func(*state) (changed bool, err error)) error {
	lock, err := lockfile.Open(p.Path+".lock", unix.LOCK_EX)
	if err != nil {
		return fmt.Errorf("ipam: lock %s: %w", p.Path, err)
	}
	defer lock.Close() // drops the lock
	s, err := p.read()
	if err != nil {
		return err
	}
	changed, err := fn(s)
	if err != nil || !changed {
		return err
	}
	return p.write(s)
}

func (p *Pool) read() (*state, error) {
	b, err := os.ReadFile(p.Path)
	if errors.Is(err, os.ErrNotExist) {
		s := &state{Subnet: p.Subnet, Gateway: p.Gateway, Allocated: map[netip.Addr]string{}}
		return s, p.write(s)
	}
	if err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("ipam: read %s: %w", p.Path, err)
	}
	if s.Subnet != p.Subnet || s.Gateway != p.Gateway {
		return nil, fmt.Errorf("ipam: %s holds %s gateway %s, not %s gateway %s: %w", p.Path, s.Subnet, s.Gateway, p.Subnet, p.Gateway, ErrSubnetMismatch)
	}
	if s.Allocated == nil {
		s.Allocated = map[netip.Addr]string{}
	}
	return &s, nil
}

func (p *Pool) write(s *state) error {
	b, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("ipam: encode: %w", err)
	}
	dir := filepath.Dir(p.Path)
	tmp, err := os.CreateTemp(dir, filepath.Base(p.Path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("ipam: write %s: %w", p.Path, err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p.Path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ipam: write %s: %w", p.Path, err)
	}
	return nil
}

// Remove deletes a pool's file and its lock, when its network goes.
func Remove(path string) error {
	err := os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	os.Remove(path + ".lock")
	return err
}
