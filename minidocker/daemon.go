package minidocker

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/minidocker/minidocker/daemon"
	"github.com/minidocker/minidocker/engine"
)

// daemonCommand is dockerd: the engine and the image store served over
// the Docker Engine API on a unix socket, until SIGINT or SIGTERM. The
// root is the command line's: both may be used on it at once.
func daemonCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var host, group string
	var insecure []string
	c := newCommand("daemon", "[OPTIONS]", "Serve the Docker Engine API (as dockerd), for the docker CLI, curl, or minidocker -H").storageFlags()
	c.fs.String(&host, "host", "H", "string", "Socket to listen on (default "+daemon.DefaultHost+")")
	c.fs.String(&group, "group", "G", "string", "Group that may use the socket too (mode 0660; default: none, 0600): membership is root on this host")
	c.fs.List(&insecure, "insecure-registry", "", "list", "Speak plain HTTP to this registry (host[:port]; localhost and 127.0.0.0/8 always are)")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 0, 0, stderr); !ok {
		return code
	}
	if host == "" {
		host = daemon.DefaultHost
	}
	path, err := daemon.ParseHost(host)
	if err != nil {
		return fail(stderr, err)
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	root := c.storage.root
	if root == "" {
		root = defaultRoot()
	}
	netCfg, err := networkConfig(root) // daemon.json's, as the command line's
	if err != nil {
		return fail(stderr, err)
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "minidocker daemon: "+format+"\n", args...) }
	e, err := engine.Open(root, engine.WithLogf(logf), engine.WithImages(daemon.EngineImages(s)), engine.WithNetworkConfig(netCfg))
	if err != nil {
		return fail(stderr, err)
	}
	l, err := daemon.Listen(path, group)
	if err != nil {
		return fail(stderr, err)
	}
	defer os.Remove(path)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := []daemon.Option{daemon.WithImages(s), daemon.WithVersion(Version), daemon.WithInsecureRegistries(insecure...),
		daemon.WithStorageDriver(c.storage.driver)}
	if g.debug {
		opts = append(opts, daemon.WithLogf(logf))
	}
	d := daemon.New(ctx, e, opts...)
	fmt.Fprintf(stderr, "minidocker daemon: API listening on %s (root %s)\n", path, e.Root)
	if err := d.Serve(ctx, l); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stderr, "minidocker daemon: stopped (containers go on under their monitors)")
	return 0
}
