package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/client"
	"github.com/minidocker/minidocker/daemon"
	"github.com/minidocker/minidocker/engine"
)

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

// Against minidocker's daemon: its version, its errors as *api.Error.
func TestClientAgainstDaemon(t *testing.T) {
	e, err := engine.Open(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host := serve(t, daemon.New(ctx, e, daemon.WithVersion("v-test")).Handler())
	c, err := client.New(ctx, host)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIVersion() != api.Version {
		t.Errorf("negotiated %s, want %s", c.APIVersion(), api.Version)
	}
	v, err := c.Version(ctx)
	if err != nil || v.Version != "v-test" || v.MinAPIVersion != api.MinVersion {
		t.Errorf("version: %+v %v", v, err)
	}
	_, err = c.ContainerInspect(ctx, "nosuch")
	var ae *api.Error
	if !errors.As(err, &ae) || ae.StatusCode != 404 || ae.Message != "No such container: nosuch" {
		t.Errorf("inspect nosuch: %#v", err)
	}
	if list, err := c.ContainerList(ctx, true); err != nil || len(list) != 0 {
		t.Errorf("ps -a: %v %v", list, err)
	}
}

// Against an older daemon the client speaks the daemon's version: every
// path has its prefix.
func TestClientNegotiatesDown(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	host := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("API-Version", "1.30")
		if r.URL.Path == "/_ping" {
			w.Write([]byte("OK"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Version":"17.06","ApiVersion":"1.30"}`))
	}))
	c, err := client.New(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIVersion() != "1.30" {
		t.Errorf("negotiated %s, want 1.30", c.APIVersion())
	}
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(paths, " ") != "/_ping /v1.30/version" {
		t.Errorf("paths %v", paths)
	}
}

func TestClientNoDaemon(t *testing.T) {
	_, err := client.New(context.Background(), "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	if err == nil || !strings.Contains(err.Error(), "cannot connect to the daemon") {
		t.Errorf("no daemon: %v", err)
	}
	if _, err := client.New(context.Background(), "tcp://127.0.0.1:2375"); err == nil {
		t.Error("tcp:// accepted")
	}
}
