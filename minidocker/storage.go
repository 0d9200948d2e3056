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

// defaultRoot is docker's /var/lib/docker for minidocker; a user who is
// not root gets one in their home, as rootless docker does.
func defaultRoot() string {
	if os.Geteuid() == 0 {
		return "/var/lib/minidocker"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "minidocker")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "minidocker")
}
