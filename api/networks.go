package api

// Network is a network as GET /networks lists it and GET /networks/ID
// shows it (docker's NetworkResource); only the inspect fills
// Containers.
type Network struct {
	Name       string
	ID         string `json:"Id"`
	Created    string
	Scope      string
	Driver     string
	EnableIPv6 bool
	IPAM       IPAM
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigFrom struct{ Network string }
	ConfigOnly bool
	Containers map[string]EndpointResource
	Options    map[string]string
	Labels     map[string]string
}

// EndpointResource is a container on a network, in a network's inspect.
type EndpointResource struct {
	Name        string
	EndpointID  string
	MacAddress  string
	IPv4Address string // with its prefix: 172.18.0.2/16
	IPv6Address string
}

// IPAM is how a network hands out addresses.
type IPAM struct {
	Driver  string
	Options map[string]string
	Config  []IPAMConfig
}

// IPAMConfig is one of a network's subnets.
type IPAMConfig struct {
	Subnet     string            `json:",omitempty"`
	IPRange    string            `json:",omitempty"`
	Gateway    string            `json:",omitempty"`
	AuxAddress map[string]string `json:"AuxiliaryAddresses,omitempty"`
}

// NetworkCreateRequest is the body of POST /networks/create.
// CheckDuplicate is what clients before API 1.44 send to refuse a name
// in use; a daemon of 1.44 refuses one always, as this one does.
type NetworkCreateRequest struct {
	Name           string
	CheckDuplicate bool `json:",omitempty"`
	Driver         string
	Scope          string `json:",omitempty"`
	EnableIPv6     bool
	IPAM           *IPAM
	Internal       bool
	Attachable     bool
	Ingress        bool
	ConfigOnly     bool
	ConfigFrom     *struct{ Network string } `json:",omitempty"`
	Options        map[string]string
	Labels         map[string]string
}

// NetworkCreateResponse is what POST /networks/create returns.
type NetworkCreateResponse struct {
	ID      string `json:"Id"`
	Warning string
}

// NetworkConnectRequest is the body of POST /networks/ID/connect.
type NetworkConnectRequest struct {
	Container      string
	EndpointConfig *EndpointSettings `json:",omitempty"`
}

// NetworkDisconnectRequest is the body of POST /networks/ID/disconnect.
type NetworkDisconnectRequest struct {
	Container string
	Force     bool
}

// NetworksPruneReport is what POST /networks/prune returns.
type NetworksPruneReport struct {
	NetworksDeleted []string
}

// NetworkingConfig is the networks of POST /containers/create, by name:
// the endpoint on the container's network (an API before 1.44 takes
// one).
type NetworkingConfig struct {
	EndpointsConfig map[string]*EndpointSettings
}

// EndpointSettings is a container's place on one network: what create
// and connect ask for (Aliases, IPAMConfig), what inspect and ps show.
type EndpointSettings struct {
	IPAMConfig          *EndpointIPAMConfig
	Links               []string
	Aliases             []string
	NetworkID           string
	EndpointID          string
	Gateway             string
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	MacAddress          string
	DriverOpts          map[string]string
	DNSNames            []string
}

// EndpointIPAMConfig is the address a container asks for on a network
// (docker run --ip).
type EndpointIPAMConfig struct {
	IPv4Address  string   `json:",omitempty"`
	IPv6Address  string   `json:",omitempty"`
	LinkLocalIPs []string `json:",omitempty"`
}

// PortBinding is the host's side of a published port; HostPort "" is one
// picked when the container starts.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// PortMap is published ports by the container's port, "80/tcp".
type PortMap map[string][]PortBinding

// NetworkSettings is a container's networks in an inspect: the address
// fields at the top are the default bridge network's, as docker has them.
type NetworkSettings struct {
	Bridge                 string
	SandboxID              string
	HairpinMode            bool
	LinkLocalIPv6Address   string
	LinkLocalIPv6PrefixLen int
	Ports                  PortMap
	SandboxKey             string
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
	Networks               map[string]*EndpointSettings
}
