package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/ns"
)

// createContainer is POST /containers/create?name=NAME: docker create.
// The body's two halves, the container's config and its host config,
// become the engine's CreateOptions; an image that is not here is a 404,
// on which the docker CLI pulls it and asks again.
func (d *Daemon) createContainer(w http.ResponseWriter, r *http.Request) error {
	var req api.CreateRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	o, err := createOptions(r.URL.Query().Get("name"), &req)
	if err != nil {
		return err
	}
	if err := d.checkNetworkMode(o.Network.Mode); err != nil {
		return err
	}
	o.Driver = d.driver
	c, err := d.engine.Create(r.Context(), o)
	if errors.Is(err, network.ErrNotFound) {
		return badRequest(err) // not a 404: see checkNetworkMode
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, api.CreateResponse{ID: c.ID, Warnings: []string{}})
}

func createOptions(name string, req *api.CreateRequest) (*engine.CreateOptions, error) {
	if req.Image == "" {
		return nil, badRequest(errors.New("config cannot be empty in order to create a container: no image"))
	}
	hc := req.HostConfig
	if hc == nil {
		hc = &api.HostConfig{}
	}
	netOpts, err := networkOptions(req, hc)
	if err != nil {
		return nil, err
	}
	o := &engine.CreateOptions{Network: netOpts,
		Name: name, Image: req.Image, Args: req.Cmd, Env: req.Env, WorkingDir: req.WorkingDir,
		User: req.User, Hostname: req.Hostname, Tty: req.Tty, OpenStdin: req.OpenStdin, StdinOnce: req.StdinOnce,
		ReadOnly: hc.ReadonlyRootfs, CapAdd: hc.CapAdd, CapDrop: hc.CapDrop,
		CgroupParent: hc.CgroupParent, AutoRemove: hc.AutoRemove, StopSignal: req.StopSignal,
		StopTimeout: req.StopTimeout,
	}
	if req.Entrypoint != nil {
		o.EntrypointSet = true
		if !(len(req.Entrypoint) == 1 && req.Entrypoint[0] == "") {
			o.Entrypoint = req.Entrypoint
		}
	}
	if hc.Init != nil {
		o.Init = *hc.Init
	}
	if cs := hc.ConsoleSize; req.Tty && cs[0] > 0 && cs[1] > 0 {
		o.ConsoleSize = ns.ConsoleSize{Rows: uint16(cs[0]), Cols: uint16(cs[1])}
	}
	o.Resources = cgroup.Resources{Memory: hc.Memory, MemorySwap: hc.MemorySwap, MemoryReservation: hc.MemoryReservation,
		NanoCPUs: hc.NanoCPUs, CPUPeriod: hc.CPUPeriod, CPUQuota: hc.CPUQuota, CPUShares: hc.CPUShares,
		CpusetCpus: hc.CpusetCpus, CpusetMems: hc.CpusetMems}
	if hc.PidsLimit != nil {
		o.Resources.PidsLimit = *hc.PidsLimit
	}
	for _, l := range []struct {
		from []api.ThrottleDevice
		to   *[]cgroup.DeviceRate
	}{{hc.BlkioDeviceReadBps, &o.Resources.DeviceReadBps}, {hc.BlkioDeviceWriteBps, &o.Resources.DeviceWriteBps}} {
		for _, t := range l.from {
			dr := cgroup.DeviceRate{Path: t.Path, Rate: t.Rate}
			if err := cgroup.ResolveDevice(&dr); err != nil {
				return nil, badRequest(err)
			}
			*l.to = append(*l.to, dr)
		}
	}
	for _, b := range hc.Binds {
		m, err := engine.ParseVolume(b)
		if err != nil {
			return nil, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for dst := range req.Volumes { // -v /path: an anonymous volume
		m, err := engine.ParseVolume(dst)
		if err != nil {
			return nil, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for dst, opts := range hc.Tmpfs {
		spec := dst
		if opts != "" {
			spec += ":" + opts
		}
		m, err := engine.ParseTmpfs(spec)
		if err != nil {
			return nil, err
		}
		o.Mounts = append(o.Mounts, m)
	}
	for _, ms := range hc.Mounts {
		m := engine.Mount{Type: ms.Type, Destination: ms.Target, RW: !ms.ReadOnly}
		switch ms.Type {
		case "bind":
			m.Source = ms.Source
		case "volume":
			m.Name, m.Anonymous = ms.Source, ms.Source == ""
			m.NoCopy = ms.VolumeOptions != nil && ms.VolumeOptions.NoCopy
		case "tmpfs":
			if t := ms.TmpfsOptions; t != nil {
				var opts []string
				if t.SizeBytes > 0 {
					opts = append(opts, "size="+strconv.FormatInt(t.SizeBytes, 10))
				}
				if t.Mode != 0 {
					opts = append(opts, "mode="+strconv.FormatUint(uint64(t.Mode), 8))
				}
				m.Options = strings.Join(opts, ",")
			}
		default:
			return nil, badRequest(fmt.Errorf("mount on %s: type %q is not bind, volume or tmpfs", ms.Target, ms.Type))
		}
		o.Mounts = append(o.Mounts, m)
	}
	return o, nil
}

// container finds the {id} of the path: by ID, name or a unique prefix.
func (d *Daemon) container(r *http.Request) (*engine.Container, error) {
	return d.engine.Get(r.PathValue("id"))
}

func (d *Daemon) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	sb, err := d.engine.Sandbox(c)
	if err != nil {
		return err
	}
	var nets []*network.Network
	if c.NetworkMode == "host" || c.NetworkMode == "none" {
		m, err := d.engine.Networks()
		if err != nil {
			return err
		}
		if nets, err = m.Networks(); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, Inspect(c, d.execs.of(c.ID), sb, nets))
}

// checkNetworkMode refuses a create on a network that does not exist,
// with dockerd's words but not its 404 (which dockerd gives at the
// start): on a 404 from create, the docker CLI pulls the image and asks
// again.
func (d *Daemon) checkNetworkMode(mode string) error {
	switch {
	case mode == "" || mode == "bridge" || mode == "none" || mode == "host" || strings.HasPrefix(mode, "container:"):
		return nil
	}
	_, _, err := d.findNetwork(mode)
	if se, ok := err.(*statusError); ok && se.code == http.StatusNotFound {
		return badRequest(err)
	}
	return err
}

// startContainer is docker start: the container runs under a monitor of
// its own, not under the daemon, and outlives it. A container already
// running is 304 Not Modified.
func (d *Daemon) startContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	if c.Running() {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if err := d.engine.Start(r.Context(), c); err != nil {
		if errors.Is(err, engine.ErrRunning) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		if c.AutoRemove {
			// --rm: a container that could not start is removed too, as
			// dockerd does; docker run waits for that (condition removed).
			if rerr := d.engine.Remove(context.WithoutCancel(r.Context()), c.ID, engine.RemoveOptions{Force: true, Volumes: true}); rerr != nil {
				d.logf("remove %s after its failed start: %v", c.ID[:12], rerr)
			}
		}
		return startError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// startError is a failed start as dockerd words it: the docker CLI reads
// "executable file not found" and "no such file or directory" as exit
// 127, "permission denied" and "is a directory" as 126, anything else
// 125.
func startError(err error) error {
	return &statusError{http.StatusBadRequest, "failed to create task for container: " + err.Error()}
}

func (d *Daemon) stopContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	t, err := stopTime(r)
	if err != nil {
		return err
	}
	if !c.Running() {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if err := d.engine.Stop(c, engine.StopTimeout(c, t)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// stopTime reads ?t=: seconds before SIGKILL.
func stopTime(r *http.Request) (*int, error) {
	s := r.URL.Query().Get("t")
	if s == "" {
		return nil, nil
	}
	t, err := strconv.Atoi(s)
	if err != nil {
		return nil, badRequest(fmt.Errorf("invalid value for t: %q: want seconds", s))
	}
	return &t, nil
}

func (d *Daemon) restartContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	t, err := stopTime(r)
	if err != nil {
		return err
	}
	if err := d.engine.Stop(c, engine.StopTimeout(c, t)); err != nil {
		return err
	}
	if c, err = d.engine.Get(c.ID); err != nil {
		return err
	}
	if err := d.engine.Start(r.Context(), c); err != nil {
		return startError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (d *Daemon) killContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("signal")
	if name == "" {
		name = "KILL"
	}
	sig, err := engine.ParseSignal(name)
	if err != nil {
		return err
	}
	if err := d.engine.Kill(c, sig); err != nil {
		if errors.Is(err, engine.ErrNotRunning) {
			return &statusError{http.StatusConflict, fmt.Sprintf("Cannot kill container: %s: Container %s is not running", r.PathValue("id"), c.ID)}
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (d *Daemon) pauseContainer(w http.ResponseWriter, r *http.Request) error {
	return d.simple(w, r, d.engine.Pause)
}

func (d *Daemon) unpauseContainer(w http.ResponseWriter, r *http.Request) error {
	return d.simple(w, r, d.engine.Unpause)
}

func (d *Daemon) simple(w http.ResponseWriter, r *http.Request, fn func(*engine.Container) error) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (d *Daemon) removeContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	c, err := d.engine.Get(id)
	if err != nil {
		return err
	}
	if err := d.engine.Remove(r.Context(), c.ID, engine.RemoveOptions{Force: boolValue(r, "force"), Volumes: boolValue(r, "v")}); err != nil {
		return err
	}
	d.execs.forget(c.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// waitContainer is POST /containers/ID/wait?condition=: not-running (the
// default: now, if it is not running), next-exit (the next time it
// stops) or removed (once it is gone). The status line goes out at once
// and the body when the condition is met: the docker CLI sends the wait
// and waits for that status line before it starts the container, so that
// no exit can happen unseen between the two.
func (d *Daemon) waitContainer(w http.ResponseWriter, r *http.Request) error {
	cond := r.URL.Query().Get("condition")
	switch cond {
	case "", "not-running", "next-exit", "removed":
	default:
		return badRequest(fmt.Errorf("invalid condition: %q", cond))
	}
	c, err := d.container(r)
	if err != nil {
		return err
	}
	events, stop := d.events.subscribe(c.ID)
	defer stop()
	// Read again now that events are watched: what happened before is in
	// the state, what happens after comes as an event.
	if c, err = d.engine.Get(c.ID); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flush(w)
	code, err := d.waitFor(r, c, cond, events)
	resp := api.WaitResponse{StatusCode: code}
	if err != nil {
		resp.Error = &api.WaitError{Message: err.Error()}
	}
	return writeBody(w, resp)
}

func (d *Daemon) waitFor(r *http.Request, c *engine.Container, cond string, events <-chan engine.Event) (int, error) {
	code := c.State.ExitCode
	if c.State.Status == engine.Dead {
		code = 137
	}
	if (cond == "" || cond == "not-running") && !c.Running() {
		return code, nil
	}
	// A monitor killed with its container writes no die event: look at
	// the state now and then too.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return code, r.Context().Err()
		case ev := <-events:
			switch ev.Action {
			case "die":
				code, _ = strconv.Atoi(ev.Attributes["exitCode"])
				if cond != "removed" {
					return code, nil
				}
			case "destroy":
				if cond == "removed" {
					return code, nil
				}
			}
		case <-tick.C:
			cur, err := d.engine.Get(c.ID)
			if errors.Is(err, engine.ErrNoSuchContainer) {
				return code, nil // removed: whatever we wait for is over
			}
			if err == nil && cur.State.Status == engine.Dead && cond != "removed" {
				return 137, nil
			}
		}
	}
}

// writeBody writes v as JSON after the status line has gone.
func writeBody(w http.ResponseWriter, v any) error {
	err := jsonEncode(w, v)
	flush(w)
	return err
}

func (d *Daemon) topContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := d.container(r)
	if err != nil {
		return err
	}
	procs, err := d.engine.Top(c)
	if err != nil {
		return err
	}
	resp := api.TopResponse{Titles: []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}, Processes: [][]string{}}
	for _, p := range procs {
		cpu := p.CPU.Round(time.Second)
		resp.Processes = append(resp.Processes, []string{strconv.Itoa(p.UID), strconv.Itoa(p.PID), strconv.Itoa(p.PPID), "0",
			p.Start.Format("15:04"), p.TTY, fmt.Sprintf("%02d:%02d:%02d", int(cpu.Hours()), int(cpu.Minutes())%60, int(cpu.Seconds())%60), p.Cmd})
	}
	return writeJSON(w, http.StatusOK, resp)
}
