package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/internal/lockfile"
	"github.com/minidocker/minidocker/unionfs"
	"golang.org/x/sys/unix"
)

// Kill sends sig to the container's init, as docker kill.
func (e *Engine) Kill(c *Container, sig unix.Signal) error {
	if !c.Running() {
		return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	pidfd, err := unix.PidfdOpen(c.State.Pid, 0)
	if err != nil {
		return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	defer unix.Close(pidfd)
	// The pidfd holds the process it was opened for; it is the init if it
	// started when the init did (a PID is reused only after its process
	// is gone).
	if start, err := procStart(c.State.Pid); err != nil || start != c.State.PidStart {
		return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	if err := unix.PidfdSendSignal(pidfd, sig, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
		}
		return fmt.Errorf("signal container %s: %w", c.ID[:12], err)
	}
	e.emit(c.Config, "kill", map[string]string{"signal": strconv.Itoa(int(sig))})
	return nil
}

// Stop sends the container its stop signal (SIGTERM unless the image or
// --stop-signal says otherwise), and SIGKILL if it is still running after
// timeout, as docker stop. A container that is not running is no error.
func (e *Engine) Stop(c *Container, timeout time.Duration) error {
	if !c.Running() {
		return nil
	}
	sig := unix.SIGTERM
	if c.StopSignal != "" {
		sig, _ = ParseSignal(c.StopSignal)
	}
	if err := e.Kill(c, sig); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	if e.waitMonitor(c, timeout) {
		e.emit(c.Config, "stop", nil)
		return nil
	}
	if err := e.Kill(c, unix.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	if !e.waitMonitor(c, 30*time.Second) {
		return fmt.Errorf("stop container %s: still running 30s after SIGKILL", c.ID[:12])
	}
	e.emit(c.Config, "stop", nil)
	return nil
}

// waitMonitor waits up to timeout (forever if negative) for the
// container's monitor to have recorded its end and exited, and reports
// whether it has.
func (e *Engine) waitMonitor(c *Container, timeout time.Duration) bool {
	file := filepath.Join(c.Dir, "monitor.lock")
	if timeout < 0 {
		unlock, err := lock(file, unix.LOCK_SH)
		if err == nil {
			unlock()
		}
		return true
	}
	deadline := time.Now().Add(timeout)
	for {
		unlock, err := lock(file, unix.LOCK_SH|unix.LOCK_NB)
		if err == nil {
			unlock()
			return true
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return true // the container's directory is gone: removed (--rm)
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Wait blocks until the container stops and returns its exit code, as
// docker wait.
func (e *Engine) Wait(c *Container) (int, error) {
	if c.Running() {
		e.waitMonitor(c, -1)
	}
	cur, err := e.load(c.ID)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("%w: %s (removed when it stopped)", ErrNoSuchContainer, c.ID[:12])
		}
		return 0, err
	}
	if cur.State.Status == Dead {
		return 137, nil
	}
	return cur.State.ExitCode, nil
}

// Pause freezes every process of the container (cgroup.freeze), as
// docker pause.
func (e *Engine) Pause(c *Container) error {
	return e.freeze(c, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(c *Container) error {
	return e.freeze(c, false)
}

func (e *Engine) freeze(c *Container, frozen bool) error {
	switch {
	case !c.Running():
		return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	case frozen && c.State.Status == Paused:
		return fmt.Errorf("container %s %w", c.ID[:12], ErrPaused)
	case !frozen && c.State.Status != Paused:
		return fmt.Errorf("container %s is not paused", c.ID[:12])
	case c.State.Cgroup == "":
		return fmt.Errorf("pause container %s: %w (rootless, without a delegated cgroup)", c.ID[:12], ErrNoCgroup)
	}
	host, err := detectCgroups()
	if err != nil {
		return err
	}
	cg := cgroup.Load(host, c.State.Cgroup)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, action := Running, "unpause"
	if frozen {
		err, status, action = cg.Freeze(ctx), Paused, "pause"
	} else {
		err = cg.Thaw(ctx)
	}
	if err != nil {
		return fmt.Errorf("pause container %s: %w", c.ID[:12], err)
	}
	err = e.update(c, func(st *State) error {
		if st.Status != Running && st.Status != Paused {
			return fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
		}
		st.Status = status
		return nil
	})
	if err == nil {
		e.emit(c.Config, action, nil)
	}
	return err
}

// Remove deletes the container, as docker rm: its snapshot, its cgroup
// if a dead monitor left one, its directory; a running one only with
// Force (killed first).
func (e *Engine) Remove(ctx context.Context, ref string, o RemoveOptions) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		starting, err := e.removeOnce(ctx, c, o)
		if !starting || time.Now().After(deadline) {
			return err
		}
		// It was being created or started: again, once that is done.
		e.waitStart(c)
	}
}

// removeOnce is Remove; starting says the container was being created
// or started meanwhile, and with Force it should be tried again.
func (e *Engine) removeOnce(ctx context.Context, c *Container, o RemoveOptions) (starting bool, err error) {
	if c.Running() {
		if !o.Force {
			return false, fmt.Errorf("cannot remove container %s: container %w: stop the container before attempting removal or force remove", c.ID[:12], ErrRunning)
		}
		if c.State.Status == Paused {
			e.freeze(c, false)
		}
		if err := e.Kill(c, unix.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
			return false, err
		}
		if !e.waitMonitor(c, 30*time.Second) {
			return false, fmt.Errorf("remove container %s: still running 30s after SIGKILL", c.ID[:12])
		}
	}
	unlock, err := e.lockStore()
	if err != nil {
		return false, err
	}
	defer unlock()
	// Again under the lock: its monitor may have removed it (--rm), or
	// someone started it meanwhile.
	if c2, err := e.load(c.ID); errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	} else {
		*c = *c2
	}
	if c.Running() {
		return o.Force, fmt.Errorf("cannot remove container %s: container %w", c.ID[:12], ErrRunning)
	}
	// A create finishing it, or a monitor starting it, holds monitor.lock
	// while its state still says created: removing the directory under
	// them would leave what they make next (its network files, its log)
	// behind. So the removal holds that lock too; they go first.
	mon, err := lockfile.Open(filepath.Join(c.Dir, "monitor.lock"), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return o.Force, fmt.Errorf("cannot remove container %s: container %w: it is being created or started", c.ID[:12], ErrRunning)
	}
	if err != nil {
		return false, fmt.Errorf("remove container %s: %w", c.ID[:12], err)
	}
	defer mon.Close()
	return false, e.removeStopped(ctx, c, o.Volumes)
}

// waitStart waits a little for the create or start of c to finish, and
// reads it again: then it runs (its monitor's lock) or does not.
func (e *Engine) waitStart(c *Container) {
	time.Sleep(10 * time.Millisecond)
	if c2, err := e.load(c.ID); err == nil {
		*c = *c2
	}
}

// removeStopped removes a container that runs no process. The directory
// is renamed out of the way first: a crash mid-way leaves a .rm-ID that
// the store does not list, never half a container.
func (e *Engine) removeStopped(ctx context.Context, c *Container, volumes bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var errs []error
	// First, so that a crash from here on leaves a container that can
	// have an address again, never an address without its container.
	if err := e.releaseNetwork(c); err != nil {
		errs = append(errs, err)
	}
	// A monitor killed after it made the cgroup leaves it behind.
	if err := removeCgroup(ctx, cgroupPath(c)); err != nil {
		errs = append(errs, err)
	}
	if c.Rootfs == "" {
		if s, err := e.snapshots(c.Driver); err != nil {
			errs = append(errs, err)
		} else if err := s.Remove(ctx, c.ID); err != nil && !errors.Is(err, unionfs.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	gone := filepath.Join(e.containersDir(), ".rm-"+c.ID)
	if err := os.Rename(c.Dir, gone); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	crashAt("rm-renamed")
	if err := os.RemoveAll(gone); err != nil {
		errs = append(errs, err)
	}
	if volumes {
		for _, name := range anonymousVolumes(c.Mounts) {
			if err := e.removeVolume(name, true, c.ID); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove container %s: %w", c.ID[:12], err)
	}
	e.emit(c.Config, "destroy", nil)
	return nil
}

// Top lists the container's processes, found by their PID namespace
// (which holds exactly the container's processes, exec'd ones too).
func (e *Engine) Top(c *Container) ([]Process, error) {
	if !c.Running() {
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.State.Pid))
	if err != nil {
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	boot := bootTime()
	var out []Process
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); ns != want {
			continue
		}
		p, err := readProc(pid, boot)
		if err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

const clockTicks = 100 // USER_HZ, 100 on every Linux architecture docker runs on

func readProc(pid int, boot time.Time) (Process, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Process{}, err
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if i < 0 || len(f) < 20 {
		return Process{}, fmt.Errorf("parse %s/stat", dir)
	}
	p := Process{PID: pid}
	p.PPID, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	p.CPU = time.Duration(utime+stime) * time.Second / clockTicks
	start, _ := strconv.ParseInt(f[19], 10, 64)
	p.Start = boot.Add(time.Duration(start) * time.Second / clockTicks)
	p.TTY = "?"
	if tty, _ := strconv.Atoi(f[4]); tty != 0 {
		if major := (tty >> 8) & 0xfff; major == 136 {
			p.TTY = "pts/" + strconv.Itoa((tty&0xff)|((tty>>12)&0xfff00))
		}
	}
	var st unix.Stat_t
	if unix.Stat(dir, &st) == nil {
		p.UID = int(st.Uid)
	}
	cmdline, _ := os.ReadFile(dir + "/cmdline")
	p.Cmd = strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))
	if p.Cmd == "" {
		p.Cmd = "[" + s[strings.IndexByte(s, '(')+1:i] + "]"
	}
	return p, nil
}

func bootTime() time.Time {
	b, _ := os.ReadFile("/proc/stat")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}
