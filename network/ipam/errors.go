package ipam

import "errors"

// Sentinel errors, wrapped with the address or subnet they are about.
var (
	// ErrExhausted is a subnet with no free address left.
	ErrExhausted = errors.New("no free address")
	// ErrInUse is an address asked for by name that another holds.
	ErrInUse = errors.New("address already in use")
	// ErrOutOfRange is an address asked for outside the subnet, or one of
	// those never given out (the network's, the gateway's, the broadcast).
	ErrOutOfRange = errors.New("address not available in the subnet")
	// ErrSubnetMismatch is a pool file opened with another subnet than
	// the one it was made with.
	ErrSubnetMismatch = errors.New("pool file is for another subnet")
)
