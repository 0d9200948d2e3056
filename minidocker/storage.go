package minidocker

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/minidocker/minidocker/engine"
)

// storageOptions are the flags that say where the engine keeps its state
// and how a container's root filesystem is made from layers instead of
// one --rootfs directory: read-only layer directories, with the
// container's writes going into a fresh layer of its own in the state
// root (dockerd's --data-root, --storage-driver).
type storageOptions struct {
	layers []string
	root   string
	driver string
}

func (o *storageOptions) flags(fs *flagSet) {
	fs.List(&o.layers, "layer", "", "DIR", "Add a read-only layer (repeat: the first is the bottom); writes go to a fresh layer on top")
	o.rootFlag(fs)
	fs.String(&o.driver, "storage-driver", "", "string", "Storage driver: overlay or vfs (default: overlay where it works)")
}

func (o *storageOptions) rootFlag(fs *flagSet) {
	fs.String(&o.root, "root", "", "DIR", "State directory for containers, volumes and layers (default /var/lib/minidocker, or $MINIDOCKER_ROOT)")
}

// open opens the engine at --root.
func (o *storageOptions) open(stderr io.Writer) (*engine.Engine, error) {
	root := o.root
	if root == "" {
		root = defaultRoot()
	}
	netCfg, err := networkConfig(root)
	if err != nil {
		return nil, err
	}
	return engine.Open(root, engine.WithNetworkConfig(netCfg), engine.WithLogf(func(format string, args ...any) {
		fmt.Fprintf(stderr, "minidocker: "+format+"\n", args...)
	}))
}

// builtinRoot is root's state directory when nothing names another.
const builtinRoot = "/var/lib/minidocker"

// defaultRoot is docker's /var/lib/docker for minidocker; a user who is
// not root gets one in their home, as rootless docker does.
// $MINIDOCKER_ROOT overrides both (the transcripts keep their state in
// their own work directory).
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
