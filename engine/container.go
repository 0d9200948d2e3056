package engine

import (
	"time"

	"github.com/minidocker/minidocker/cgroup"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/ns"
)

// Config is what a container is created with, stored once in its
// config.json. The field names follow docker's inspect output where there
// is one.
type Config struct {
	ID      string
	Name    string // without docker's leading "/"
	Created time.Time

	// What the root filesystem is made of: one of Rootfs (a directory),
	// Layers (read-only directories, bottom first) or Image (its snapshot
	// chain, from an ImageStore). The container writes into a snapshot of
	// its own on top of Layers or Image.
	Image   string // as ps shows it: the reference, or the directory
	ImageID string
	Rootfs  string   `json:",omitempty"`
	Layers  []string `json:",omitempty"`
	Parent  string   `json:",omitempty"` // the image's top committed snapshot
	Driver  string   `json:",omitempty"` // storage driver asked for ("" = the default)

	Path       string   // the command, as docker names it: Entrypoint and Cmd joined
	Args       []string //
	Entrypoint []string
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	Hostname   string
	Tty        bool
	OpenStdin  bool
	StdinOnce  bool // detached -i: stdin ends when the first writer of its FIFO leaves (docker run -i)
	Init       bool
	ReadOnly   bool
	CapAdd     []string `json:",omitempty"`
	CapDrop    []string `json:",omitempty"`
	// ConsoleSize is a detached -t container's terminal size to start
	// with (an attached one takes its caller's): the docker CLI sends its
	// own at create.
	ConsoleSize ns.ConsoleSize `json:",omitempty"`

	Resources    cgroup.Resources
	CgroupParent string  `json:",omitempty"` // default cgroup.DefaultParent
	Mounts       []Mount `json:",omitempty"`
	AutoRemove   bool    // --rm
	StopSignal   string  `json:",omitempty"`
	StopTimeout  *int    `json:",omitempty"` // seconds

	// Networking as it was asked for, named as in docker's HostConfig.
	// What it was given (addresses, interfaces, bound ports) is the
	// network layer's: see Engine.Sandbox.
	NetworkMode     string                // bridge, none, host or a network's name
	PortBindings    []network.PortBinding `json:",omitempty"` // -p
	ExposedPorts    []network.PortBinding `json:",omitempty"` // the image's EXPOSE and --expose
	PublishAllPorts bool                  `json:",omitempty"` // -P
	Aliases         []string              `json:",omitempty"`
	IPAddress       string                `json:",omitempty"` // --ip
	ExtraHosts      []string              `json:",omitempty"`
	DNS             []string              `json:",omitempty"`
}

// Mount is one of a container's -v, --mount or --tmpfs.
type Mount struct {
	Type        string // "bind", "volume" or "tmpfs"
	Name        string `json:",omitempty"` // the volume's
	Source      string `json:",omitempty"` // host path (bind; volume: its _data)
	Destination string // in the container
	Options     string `json:",omitempty"` // tmpfs: size=64m,mode=1777
	RW          bool
	Anonymous   bool `json:",omitempty"` // a volume made for this container alone (-v /path)
	NoCopy      bool `json:",omitempty"` // volume: do not copy the image's files into it when it is empty
}

// Status is a container's state, as docker names it.
type Status string

const (
	Created Status = "created"
	Running Status = "running"
	Paused  Status = "paused"
	Exited  Status = "exited"
	// Dead is a container whose monitor died without recording its end
	// (killed): its processes died with it. `rm -f` clears it up.
	Dead Status = "dead"
)

// State is what changes over a container's life, in its state.json.
type State struct {
	Status     Status
	Pid        int    // the init's, on the host; 0 when not running
	PidStart   uint64 `json:",omitempty"` // its start time (/proc/PID/stat field 22): a recycled PID has another
	MonitorPid int    `json:",omitempty"`
	ExitCode   int
	OOMKilled  bool
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
	// Cgroup is the container's cgroup from the cgroup2 mount's root, set
	// once it has been made: what rm removes if a monitor could not.
	Cgroup string `json:",omitempty"`
}

// Container is a container's config and its state, as read from the store.
type Container struct {
	*Config
	State State
	Dir   string // its directory in the store
}

// Running reports whether the container's processes exist (running or
// paused).
func (c *Container) Running() bool {
	return c.State.Status == Running || c.State.Status == Paused
}

// LogPath is where its output is logged (docker's json-file driver).
func (c *Container) LogPath() string { return c.Dir + "/" + c.ID + "-json.log" }
