package network

import "errors"

// Sentinel errors, wrapped with the network, container or port they are
// about: test with errors.Is.
var (
	ErrNotFound = errors.New("network not found")
	ErrExists   = errors.New("network already exists")
	// ErrActiveEndpoints is a network removed while containers are on it.
	ErrActiveEndpoints = errors.New("network has active endpoints")
	// ErrPredefined is a change asked of bridge, host or none.
	ErrPredefined = errors.New("operation is not permitted on a pre-defined network")
	// ErrNoContainer is a container the network layer holds nothing for.
	ErrNoContainer = errors.New("no such container")
	// ErrNameInUse is a container name another running container has.
	ErrNameInUse = errors.New("container name already in use")
	// ErrPortAllocated is a host port another container publishes.
	ErrPortAllocated = errors.New("port is already allocated")
	// ErrSubnetInUse is a subnet that overlaps one already on the host.
	ErrSubnetInUse = errors.New("subnet overlaps an existing network")
	// ErrNoSubnet is every subnet of the address pools taken.
	ErrNoSubnet = errors.New("all predefined address pools have been fully subnetted")
	// ErrBridgeTaken is a bridge name that another network, or someone
	// else, has on this host.
	ErrBridgeTaken = errors.New("bridge device belongs to something else")
	// ErrBadSpec is a malformed -p, --expose or network option.
	ErrBadSpec = errors.New("invalid specification")
	// ErrDisabled is the default bridge switched off in the configuration
	// ("bridge": "none", as dockerd --bridge=none).
	ErrDisabled = errors.New("the default bridge network is disabled")
)
