package api

// VersionResponse is GET /version, docker version's Server part.
type VersionResponse struct {
	Platform      struct{ Name string }
	Components    []ComponentVersion
	Version       string
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string `json:"MinAPIVersion"`
	GitCommit     string
	GoVersion     string
	Os            string
	Arch          string
	KernelVersion string
	BuildTime     string `json:",omitempty"`
	Experimental  bool   `json:",omitempty"`
}

// ComponentVersion is one part of the server, with its own version.
type ComponentVersion struct {
	Name    string
	Version string
	Details map[string]string `json:",omitempty"`
}

// Info is GET /info, docker info's Server part: the fields minidocker
// has a value for.
type Info struct {
	ID                 string
	Containers         int
	ContainersRunning  int
	ContainersPaused   int
	ContainersStopped  int
	Images             int
	Driver             string
	DriverStatus       [][2]string
	Plugins            PluginsInfo
	MemoryLimit        bool
	SwapLimit          bool
	CPUCfsPeriod       bool `json:"CpuCfsPeriod"`
	CPUCfsQuota        bool `json:"CpuCfsQuota"`
	CPUShares          bool
	CPUSet             bool
	PidsLimit          bool
	IPv4Forwarding     bool
	Debug              bool
	NFd                int
	NGoroutines        int
	SystemTime         string
	LoggingDriver      string
	CgroupDriver       string
	CgroupVersion      string
	NEventsListener    int
	KernelVersion      string
	OperatingSystem    string
	OSVersion          string
	OSType             string
	Architecture       string
	IndexServerAddress string
	RegistryConfig     *RegistryConfig
	NCPU               int
	MemTotal           int64
	DockerRootDir      string
	Name               string
	Labels             []string
	ExperimentalBuild  bool
	ServerVersion      string
	Runtimes           map[string]Runtime
	DefaultRuntime     string
	LiveRestoreEnabled bool
	Isolation          string
	InitBinary         string
	SecurityOptions    []string
	Warnings           []string
}

// PluginsInfo lists the drivers the daemon has, by kind.
type PluginsInfo struct {
	Volume  []string
	Network []string
	Log     []string
}

// RegistryConfig is which registries the daemon trusts without TLS.
type RegistryConfig struct {
	InsecureRegistryCIDRs []string
	IndexConfigs          map[string]IndexInfo
	Mirrors               []string
}

// IndexInfo is one registry's settings.
type IndexInfo struct {
	Name     string
	Mirrors  []string
	Secure   bool
	Official bool
}

// Runtime is an OCI runtime the daemon can start containers with.
type Runtime struct {
	Path string `json:"path"`
}

// Event is one line of GET /events: a thing that happened to an object
// (a container started, died, was destroyed). The lower-case status, id
// and from are the API's first form, kept for old clients.
type Event struct {
	Status   string `json:"status,omitempty"`
	ID       string `json:"id,omitempty"`
	From     string `json:"from,omitempty"`
	Type     string
	Action   string
	Actor    Actor
	Scope    string `json:"scope"`
	Time     int64  `json:"time"`
	TimeNano int64  `json:"timeNano"`
}

// Actor is the object of an event and what describes it.
type Actor struct {
	ID         string
	Attributes map[string]string
}
