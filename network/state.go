package network

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/internal/lockfile"
)

// state is network/state.json: every network and sandbox of the root.
type state struct {
	Networks  []*Network `json:"networks"`
	Sandboxes []*Sandbox `json:"sandboxes"`
}

const (
	stateFile = "state.json"
	lockFile  = "lock"
)

// update runs fn with the state locked and read, and writes it back if fn
// changed it and returned nil. The write is a new file renamed over the
// old one, so a crash leaves one or the other, never half of either.
func (m *Manager) update(fn func(*state) error) error {
	lock, err := lockfile.Open(filepath.Join(m.dir, lockFile), unix.LOCK_EX)
	if err != nil {
		return fmt.Errorf("lock network state: %w", err)
	}
	defer lock.Close() // drops the lock
	path := filepath.Join(m.dir, stateFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read network state: %w", err)
	}
	var s state
	if len(old) > 0 {
		if err := json.Unmarshal(old, &s); err != nil {
			return fmt.Errorf("read network state %s: %w", path, err)
		}
	}
	if err := fn(&s); err != nil {
		return err
	}
	b, err := json.MarshalIndent(&s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode network state: %w", err)
	}
	b = append(b, '\n')
	if bytes.Equal(b, old) {
		return nil
	}
	tmp, err := os.CreateTemp(m.dir, stateFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("write network state: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write network state: %w", err)
	}
	return nil
}
