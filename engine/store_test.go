package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/network"

	"github.com/minidocker/minidocker/internal/lockfile"
)

func newTestEngine(t *testing.T) (*Engine, string) {
	t.Helper()
	// The default bridge off: these tests are about the store, and make
	// no bridge on the machine (chapter 09's transcripts test networks, in
	// a network namespace of their own).
	e, err := Open(filepath.Join(t.TempDir(), "root"), WithNetworkConfig(network.Config{Bridge: "none"}))
	if err != nil {
		t.Fatal(err)
	}
	rootfs := t.TempDir()
	return e, rootfs
}

// Two commands creating the same name at once: exactly one wins, and the
// store holds one whole container.
func TestCreateNameRace(t *testing.T) {
	e, rootfs := newTestEngine(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.Create(context.Background(), &CreateOptions{Name: "web", Rootfs: rootfs, Args: []string{"true"}})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrNameInUse):
			t.Errorf("create: %v", err)
		}
	}
	list, err := e.List()
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || len(list) != 1 || list[0].Name != "web" || list[0].State.Status != Created {
		t.Fatalf("%d created, store has %d containers", won, len(list))
	}
}

func TestGetByNameIDAndPrefix(t *testing.T) {
	e, rootfs := newTestEngine(t)
	a, err := e.Create(context.Background(), &CreateOptions{Name: "alpha", Rootfs: rootfs, Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Create(context.Background(), &CreateOptions{Rootfs: rootfs, Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Name == "" || !validName(b.Name) {
		t.Errorf("generated name %q", b.Name)
	}
	for _, ref := range []string{"alpha", "/alpha", a.ID, a.ID[:5]} {
		if c, err := e.Get(ref); err != nil || c.ID != a.ID {
			t.Errorf("Get(%q) = %v, %v", ref, c, err)
		}
	}
	if _, err := e.Get("nosuch"); !errors.Is(err, ErrNoSuchContainer) {
		t.Errorf("Get(nosuch): %v", err)
	}
	if a.ID[0] == b.ID[0] {
		if _, err := e.Get(a.ID[:1]); !errors.Is(err, ErrAmbiguous) {
			t.Errorf("Get of a shared prefix: %v", err)
		}
	}
}

// A state file that says running is believed only while a monitor holds
// monitor.lock: without one the container is dead.
func TestRunningNeedsMonitor(t *testing.T) {
	e, rootfs := newTestEngine(t)
	c, err := e.Create(context.Background(), &CreateOptions{Rootfs: rootfs, Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.update(c, func(st *State) error { st.Status, st.Pid = Running, 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Get(c.ID); got.State.Status != Dead {
		t.Errorf("no monitor: status %s, want dead", got.State.Status)
	}
	f, err := lockfile.Open(filepath.Join(c.Dir, "monitor.lock"), unix.LOCK_EX|unix.LOCK_NB)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Get(c.ID); got.State.Status != Running {
		t.Errorf("monitor holds the lock: status %s, want running", got.State.Status)
	}
	f.Close()
	if got, _ := e.Get(c.ID); got.State.Status != Dead {
		t.Errorf("monitor gone: status %s, want dead", got.State.Status)
	}
}

// A creation or removal that died half-way is not a container, and the
// next creation clears it.
func TestHalfMadeContainersIgnored(t *testing.T) {
	e, rootfs := newTestEngine(t)
	for _, d := range []string{".new-" + NewID(), ".rm-" + NewID()} {
		if err := os.MkdirAll(filepath.Join(e.containersDir(), d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if list, err := e.List(); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if _, err := e.Create(context.Background(), &CreateOptions{Rootfs: rootfs, Args: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(e.containersDir())
	if len(ents) != 1 {
		t.Errorf("after create: %d entries, want the one container", len(ents))
	}
}

func TestCreateRefuses(t *testing.T) {
	e, rootfs := newTestEngine(t)
	for _, tc := range []struct {
		o    CreateOptions
		want string
	}{
		{CreateOptions{Rootfs: rootfs}, "no command specified"},
		{CreateOptions{Rootfs: rootfs, Args: []string{"x"}, Name: "a"}, `invalid argument: container name "a": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, two characters at least`},
		{CreateOptions{Rootfs: rootfs, Args: []string{"x"}, WorkingDir: "rel"}, `the working directory "rel" is invalid: it needs to be an absolute path`},
		{CreateOptions{Rootfs: rootfs, Args: []string{"x"}, Env: []string{"=x"}}, "invalid environment variable: =x"},
		{CreateOptions{Rootfs: "/", Args: []string{"x"}}, "rootfs / is the host's own root: give a directory that holds a root filesystem (make demo builds one)"},
		{CreateOptions{Image: "busybox", Args: []string{"x"}}, "image busybox: minidocker has no image store yet: give --rootfs DIR or --layer DIR"},
		{CreateOptions{Rootfs: rootfs, Args: []string{"x"}, StopSignal: "SIGNOPE"}, "invalid argument: invalid signal: SIGNOPE"},
	} {
		if _, err := e.Create(context.Background(), &tc.o); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
	if list, _ := e.List(); len(list) != 0 {
		t.Errorf("refused creations left %d containers", len(list))
	}
}

// docker's rule for Entrypoint and Cmd.
func TestCommand(t *testing.T) {
	img := ImageConfig{Entrypoint: []string{"/ep"}, Cmd: []string{"default"}}
	for _, tc := range []struct {
		ep    []string
		epSet bool
		args  []string
		want  string
	}{
		{nil, false, nil, "[/ep] [default]"},
		{nil, false, []string{"x"}, "[/ep] [x]"},
		{[]string{"/other"}, true, nil, "[/other] []"},
		{nil, true, []string{"sh"}, "[] [sh]"},
	} {
		ep, cmd := command(img, tc.ep, tc.epSet, tc.args)
		if got := fmtList(ep) + " " + fmtList(cmd); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

func fmtList(l []string) string {
	s := "["
	for i, v := range l {
		if i > 0 {
			s += " "
		}
		s += v
	}
	return s + "]"
}

// A state file a machine's crash left empty reads as dead, not as an
// error that would stop every command.
func TestEmptyStateIsDead(t *testing.T) {
	e, rootfs := newTestEngine(t)
	c, err := e.Create(context.Background(), &CreateOptions{Rootfs: rootfs, Args: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "state.json"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := e.List()
	if err != nil || len(list) != 1 || list[0].State.Status != Dead {
		t.Fatalf("List = %v, %v", list, err)
	}
}
