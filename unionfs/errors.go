package unionfs

import "errors"

// Sentinel errors, wrapped with the key they are about: test with errors.Is.
var (
	ErrNotFound = errors.New("snapshot not found")
	ErrExists   = errors.New("snapshot already exists")
	// ErrInUse is a snapshot others stand on (its children) being removed.
	ErrInUse = errors.New("snapshot in use")
	// ErrNotActive is an active snapshot's operation (Mounts, Commit,
	// LayerDir) asked of a committed one, which is immutable, or of a view.
	ErrNotActive = errors.New("snapshot not active")
	// ErrNotCommitted is a parent that is not committed: only immutable
	// snapshots can be stood on.
	ErrNotCommitted = errors.New("parent snapshot not committed")
	// ErrUnknownDriver is a storage driver name that is neither overlay nor vfs.
	ErrUnknownDriver = errors.New("unknown storage driver")
	// ErrNotSupported is an operation the driver cannot do.
	ErrNotSupported = errors.New("not supported by this storage driver")
)
