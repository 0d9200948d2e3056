package engine

import "context"

// ImageStore is the seam between the engine and the image store: given a
// reference, the image's config and the snapshot its layers make.
type ImageStore interface {
	Image(ctx context.Context, ref string) (*Image, error)
}

// Image is what a container is made from.
type Image struct {
	Ref    string      // normalized reference, as ps shows it
	ID     string      // the config's digest
	Config ImageConfig //
	// Snapshot is the committed snapshot (the top layer's chain ID) in the
	// engine's snapshot store under Root that the container stands on.
	Snapshot string
}

// ImageConfig is the part of an OCI image config a container uses
// (image-spec's config.config), as docker applies it.
type ImageConfig struct {
	User         string
	Env          []string
	Entrypoint   []string
	Cmd          []string
	WorkingDir   string
	Volumes      map[string]struct{}
	StopSignal   string
	ExposedPorts map[string]struct{} `json:",omitempty"`
}

// command is docker's rule for what a container runs: --entrypoint
// replaces the image's entrypoint and then drops the image's Cmd; args
// after the image replace its Cmd.
func command(img ImageConfig, entrypoint []string, entrypointSet bool, args []string) (ep, cmd []string) {
	ep, cmd = img.Entrypoint, img.Cmd
	if entrypointSet {
		ep, cmd = entrypoint, nil
	}
	if len(args) > 0 {
		cmd = args
	}
	return ep, cmd
}

// ContainersUsing lists the containers made from the image imageID, for
// an image store that refuses to remove an image in use (rmi).
func (e *Engine) ContainersUsing(imageID string) ([]string, error) {
	all, err := e.List()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range all {
		if c.ImageID == imageID {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}
