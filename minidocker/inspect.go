package minidocker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/minidocker/minidocker/engine"
)

// containerJSON is docker inspect's shape for a container, with the
// fields minidocker has.
type containerJSON struct {
	ID              string `json:"Id"`
	Created         string
	Path            string
	Args            []string
	State           stateJSON
	Image           string
	ResolvConfPath  string
	HostnamePath    string
	HostsPath       string
	LogPath         string
	Name            string
	RestartCount    int
	Driver          string
	Platform        string
	MountLabel      string
	ProcessLabel    string
	AppArmorProfile string
	HostConfig      hostConfigJSON
	Mounts          []mountJSON
	Config          configJSON
}

type stateJSON struct {
	Status                                 string
	Running, Paused, Restarting, OOMKilled bool
	Dead                                   bool
	Pid, ExitCode                          int
	Error                                  string
	StartedAt, FinishedAt                  string
}

type hostConfigJSON struct {
	Binds          []string
	AutoRemove     bool
	CapAdd         []string
	CapDrop        []string
	CgroupParent   string
	Init           *bool
	ReadonlyRootfs bool
	Tmpfs          map[string]string
	Memory         int64
	MemorySwap     int64
	NanoCpus       int64
	CpuShares      int64
	CpuPeriod      int64
	CpuQuota       int64
	CpusetCpus     string
	CpusetMems     string
	PidsLimit      *int64
}

type mountJSON struct {
	Type        string
	Name        string `json:",omitempty"`
	Source      string
	Destination string
	Driver      string `json:",omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

type configJSON struct {
	Hostname     string
	Domainname   string
	User         string
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	Tty          bool
	OpenStdin    bool
	StdinOnce    bool
	Env          []string
	Cmd          []string
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	StopSignal   string `json:",omitempty"`
	StopTimeout  *int   `json:",omitempty"`
}

// dockerTime is how docker's JSON writes a time: RFC 3339 with
// nanoseconds, zero as 0001-01-01T00:00:00Z.
func dockerTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func inspectContainer(c *engine.Container) containerJSON {
	st := c.State
	j := containerJSON{ID: c.ID, Created: dockerTime(c.Created), Path: c.Path, Args: c.Args, Image: c.ImageID,
		LogPath: c.LogPath(), Name: "/" + c.Name, Driver: c.Driver, Platform: "linux",
		State: stateJSON{Status: string(st.Status), Running: c.Running(), Paused: st.Status == engine.Paused,
			OOMKilled: st.OOMKilled, Dead: st.Status == engine.Dead, Pid: st.Pid, ExitCode: st.ExitCode, Error: st.Error,
			StartedAt: dockerTime(st.StartedAt), FinishedAt: dockerTime(st.FinishedAt)},
		Config: configJSON{Hostname: c.Hostname, User: c.User, Tty: c.Tty, OpenStdin: c.OpenStdin, Env: c.Env,
			Cmd: c.Cmd, Image: c.Image, WorkingDir: c.WorkingDir, Entrypoint: c.Entrypoint,
			StopSignal: c.StopSignal, StopTimeout: c.StopTimeout},
	}
	if j.Args == nil {
		j.Args = []string{}
	}
	if j.Driver == "" && c.Rootfs == "" {
		j.Driver = "overlay"
	}
	r := c.Resources
	j.HostConfig = hostConfigJSON{AutoRemove: c.AutoRemove, CapAdd: c.CapAdd, CapDrop: c.CapDrop, CgroupParent: c.CgroupParent,
		ReadonlyRootfs: c.ReadOnly, Memory: r.Memory, MemorySwap: r.MemorySwap, NanoCpus: r.NanoCPUs, CpuShares: r.CPUShares,
		CpuPeriod: r.CPUPeriod, CpuQuota: r.CPUQuota, CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems}
	if c.Init {
		j.HostConfig.Init = &c.Init
	}
	if r.PidsLimit != 0 {
		j.HostConfig.PidsLimit = &r.PidsLimit
	}
	j.Mounts = []mountJSON{}
	for _, m := range c.Mounts {
		mode := ""
		if !m.RW {
			mode = "ro"
		}
		switch m.Type {
		case "bind":
			j.HostConfig.Binds = append(j.HostConfig.Binds, m.Source+":"+m.Destination+map[bool]string{true: "", false: ":ro"}[m.RW])
			j.Mounts = append(j.Mounts, mountJSON{Type: "bind", Source: m.Source, Destination: m.Destination, Mode: mode, RW: m.RW, Propagation: "rprivate"})
		case "volume":
			if mode == "" {
				mode = "z"
			}
			j.Mounts = append(j.Mounts, mountJSON{Type: "volume", Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: "local", Mode: mode, RW: m.RW})
		case "tmpfs":
			if j.HostConfig.Tmpfs == nil {
				j.HostConfig.Tmpfs = map[string]string{}
			}
			j.HostConfig.Tmpfs[m.Destination] = m.Options
		}
	}
	return j
}

func inspectCommand(args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("inspect", "[OPTIONS] NAME|ID [NAME|ID...]")
	var format string
	cmd.fs.String(&format, "format", "f", "string", "Format output using a custom template")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	e, code, ok := cmd.open(stderr)
	if !ok {
		return code
	}
	var objs []any
	code = 0
	for _, ref := range refs {
		c, err := e.Get(ref)
		if err == nil {
			objs = append(objs, inspectContainer(c))
			continue
		}
		if v, verr := e.Volume(ref); verr == nil && errors.Is(err, engine.ErrNoSuchContainer) {
			objs = append(objs, v)
			continue
		}
		fmt.Fprintf(stderr, "minidocker: No such object: %s\n", ref)
		code = 1
	}
	if err := writeInspect(stdout, format, objs); err != nil {
		return fail(stderr, err)
	}
	return code
}

// writeInspect prints objs as docker inspect does: a JSON array indented
// by four spaces, or each through --format (run on the JSON form, so a
// template sees docker's field names).
func writeInspect(w io.Writer, format string, objs []any) error {
	if format == "" {
		if objs == nil {
			objs = []any{}
		}
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	t, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return fmt.Errorf("invalid --format: %w", err)
	}
	for _, o := range objs {
		b, _ := json.Marshal(o)
		var generic any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		d.Decode(&generic)
		if err := t.Execute(w, generic); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		fmt.Fprintln(w)
	}
	return nil
}
