//go:build !linux

package unionfs

import "errors"

// Store is a snapshot store: Linux only.
type Store struct{}

// Option configures New.
type Option func()

// WithDriver picks the storage driver.
func WithDriver(name string) Option { return func() {} }

// WithLogf is where the fallback's log line goes.
func WithLogf(logf func(format string, args ...any)) Option { return func() {} }

// New opens a store: snapshots need Linux's mounts.
func New(root string, opts ...Option) (*Store, error) {
	return nil, errors.New("snapshot store: needs Linux")
}
