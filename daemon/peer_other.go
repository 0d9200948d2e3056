//go:build !linux

package daemon

import "net"

// peerGone: elsewhere the follower finds a gone client when a write fails.
func peerGone(net.Conn) bool { return false }
