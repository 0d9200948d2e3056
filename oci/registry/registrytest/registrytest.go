// Package registrytest runs a real registry for tests: Debian's
// docker-registry (distribution 2.8), on 127.0.0.1 at a free port, its
// storage in a directory of the caller's, stopped by PID.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Program is the registry's binary (apt-get install docker-registry).
const Program = "docker-registry"

// Registry is a running docker-registry.
type Registry struct {
	Addr     string // 127.0.0.1:PORT
	Dir      string // config.yml, data/, log
	User     string // with Basic auth: the user and password it made
	Password string
	cmd      *exec.Cmd
	done     chan error
}

// Options choose the registry's configuration.
type Options struct {
	// Basic turns on htpasswd (Basic) auth. There is no htpasswd file:
	// the registry makes one with the user "docker" and a random password,
	// which it logs, and Start reads from the log.
	Basic bool
	// Token turns on token auth, with tokens signed by the key whose
	// self-signed certificate is at Token.Cert.
	Token *TokenAuth
}

// TokenAuth configures the registry's token authentication.
type TokenAuth struct {
	Realm, Service, Issuer, Cert string
}

// Start starts a registry for t, stopped when t ends; without
// docker-registry installed, t is skipped, saying how to install it.
func Start(t testing.TB, o Options) *Registry {
	t.Helper()
	if _, err := exec.LookPath(Program); err != nil {
		t.Skipf("needs %s (apt-get install docker-registry, or make deps as root)", Program)
	}
	r, err := Run(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// Run starts a registry with its files in dir; Stop stops it.
func Run(dir string, o Options) (*Registry, error) {
	var lastErr error
	for range 5 { // a free port may be taken between the probe and the bind
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		r, err := start(dir, port, o)
		if err == nil {
			return r, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	return nil, lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func config(dir string, port int, o Options) string {
	c := fmt.Sprintf(`version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: 127.0.0.1:%d
`, filepath.Join(dir, "data"), port)
	switch {
	case o.Basic:
		c += fmt.Sprintf("auth:\n  htpasswd:\n    realm: minidocker-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	case o.Token != nil:
		c += fmt.Sprintf("auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n    rootcertbundle: %s\n",
			o.Token.Realm, o.Token.Service, o.Token.Issuer, o.Token.Cert)
	}
	return c
}

var passwordRE = regexp.MustCompile(`password=(\S+) user=(\S+)`)

func start(dir string, port int, o Options) (*Registry, error) {
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(config(dir, port, o)), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(Program, "serve", cfg)
	cmd.Stdout, cmd.Stderr, cmd.Dir = logf, logf, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", Program, err)
	}
	r := &Registry{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmd, done: make(chan error, 1)}
	go func() { r.done <- cmd.Wait() }()
	// Up when /v2/ answers at all (200, or 401 with auth on).
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case err := <-r.done:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("%s exited (%v) before it served: %s", Program, err, lastLines(string(log), 5))
		default:
		}
		resp, err := client.Get("http://" + r.Addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("%s did not answer on %s in 20s: %v", Program, r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if o.Basic {
		log, _ := os.ReadFile(logPath)
		m := passwordRE.FindStringSubmatch(string(log))
		if m == nil {
			r.Stop()
			return nil, fmt.Errorf("%s: no provisioned password in its log", Program)
		}
		r.Password, r.User = m[1], m[2]
	}
	return r, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// PID is the registry process's.
func (r *Registry) PID() int {
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// Stop stops the registry by its PID: SIGTERM, then SIGKILL after 5 s.
func (r *Registry) Stop() error {
	if r.cmd == nil || r.cmd.Process == nil {
		return nil
	}
	pid := r.cmd.Process.Pid
	r.cmd = nil
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", Program, pid, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
		syscall.Kill(pid, syscall.SIGKILL)
		<-r.done
	}
	return nil
}
