package api

// ContainerConfig is a container's portable configuration: the body of
// POST /containers/create, with HostConfig (what depends on the host)
// beside it, and Config in an inspect.
type ContainerConfig struct {
	Hostname     string
	Domainname   string
	User         string
	AttachStdin  bool
	AttachStdout bool
	AttachStderr bool
	ExposedPorts map[string]struct{} `json:",omitempty"`
	Tty          bool
	OpenStdin    bool
	StdinOnce    bool
	Env          []string
	Cmd          []string
	Image        string
	Volumes      map[string]struct{}
	WorkingDir   string
	Entrypoint   []string
	Labels       map[string]string
	StopSignal   string `json:",omitempty"`
	StopTimeout  *int   `json:",omitempty"`
}

// HostConfig is the part of a container's configuration that depends on
// the host: mounts, limits, what happens when it exits.
type HostConfig struct {
	Binds           []string
	NetworkMode     string
	PortBindings    PortMap
	AutoRemove      bool
	VolumeDriver    string
	CapAdd          []string
	CapDrop         []string
	Init            *bool `json:",omitempty"`
	ReadonlyRootfs  bool
	Tmpfs           map[string]string `json:",omitempty"`
	ConsoleSize     [2]uint           // rows, columns
	Mounts          []MountSpec       `json:",omitempty"`
	PublishAllPorts bool
	DNS             []string `json:"Dns"`
	DNSOptions      []string `json:"DnsOptions"`
	DNSSearch       []string `json:"DnsSearch"`
	ExtraHosts      []string
	Resources
}

// Resources are the cgroup limits of HostConfig, flattened into it.
type Resources struct {
	CgroupParent         string
	CPUShares            int64 `json:"CpuShares"`
	Memory               int64
	NanoCPUs             int64 `json:"NanoCpus"`
	CPUPeriod            int64 `json:"CpuPeriod"`
	CPUQuota             int64 `json:"CpuQuota"`
	CpusetCpus           string
	CpusetMems           string
	BlkioDeviceReadBps   []ThrottleDevice
	BlkioDeviceWriteBps  []ThrottleDevice
	MemoryReservation    int64
	MemorySwap           int64
	PidsLimit            *int64 `json:",omitempty"`
	BlkioWeight          uint16
	OomKillDisable       *bool    `json:",omitempty"`
	MemorySwappiness     *int64   `json:",omitempty"`
	KernelMemory         int64    `json:",omitempty"`
	CPURealtimePeriod    int64    `json:"CpuRealtimePeriod,omitempty"`
	CPURealtimeRuntime   int64    `json:"CpuRealtimeRuntime,omitempty"`
	DeviceCgroupRules    []string `json:",omitempty"`
	IOMaximumBandwidth   uint64   `json:",omitempty"`
	IOMaximumIOps        uint64   `json:",omitempty"`
	BlkioWeightDevice    []any    `json:",omitempty"`
	BlkioDeviceReadIOps  []any    `json:",omitempty"`
	BlkioDeviceWriteIOps []any    `json:",omitempty"`
}

// ThrottleDevice is a block device's rate limit.
type ThrottleDevice struct {
	Path string
	Rate uint64
}

// MountSpec is one of HostConfig.Mounts (docker run --mount).
type MountSpec struct {
	Type          string
	Source        string
	Target        string
	ReadOnly      bool `json:",omitempty"`
	VolumeOptions *struct {
		NoCopy bool `json:",omitempty"`
	} `json:",omitempty"`
	TmpfsOptions *struct {
		SizeBytes int64  `json:",omitempty"`
		Mode      uint32 `json:",omitempty"`
	} `json:",omitempty"`
}

// CreateRequest is the body of POST /containers/create.
type CreateRequest struct {
	ContainerConfig
	HostConfig       *HostConfig
	NetworkingConfig *NetworkingConfig `json:",omitempty"`
}

// CreateResponse is what POST /containers/create and POST
// /containers/ID/exec return: the new object's ID.
type CreateResponse struct {
	ID       string   `json:"Id"`
	Warnings []string `json:"Warnings,omitempty"`
}

// WaitResponse is what POST /containers/ID/wait returns once the
// container has stopped.
type WaitResponse struct {
	StatusCode int
	Error      *WaitError `json:",omitempty"`
}

// WaitError is why waiting failed.
type WaitError struct {
	Message string
}

// Container is one element of GET /containers/json, a line of docker ps.
type Container struct {
	ID              string `json:"Id"`
	Names           []string
	Image           string
	ImageID         string
	Command         string
	Created         int64
	Ports           []Port
	Labels          map[string]string
	State           string
	Status          string
	HostConfig      struct{ NetworkMode string }
	NetworkSettings struct {
		Networks map[string]*EndpointSettings
	}
	Mounts []MountPoint
}

// Port is a published port of a container.
type Port struct {
	IP          string `json:",omitempty"`
	PrivatePort uint16
	PublicPort  uint16 `json:",omitempty"`
	Type        string
}

// MountPoint is one of a container's mounts, as inspect and ps show it.
type MountPoint struct {
	Type        string
	Name        string `json:",omitempty"`
	Source      string
	Destination string
	Driver      string `json:",omitempty"`
	Mode        string
	RW          bool
	Propagation string
}

// ContainerJSON is GET /containers/ID/json, docker inspect's shape.
type ContainerJSON struct {
	ID              string `json:"Id"`
	Created         string
	Path            string
	Args            []string
	State           ContainerState
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
	ExecIDs         []string
	HostConfig      HostConfig
	GraphDriver     GraphDriver
	Mounts          []MountPoint
	Config          ContainerConfig
	NetworkSettings NetworkSettings
}

// ContainerState is a container's state in an inspect.
type ContainerState struct {
	Status     string
	Running    bool
	Paused     bool
	Restarting bool
	OOMKilled  bool
	Dead       bool
	Pid        int
	ExitCode   int
	Error      string
	StartedAt  string
	FinishedAt string
}

// GraphDriver is the storage driver and where its layers are.
type GraphDriver struct {
	Name string
	Data map[string]string
}

// ExecConfig is the body of POST /containers/ID/exec.
type ExecConfig struct {
	User         string
	Privileged   bool
	Tty          bool
	ConsoleSize  *[2]uint `json:",omitempty"`
	AttachStdin  bool
	AttachStderr bool
	AttachStdout bool
	Detach       bool
	DetachKeys   string
	Env          []string
	WorkingDir   string
	Cmd          []string
}

// ExecStartConfig is the body of POST /exec/ID/start.
type ExecStartConfig struct {
	Detach      bool
	Tty         bool
	ConsoleSize *[2]uint `json:",omitempty"`
}

// ExecInspect is GET /exec/ID/json: docker exec reads the exit code here
// once the stream has ended.
type ExecInspect struct {
	ID            string
	Running       bool
	ExitCode      *int
	ProcessConfig ExecProcessConfig
	OpenStdin     bool
	OpenStderr    bool
	OpenStdout    bool
	CanRemove     bool
	ContainerID   string
	DetachKeys    string
	Pid           int
}

// ExecProcessConfig is what an exec runs.
type ExecProcessConfig struct {
	Tty        bool     `json:"tty"`
	Entrypoint string   `json:"entrypoint"`
	Arguments  []string `json:"arguments"`
	Privileged *bool    `json:"privileged,omitempty"`
	User       string   `json:"user,omitempty"`
}

// TopResponse is GET /containers/ID/top: docker top's table.
type TopResponse struct {
	Titles    []string
	Processes [][]string
}
