// Package daemon is minidocker's dockerd: the engine (package engine) and
// the image store served over the Docker Engine API (package api), on a
// unix socket, to the docker CLI, curl, or minidocker -H. It holds no
// state of its own that matters: containers, volumes and images live on
// disk under the engine's root, shared with the daemonless command line,
// and every container runs under its own monitor process, so a daemon
// stopped and started again finds them all, running or not.
package daemon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
)

// Daemon serves one engine over the API.
type Daemon struct {
	engine   *engine.Engine
	images   *images.Store // nil: the image endpoints answer that there is no image store
	insecure []string      // registries spoken to in plain HTTP besides 127.0.0.0/8
	driver   string        // the storage driver of the containers it creates ("" the default)
	version  string        // minidocker's, in GET /version
	logf     func(format string, args ...any)
	started  time.Time

	events *hub
	execs  execStore

	// streams are the hijacked connections being served: the server's
	// Shutdown does not know them, Close ends them.
	mu      sync.Mutex
	streams map[net.Conn]struct{}
}

// Option configures New.
type Option func(*Daemon)

// WithImages plugs in the image store for the image endpoints (pull,
// images, inspect, tag, rmi, push).
func WithImages(s *images.Store) Option { return func(d *Daemon) { d.images = s } }

// WithInsecureRegistries names registries (host[:port]) spoken to in
// plain HTTP, as dockerd's --insecure-registry.
func WithInsecureRegistries(hosts ...string) Option {
	return func(d *Daemon) { d.insecure = append(d.insecure, hosts...) }
}

// WithStorageDriver is the storage driver (overlay, vfs) of the
// containers the daemon creates, as dockerd's --storage-driver: the
// image store's layers are unpacked with the same one.
func WithStorageDriver(name string) Option { return func(d *Daemon) { d.driver = name } }

// WithVersion is the version GET /version reports.
func WithVersion(v string) Option { return func(d *Daemon) { d.version = v } }

// WithLogf is where the daemon logs each request and what went wrong.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(d *Daemon) { d.logf = logf }
}

// New makes a daemon over e. Its event hub follows the engine's events
// until ctx is done.
func New(ctx context.Context, e *engine.Engine, opts ...Option) *Daemon {
	d := &Daemon{engine: e, version: "dev", logf: func(string, ...any) {}, started: time.Now(),
		streams: map[net.Conn]struct{}{}}
	for _, o := range opts {
		o(d)
	}
	d.events = newHub(ctx, e)
	d.execs.m = map[string]*execSession{}
	return d
}

// Serve serves the API on l until ctx is done, then stops: no new
// connections, requests in flight given a few seconds, hijacked streams
// closed. The containers go on running under their monitors.
func (d *Daemon) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	d.closeStreams()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close() // a wait or a logs -f: its client sees the end of the stream
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

func (d *Daemon) track(c net.Conn) {
	d.mu.Lock()
	d.streams[c] = struct{}{}
	d.mu.Unlock()
}

func (d *Daemon) untrack(c net.Conn) {
	d.mu.Lock()
	delete(d.streams, c)
	d.mu.Unlock()
}

func (d *Daemon) closeStreams() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for c := range d.streams {
		c.Close()
	}
}

// hostname is the daemon's Name in docker info.
func hostname() string {
	h, _ := os.Hostname()
	return h
}
