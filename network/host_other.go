//go:build !linux

package network

import "errors"

// Open needs Linux: bridges, veth pairs and network namespaces.
func Open(root string, cfg Config) (*Manager, error) {
	return nil, errors.New("networks need Linux network namespaces: run minidocker in a Linux VM")
}

// CleanHost has nothing to clean off Linux.
func CleanHost(dir string) ([]Removed, error) { return nil, nil }
