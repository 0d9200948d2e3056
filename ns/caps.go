package ns

import (
	"fmt"
	"slices"
	"strings"
)

// capNames are the capabilities by number, as <linux/capability.h> has them.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// DefaultCapabilities are the ones Docker leaves a container (moby
// oci/caps/defaults.go): enough for root's everyday work on its own files,
// users and ports, and none that reaches the kernel or the host, such as
// CAP_SYS_ADMIN (mount), CAP_SYS_MODULE or CAP_NET_ADMIN.
var DefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// Capabilities applies docker's --cap-add and --cap-drop to the defaults.
// Names are case-insensitive, with or without CAP_; "ALL" added means every
// capability but the dropped ones, "ALL" dropped means only the added ones.
func Capabilities(adds, drops []string) ([]string, error) {
	add, err := normalizeCaps(adds)
	if err != nil {
		return nil, fmt.Errorf("invalid --cap-add: %w", err)
	}
	drop, err := normalizeCaps(drops)
	if err != nil {
		return nil, fmt.Errorf("invalid --cap-drop: %w", err)
	}
	var caps []string
	switch {
	case slices.Contains(add, "ALL"):
		for _, c := range capNames {
			if !slices.Contains(drop, c) {
				caps = append(caps, c)
			}
		}
		return caps, nil
	case slices.Contains(drop, "ALL"):
		return add, nil
	}
	for _, c := range DefaultCapabilities {
		if !slices.Contains(drop, c) {
			caps = append(caps, c)
		}
	}
	for _, c := range add {
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps, nil
}

func normalizeCaps(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.ToUpper(n)
		if n != "ALL" && !strings.HasPrefix(n, "CAP_") {
			n = "CAP_" + n
		}
		if n != "ALL" && !slices.Contains(capNames, n) {
			return nil, fmt.Errorf("unknown capability: %q", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// capMask is the capability set names as a bit mask, bit N for capability N.
func capMask(names []string) (uint64, error) {
	var mask uint64
	for _, n := range names {
		i := slices.Index(capNames, n)
		if i < 0 {
			return 0, fmt.Errorf("unknown capability: %q", n)
		}
		mask |= 1 << i
	}
	return mask, nil
}
