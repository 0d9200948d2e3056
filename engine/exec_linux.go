package engine

import (
	"fmt"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/ns"
)

// Exec starts a command in the running container c, in its namespaces
// and its cgroup, as docker exec: the process is a child of this one (see
// ns.Join), which waits for it. The container's user, working directory,
// environment and capabilities apply unless o says otherwise.
func (e *Engine) Exec(c *Container, o ExecOptions, stdio ns.Stdio) (*ns.Process, error) {
	switch {
	case c.State.Status == Paused:
		return nil, fmt.Errorf("container %s %w, unpause the container before exec", c.ID[:12], ErrPaused)
	case !c.Running():
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	case len(o.Cmd) == 0:
		return nil, fmt.Errorf("%w: no command specified", ErrInvalid)
	}
	// The init still runs, with the start time it had: its PID is its own.
	if start, err := procStart(c.State.Pid); err != nil || start != c.State.PidStart {
		return nil, fmt.Errorf("container %s %w", c.ID[:12], ErrNotRunning)
	}
	cfg, err := nsConfig(c)
	if err != nil {
		return nil, err
	}
	cfg.Args, cfg.Tty, cfg.ConsoleSize = o.Cmd, o.Tty, o.ConsoleSize
	if o.User != "" {
		cfg.User = o.User
	}
	if o.WorkingDir != "" {
		cfg.Cwd = o.WorkingDir
	}
	for _, kv := range o.Env {
		cfg.Env = SetEnv(cfg.Env, kv)
	}
	var cg ns.Cgroup
	if c.State.Cgroup != "" {
		host, err := detectCgroups()
		if err != nil {
			return nil, err
		}
		cg = cgroup.Load(host, c.State.Cgroup)
	}
	p, err := ns.Join(c.State.Pid, cg, cfg, stdio)
	if err != nil {
		return nil, err
	}
	return p, nil
}
