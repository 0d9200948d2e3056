package daemon

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
)

// listContainers is GET /containers/json: docker ps. ?all= lists stopped
// ones too, ?limit= the newest N, ?filters= as docker ps -f.
func (d *Daemon) listContainers(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	if err := f.check("id", "name", "status", "exited", "ancestor", "label", "volume", "network", "before", "since", "health", "isolation", "is-task", "publish", "expose"); err != nil {
		return err
	}
	for _, s := range f["status"] {
		switch s {
		case "created", "restarting", "running", "removing", "paused", "exited", "dead":
		default:
			return badRequest(fmt.Errorf("invalid filter 'status=%s'", s))
		}
	}
	all, err := d.engine.List()
	if err != nil {
		return err
	}
	sbs, err := d.sandboxes(all)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	showAll := boolValue(r, "all") || limit > 0 || len(f["status"]) > 0 || len(f["exited"]) > 0
	now := time.Now()
	out := []api.Container{}
	for i := len(all) - 1; i >= 0; i-- { // newest first
		c := all[i]
		if !showAll && !c.Running() {
			continue
		}
		if !matchContainer(f, c, sbs[c.ID]) {
			continue
		}
		out = append(out, summary(c, sbs[c.ID], now))
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// sandboxes are the network layer's state of the containers that have
// one, by container ID.
func (d *Daemon) sandboxes(cs []*engine.Container) (map[string]*network.Sandbox, error) {
	out := map[string]*network.Sandbox{}
	if !slices.ContainsFunc(cs, func(c *engine.Container) bool {
		return c.NetworkMode != "" && c.NetworkMode != "none" && c.NetworkMode != "host"
	}) {
		return out, nil // no need to open the network layer
	}
	m, err := d.engine.Networks()
	if err != nil {
		return nil, err
	}
	list, err := m.Sandboxes()
	if err != nil {
		return nil, err
	}
	for _, sb := range list {
		out[sb.ContainerID] = sb
	}
	return out, nil
}

func matchContainer(f filters, c *engine.Container, sb *network.Sandbox) bool {
	return f.match("id", func(s string) bool { return strings.HasPrefix(c.ID, s) }) &&
		f.match("name", func(s string) bool {
			re, err := regexp.Compile(s)
			return err == nil && re.MatchString("/"+c.Name)
		}) &&
		f.match("status", func(s string) bool { return s == string(c.State.Status) }) &&
		f.match("exited", func(s string) bool {
			return c.State.Status == engine.Exited && s == strconv.Itoa(c.State.ExitCode)
		}) &&
		f.match("ancestor", func(s string) bool {
			return s == c.Image || s == c.ImageID || strings.HasPrefix(strings.TrimPrefix(c.ImageID, "sha256:"), s) ||
				strings.TrimSuffix(c.Image, ":latest") == s
		}) &&
		f.match("label", func(string) bool { return false }) && // containers have no labels yet
		f.match("network", func(s string) bool { return onNetwork(c, sb, s) }) &&
		f.match("publish", func(s string) bool {
			return sb != nil && c.Running() && slices.ContainsFunc(sb.Ports, portMatch(s, true))
		}) &&
		f.match("expose", func(s string) bool {
			return slices.ContainsFunc(append(slices.Clone(c.ExposedPorts), c.PortBindings...), portMatch(s, false))
		}) &&
		f.match("volume", func(s string) bool {
			for _, m := range c.Mounts {
				if m.Name == s || m.Destination == s || m.Source == s {
					return true
				}
			}
			return false
		})
}

// portMatch is ps' publish (the host's port) or expose (the container's)
// filter: PORT, PORT/PROTO, or a range.
func portMatch(s string, host bool) func(network.PortBinding) bool {
	want, err := network.ParseExpose(s)
	return func(p network.PortBinding) bool {
		port := p.Port
		if host {
			port = p.HostPort
		}
		return err == nil && slices.ContainsFunc(want, func(w network.PortBinding) bool {
			return w.Port == port && (w.Proto == p.Proto || !strings.Contains(s, "/"))
		})
	}
}

// summary is a container as docker ps shows it.
func summary(c *engine.Container, sb *network.Sandbox, now time.Time) api.Container {
	s := api.Container{ID: c.ID, Names: []string{"/" + c.Name}, Image: c.Image, ImageID: c.ImageID,
		Command: strings.Join(append([]string{c.Path}, c.Args...), " "), Created: c.Created.Unix(),
		Ports: []api.Port{}, Labels: map[string]string{}, State: string(c.State.Status),
		Status: c.StatusText(now), Mounts: mounts(c)}
	summaryNetwork(&s, c, sb)
	return s
}

func mounts(c *engine.Container) []api.MountPoint {
	out := []api.MountPoint{}
	for _, m := range c.Mounts {
		mode := ""
		if !m.RW {
			mode = "ro"
		}
		switch m.Type {
		case "bind":
			out = append(out, api.MountPoint{Type: "bind", Source: m.Source, Destination: m.Destination, Mode: mode, RW: m.RW, Propagation: "rprivate"})
		case "volume":
			if mode == "" {
				mode = "z"
			}
			out = append(out, api.MountPoint{Type: "volume", Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: "local", Mode: mode, RW: m.RW})
		case "tmpfs":
			out = append(out, api.MountPoint{Type: "tmpfs", Destination: m.Destination, Mode: m.Options, RW: m.RW})
		}
	}
	return out
}

// dockerTime is how docker's JSON writes a time: RFC 3339 with
// nanoseconds, zero as 0001-01-01T00:00:00Z.
func dockerTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Inspect is a container as GET /containers/ID/json shows it, docker
// inspect's shape with the fields minidocker has (the daemonless inspect
// prints it too): sb is its sandbox (nil for none and host), nets the
// networks, execIDs its execs.
func Inspect(c *engine.Container, execIDs []string, sb *network.Sandbox, nets []*network.Network) api.ContainerJSON {
	st := c.State
	j := api.ContainerJSON{ID: c.ID, Created: dockerTime(c.Created), Path: c.Path, Args: c.Args, Image: c.ImageID,
		LogPath: c.LogPath(), Name: "/" + c.Name, Driver: c.Driver, Platform: "linux", ExecIDs: execIDs,
		State: api.ContainerState{Status: string(st.Status), Running: c.Running(), Paused: st.Status == engine.Paused,
			OOMKilled: st.OOMKilled, Dead: st.Status == engine.Dead, Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: dockerTime(st.StartedAt), FinishedAt: dockerTime(st.FinishedAt)},
		Config: api.ContainerConfig{Hostname: c.Hostname, User: c.User, Tty: c.Tty, OpenStdin: c.OpenStdin, Env: c.Env,
			Cmd: c.Cmd, Image: c.Image, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint, Labels: map[string]string{},
			StopSignal: c.StopSignal, StopTimeout: c.StopTimeout, AttachStdout: true, AttachStderr: true},
		Mounts: mounts(c),
	}
	if j.Args == nil {
		j.Args = []string{}
	}
	if j.Driver == "" && c.Rootfs == "" {
		j.Driver = "overlay"
	}
	j.GraphDriver = api.GraphDriver{Name: j.Driver, Data: map[string]string{}}
	r := c.Resources
	hc := api.HostConfig{AutoRemove: c.AutoRemove, CapAdd: c.CapAdd, CapDrop: c.CapDrop,
		ReadonlyRootfs: c.ReadOnly, Binds: []string{}}
	hc.Resources = api.Resources{CgroupParent: c.CgroupParent, Memory: r.Memory, MemorySwap: r.MemorySwap,
		MemoryReservation: r.MemoryReservation, NanoCPUs: r.NanoCPUs, CPUShares: r.CPUShares, CPUPeriod: r.CPUPeriod,
		CPUQuota: r.CPUQuota, CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems}
	if c.Init {
		hc.Init = &c.Init
	}
	if r.PidsLimit != 0 {
		hc.PidsLimit = &r.PidsLimit
	}
	for _, m := range c.Mounts {
		switch m.Type {
		case "bind":
			b := m.Source + ":" + m.Destination
			if !m.RW {
				b += ":ro"
			}
			hc.Binds = append(hc.Binds, b)
		case "tmpfs":
			if hc.Tmpfs == nil {
				hc.Tmpfs = map[string]string{}
			}
			hc.Tmpfs[m.Destination] = m.Options
		case "volume":
			if m.Anonymous {
				if j.Config.Volumes == nil {
					j.Config.Volumes = map[string]struct{}{}
				}
				j.Config.Volumes[m.Destination] = struct{}{}
			}
		}
	}
	j.HostConfig = hc
	containerNetwork(&j, c, sb, nets)
	return j
}

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
