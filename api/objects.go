package api

// ImageSummary is one element of GET /images/json, a line of docker
// images.
type ImageSummary struct {
	ID          string `json:"Id"`
	ParentID    string `json:"ParentId"`
	RepoTags    []string
	RepoDigests []string
	Created     int64
	Size        int64
	SharedSize  int64
	VirtualSize int64
	Labels      map[string]string
	Containers  int64
}

// ImageInspect is GET /images/NAME/json, docker image inspect's shape.
type ImageInspect struct {
	ID              string `json:"Id"`
	RepoTags        []string
	RepoDigests     []string
	Parent          string
	Comment         string
	Created         string
	Container       string
	ContainerConfig *ContainerConfig
	DockerVersion   string
	Author          string
	Config          *ContainerConfig
	Architecture    string
	Variant         string `json:",omitempty"`
	Os              string
	Size            int64
	VirtualSize     int64
	GraphDriver     GraphDriver
	RootFS          RootFS
	Metadata        struct{ LastTagTime string }
}

// RootFS is an image's layers by diff ID.
type RootFS struct {
	Type   string
	Layers []string
}

// ImageDelete is one element of DELETE /images/NAME's answer: a name
// untagged or an image deleted.
type ImageDelete struct {
	Untagged string `json:",omitempty"`
	Deleted  string `json:",omitempty"`
}

// JSONMessage is one line of a pull's or a push's progress stream. A
// message with an id is about one layer; the docker CLI keeps a line per
// id on a terminal and redraws it.
type JSONMessage struct {
	Status         string          `json:"status,omitempty"`
	Progress       string          `json:"progress,omitempty"`
	ProgressDetail *ProgressDetail `json:"progressDetail,omitempty"`
	ID             string          `json:"id,omitempty"`
	ErrorDetail    *ErrorDetail    `json:"errorDetail,omitempty"`
	Error          string          `json:"error,omitempty"`
	Aux            any             `json:"aux,omitempty"`
}

// ProgressDetail is how far a layer has come.
type ProgressDetail struct {
	Current int64 `json:"current,omitempty"`
	Total   int64 `json:"total,omitempty"`
}

// ErrorDetail is an error in the middle of a stream, after the status
// 200 has been sent.
type ErrorDetail struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message"`
}

// AuthConfig is what X-Registry-Auth carries, base64url-encoded JSON.
type AuthConfig struct {
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	Auth          string `json:"auth,omitempty"`
	ServerAddress string `json:"serveraddress,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
	RegistryToken string `json:"registrytoken,omitempty"`
}

// Volume is a named volume, in GET /volumes and POST /volumes/create.
type Volume struct {
	CreatedAt  string `json:",omitempty"`
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

// VolumeList is GET /volumes.
type VolumeList struct {
	Volumes  []Volume
	Warnings []string
}

// VolumeCreateRequest is the body of POST /volumes/create.
type VolumeCreateRequest struct {
	Name       string
	Driver     string
	DriverOpts map[string]string
	Labels     map[string]string
}
