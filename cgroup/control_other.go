//go:build !linux

package cgroup

import (
	"context"
	"errors"
)

var errNotLinux = errors.New("cgroups are a Linux feature")

func (c *Cgroup) Freeze(ctx context.Context) error { return errNotLinux }
func (c *Cgroup) Thaw(ctx context.Context) error   { return errNotLinux }
func (c *Cgroup) Kill() error                      { return errNotLinux }
func (c *Cgroup) Remove(ctx context.Context) error { return errNotLinux }

// ResolveDevice needs Linux's device numbers.
func ResolveDevice(d *DeviceRate) error { return errNotLinux }

// AllowDevices needs Linux's BPF.
func (c *Cgroup) AllowDevices(rules []DeviceRule) error { return errNotLinux }
