package netlink

import "errors"

// ErrNotFound is a device that does not exist (ENODEV), wrapped with its
// name: test with errors.Is.
var ErrNotFound = errors.New("no such network device")

// ErrExists is a device, address or route that is already there (EEXIST).
var ErrExists = errors.New("already exists")
