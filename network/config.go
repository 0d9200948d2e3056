package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
)

// Config is the engine's network settings, the ones dockerd takes as
// flags or in /etc/docker/daemon.json, under the same names.
type Config struct {
	// Bridge is the default network's bridge device (dockerd --bridge);
	// "none" turns the default network off: containers get --network
	// none unless they ask for another.
	Bridge string `json:"bridge,omitempty"`
	// BIP is the default bridge's address and prefix, 172.17.0.1/16
	// (dockerd --bip). Without it a free subnet is taken from the pools.
	BIP string `json:"bip,omitempty"`
	// DefaultAddressPools are where subnets come from when none is asked
	// for: docker's, 172.17.0.0/16 to 172.31.0.0/16, then 192.168.0.0/16
	// in /20s.
	DefaultAddressPools []AddressPool `json:"default-address-pools,omitempty"`
	// IPForward, when false, leaves net.ipv4.ip_forward alone (dockerd
	// --ip-forward=false): containers then reach only the host.
	IPForward *bool `json:"ip-forward,omitempty"`
}

// AddressPool is a range cut into subnets of Size bits.
type AddressPool struct {
	Base string `json:"base"`
	Size int    `json:"size"`
}

// DefaultPools are docker's default address pools: 172.17.0.0/16 to
// 172.31.0.0/16, then 192.168.0.0/16 in /20s.
var DefaultPools = func() []AddressPool {
	var ps []AddressPool
	for i := 17; i <= 31; i++ {
		ps = append(ps, AddressPool{Base: fmt.Sprintf("172.%d.0.0/16", i), Size: 16})
	}
	return append(ps, AddressPool{Base: "192.168.0.0/16", Size: 20})
}()

// ConfigFile is where the engine's settings are read from, as dockerd's
// /etc/docker/daemon.json (MINIDOCKER_CONFIG names another file).
const ConfigFile = "/etc/minidocker/daemon.json"

// LoadConfig reads a daemon.json; a missing file is the defaults. Keys
// that are not about networks are the engine's business and skipped.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read engine configuration: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read engine configuration %s: %w", path, err)
	}
	if c.BIP != "" {
		if _, err := netip.ParsePrefix(c.BIP); err != nil {
			return c, fmt.Errorf("engine configuration %s: bip %q: want an address and prefix, such as 172.17.0.1/16", path, c.BIP)
		}
	}
	for _, p := range c.DefaultAddressPools {
		if _, err := p.subnets(); err != nil {
			return c, fmt.Errorf("engine configuration %s: %w", path, err)
		}
	}
	return c, nil
}

func (c Config) pools() []AddressPool {
	if len(c.DefaultAddressPools) > 0 {
		return c.DefaultAddressPools
	}
	return DefaultPools
}

func (c Config) ipForward() bool { return c.IPForward == nil || *c.IPForward }

// subnets lists the pool's subnets in order.
func (p AddressPool) subnets() ([]netip.Prefix, error) {
	base, err := netip.ParsePrefix(p.Base)
	if err != nil || !base.Addr().Is4() || base != base.Masked() {
		return nil, fmt.Errorf("address pool %q: want an IPv4 network, such as 172.17.0.0/12", p.Base)
	}
	if p.Size < base.Bits() || p.Size > 30 || p.Size-base.Bits() > 16 {
		return nil, fmt.Errorf("address pool %s: size /%d: want a prefix length from /%d to /30, at most 65536 subnets", p.Base, p.Size, base.Bits())
	}
	var out []netip.Prefix
	step := uint32(1) << (32 - p.Size)
	b := base.Addr().As4()
	first := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	for i := uint32(0); i < 1<<(p.Size-base.Bits()); i++ {
		v := first + i*step
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), p.Size))
	}
	return out, nil
}

// overlaps reports whether two prefixes share an address.
func overlaps(a, b netip.Prefix) bool {
	return a.Contains(b.Addr()) || b.Contains(a.Addr())
}

// slicesContainsOverlap reports whether p overlaps any of ps.
func slicesContainsOverlap(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if overlaps(p, q) {
			return true
		}
	}
	return false
}
