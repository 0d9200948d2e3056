package minidocker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
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
	NetworkSettings networkSettingsJSON
}

// networkSettingsJSON is docker's NetworkSettings: the top-level address
// fields are the default bridge network's (empty on any other), Ports
// the bindings while the container runs, Networks an endpoint per
// network.
type networkSettingsJSON struct {
	Bridge                 string
	SandboxID              string
	SandboxKey             string
	Ports                  map[string][]portBindingJSON
	HairpinMode            bool
	LinkLocalIPv6Address   string
	LinkLocalIPv6PrefixLen int
	SecondaryIPAddresses   []string
	SecondaryIPv6Addresses []string
	EndpointID             string
	Gateway                string
	GlobalIPv6Address      string
	GlobalIPv6PrefixLen    int
	IPAddress              string
	IPPrefixLen            int
	IPv6Gateway            string
	MacAddress             string
	Networks               map[string]*endpointJSON
}

type endpointJSON struct {
	IPAMConfig          *ipamConfigJSON
	Links               []string
	Aliases             []string
	MacAddress          string
	DriverOpts          map[string]string
	NetworkID           string
	EndpointID          string
	Gateway             string
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	DNSNames            []string
}

type ipamConfigJSON struct {
	IPv4Address string `json:",omitempty"`
}

type portBindingJSON struct {
	HostIp   string
	HostPort string
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
	Binds           []string
	AutoRemove      bool
	CapAdd          []string
	CapDrop         []string
	CgroupParent    string
	Init            *bool
	ReadonlyRootfs  bool
	Tmpfs           map[string]string
	Memory          int64
	MemorySwap      int64
	NanoCpus        int64
	CpuShares       int64
	CpuPeriod       int64
	CpuQuota        int64
	CpusetCpus      string
	CpusetMems      string
	PidsLimit       *int64
	NetworkMode     string
	PortBindings    map[string][]portBindingJSON
	PublishAllPorts bool
	ExtraHosts      []string
	Dns             []string
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
	ExposedPorts map[string]struct{} `json:",omitempty"`
	WorkingDir   string
	Entrypoint   []string
	StopSignal   string `json:",omitempty"`
	StopTimeout  *int   `json:",omitempty"`
}

// dockerTime is how docker's JSON writes a time: RFC 3339 with
// nanoseconds, zero as 0001-01-01T00:00:00Z.
func dockerTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func inspectContainer(c *engine.Container, sb *network.Sandbox, nets []*network.Network) containerJSON {
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
	inspectNetwork(&j, c, sb, nets)
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
		var sb *network.Sandbox
		if err == nil {
			sb, err = e.Sandbox(c)
		}
		if err == nil {
			var nets []*network.Network
			if m, err := e.Networks(); err == nil {
				nets, _ = m.Networks()
			}
			objs = append(objs, inspectContainer(c, sb, nets))
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

// inspectNetwork fills in what docker's inspect says of the container's
// networks: its HostConfig and Config settings, and its NetworkSettings
// from its sandbox (sb, nil for none and host). An address is held from
// create to rm (docker gives it back at stop), so it shows on a stopped
// container too; ports only while it runs.
func inspectNetwork(j *containerJSON, c *engine.Container, sb *network.Sandbox, nets []*network.Network) {
	key := func(p network.PortBinding) string { return fmt.Sprintf("%d/%s", p.Port, p.Proto) }
	hostPort := func(p network.PortBinding) portBindingJSON {
		b := portBindingJSON{HostPort: strconv.Itoa(int(p.HostPort))}
		if p.HostIP.IsValid() {
			b.HostIp = p.HostIP.String()
		}
		if p.HostPort == 0 {
			b.HostPort = ""
		}
		return b
	}
	j.HostConfig.NetworkMode, j.HostConfig.PublishAllPorts = c.NetworkMode, c.PublishAllPorts
	j.HostConfig.ExtraHosts, j.HostConfig.Dns = c.ExtraHosts, c.DNS
	j.HostConfig.PortBindings = map[string][]portBindingJSON{}
	for _, p := range c.PortBindings {
		j.HostConfig.PortBindings[key(p)] = append(j.HostConfig.PortBindings[key(p)], hostPort(p))
	}
	if len(c.ExposedPorts)+len(c.PortBindings) > 0 {
		j.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range append(slices.Clone(c.ExposedPorts), c.PortBindings...) {
			j.Config.ExposedPorts[key(p)] = struct{}{}
		}
	}
	ns := &j.NetworkSettings
	ns.Ports, ns.Networks = map[string][]portBindingJSON{}, map[string]*endpointJSON{}
	if c.Running() {
		for p := range j.Config.ExposedPorts {
			ns.Ports[p] = nil // exposed, not published: null, as docker has it
		}
		if sb != nil {
			for _, p := range sb.Ports {
				b := hostPort(p)
				if b.HostIp == "" {
					b.HostIp = "0.0.0.0"
				}
				ns.Ports[key(p)] = append(ns.Ports[key(p)], b)
			}
		}
		if c.NetworkMode != "host" {
			ns.SandboxKey = fmt.Sprintf("/proc/%d/ns/net", c.State.Pid)
		}
	}
	netID := func(name string) string {
		for _, n := range nets {
			if n.Name == name {
				return n.ID
			}
		}
		return ""
	}
	if sb == nil {
		if c.NetworkMode == "host" || c.NetworkMode == "none" {
			ns.Networks[c.NetworkMode] = &endpointJSON{NetworkID: netID(c.NetworkMode)}
		}
		return
	}
	j.HostsPath, j.HostnamePath, j.ResolvConfPath = sb.Files()[0].Source, sb.Files()[1].Source, sb.Files()[2].Source
	for _, ep := range sb.Endpoints {
		e := &endpointJSON{Aliases: ep.Aliases, MacAddress: ep.MAC, NetworkID: ep.NetworkID, Gateway: ep.Gateway.String(),
			IPAddress: ep.Addr.Addr().String(), IPPrefixLen: ep.Addr.Bits()}
		if ep.NetworkName != "bridge" {
			e.DNSNames = []string{c.Name, c.ID[:12]}
			e.DNSNames = append(e.DNSNames, ep.Aliases...)
		}
		if ep.NetworkName == "bridge" {
			ns.Gateway, ns.IPAddress, ns.IPPrefixLen, ns.MacAddress = e.Gateway, e.IPAddress, e.IPPrefixLen, e.MacAddress
		}
		ns.Networks[ep.NetworkName] = e
	}
}
