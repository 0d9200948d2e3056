package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// shimd runs containerd from the Debian package, with its root,
// state and socket in dir, for containerd-shim-runc-v2 to be measured
// beside minidocker's monitor. stop kills it by PID and removes what it
// wrote outside dir (/run/containerd, if it was not there before, and the
// parent cgroup of the benchmark's containers).
type shimd struct {
	dir, sock string
	cmd       *exec.Cmd
	hadRun    bool
}

const shimCgroupParent = "/minidocker-bench-shim"

func startShimd(dir string) (*shimd, error) {
	if _, err := exec.LookPath("containerd"); err != nil {
		return nil, fmt.Errorf("no containerd (apt-get install containerd): %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &shimd{dir: dir, sock: filepath.Join(dir, "containerd.sock")}
	_, err := os.Stat("/run/containerd")
	c.hadRun = err == nil
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\n[grpc]\n  address = %q\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  disable = true\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.sock)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		return nil, err
	}
	c.cmd = exec.Command("containerd", "--config", filepath.Join(dir, "config.toml"))
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; i < 100; i++ {
		if c.ctr("version") == nil {
			return c, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.stop()
	return nil, fmt.Errorf("containerd did not answer on %s", c.sock)
}

func (c *shimd) ctr(args ...string) error {
	out, err := exec.Command("ctr", append([]string{"--address", c.sock}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// run starts a detached container with its output logged to a file, as
// the monitor logs it, and returns its shim's PID.
func (c *shimd) run(rootfs, id, script string) (int, error) {
	err := c.ctr("run", "-d", "--rootfs", "--env", "PATH=/bin:/usr/bin", "--log-uri", "file://"+filepath.Join(c.dir, id+".log"),
		"--cgroup", shimCgroupParent+"/"+id, rootfs, id, "/bin/sh", "-c", script)
	if err != nil {
		return 0, err
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 4 && strings.HasSuffix(args[0], "containerd-shim-runc-v2") && args[3] == "-id" && args[4] == id && strings.Contains(string(cmdline), c.sock) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no shim for %s", id)
}

func (c *shimd) remove(id string) {
	c.ctr("task", "kill", "-s", "KILL", id)
	for i := 0; i < 50 && c.ctr("task", "rm", id) != nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	c.ctr("container", "rm", id)
}

func (c *shimd) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
	if !c.hadRun {
		os.RemoveAll("/run/containerd")
	}
	// runc removes each container's cgroup, not the parent it made.
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*" + shimCgroupParent)
	more, _ := filepath.Glob("/sys/fs/cgroup/unified" + shimCgroupParent)
	for _, d := range append(dirs, more...) {
		os.Remove(d)
	}
}
