// Package netlink speaks rtnetlink, the kernel's interface for network
// devices, addresses and routes, over a plain NETLINK_ROUTE socket: what
// `ip link`, `ip addr` and `ip route` do, and only the parts a container
// engine needs (bridges, veth pairs, moving a device into a network
// namespace, renaming it, bringing it up, addresses, a default route).
//
// A message is a 16-byte header, a fixed struct for its kind (ifinfomsg,
// ifaddrmsg, rtmsg) and attributes, each a type-length-value record padded
// to 4 bytes, some of them nested. The encoding (msg.go) is portable and
// tested anywhere; the socket side is Linux only.
package netlink
