package minidocker

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/ns"
)

// containerNetwork is a running container's place in the network layer,
// nil for --network none and host, which need none.
type containerNetwork struct {
	m       *network.Manager
	id      string
	cleaner *exec.Cmd // see startNetworkCleaner
	release *os.File
}

// attach prepares the container's network before it starts: its address,
// its published ports and the /etc files bind-mounted into it; its
// interfaces come when its init exists (ns.Config.Prestart).
func (nm *networkMode) attach(id string, cfg *ns.Config) (*containerNetwork, error) {
	switch nm.mode {
	case "none":
		return nil, nil
	case "host":
		cfg.HostNetwork = true
		return nil, nil
	}
	m, err := network.Open(nm.root, nm.cfg)
	if err != nil {
		return nil, err
	}
	cleaner, release, err := startNetworkCleaner(nm.root)
	if err != nil {
		return nil, err
	}
	c := &containerNetwork{m: m, id: id, cleaner: cleaner, release: release}
	spec := nm.spec
	spec.ContainerID, spec.Hostname = id, cfg.Hostname
	spec.Dir = filepath.Join(nm.root, "containers", id)
	sb, err := m.Prepare(spec)
	if err != nil {
		c.stopCleaner()
		return nil, err
	}
	for _, f := range sb.Files() {
		cfg.BindMounts = append(cfg.BindMounts, ns.BindMount{Source: f.Source, Destination: f.Destination})
	}
	cfg.Prestart = func(pid int) error {
		init, err := network.ProcessOf(pid)
		if err != nil {
			return err
		}
		return m.Start(id, init)
	}
	return c, nil
}

// detach takes everything the container had off the host.
func (c *containerNetwork) detach(stderr io.Writer) {
	if c == nil {
		return
	}
	if err := c.m.Remove(c.id); err != nil {
		fmt.Fprintf(stderr, "minidocker: remove the container's network: %v\n", err)
	}
	c.stopCleaner()
}

// startNetworkCleaner starts `minidocker network-cleanup ROOT`, which
// waits for end of file on its stdin, whose write end only this process
// holds, then opens the root's network layer: if run was killed
// (SIGKILL), that cleans what its container left, at once rather than at
// the next minidocker command. The cgroup's cleaner does the same for
// the cgroup; docker has containerd's shim and the daemon's restore.
func startNetworkCleaner(root string) (*exec.Cmd, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("start network cleaner: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", "network-cleanup", root)
	cmd.Args[0] = "minidocker" // as for the init: see ns.InitArgs
	cmd.Stdin = r
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("start network cleaner: %w", err)
	}
	return cmd, w, nil
}

// stopCleaner tells the cleaner all is done (a byte, then end of file)
// and waits for it.
func (c *containerNetwork) stopCleaner() {
	c.release.Write([]byte{0})
	c.release.Close()
	c.cleaner.Wait()
}

// networkCleanup is the cleaner's side: end of file without the byte
// means run died; then the network layer's Open cleans after it.
func networkCleanup(args []string, stdin io.Reader) int {
	if len(args) != 1 {
		return ExitEngine
	}
	var b [1]byte
	if n, _ := io.ReadFull(stdin, b[:]); n == 1 {
		return 0 // run cleaned up itself
	}
	if _, err := openNetworks(args[0]); err != nil {
		return ExitEngine
	}
	return 0
}
