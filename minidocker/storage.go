package minidocker

import (
	"os"
	"path/filepath"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// storageOptions are the flags that build a container's root filesystem
// from layers instead of one --rootfs directory: read-only layer
// directories, with the container's writes going into a fresh layer of
// its own in the state root (dockerd's --data-root, --storage-driver).
type storageOptions struct {
	layers []string
	root   string
	driver string

	mounts []mount.Mount // the container's root, once prepared
}

func (o *storageOptions) flags(fs *flagSet) {
	fs.List(&o.layers, "layer", "", "DIR", "Add a read-only layer (repeat: the first is the bottom); writes go to a fresh layer on top, removed at exit")
	fs.String(&o.root, "root", "", "DIR", "State directory for layers and containers (default /var/lib/minidocker)")
	fs.String(&o.driver, "storage-driver", "", "string", "Storage driver: overlay or vfs (default: overlay where it works)")
}

// builtinRoot is root's state directory when nothing names another.
const builtinRoot = "/var/lib/minidocker"

// defaultRoot is docker's /var/lib/docker for minidocker; a user who is
// not root gets one in their home, as rootless docker does.
// MINIDOCKER_ROOT names another (the tests give each transcript its own).
func defaultRoot() string {
	if d := os.Getenv("MINIDOCKER_ROOT"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return builtinRoot
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "minidocker")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "minidocker")
}

// stateRoot is the state directory: --root, or the default.
func (o *runOptions) stateRoot() string {
	if o.storage.root != "" {
		return o.storage.root
	}
	return defaultRoot()
}
