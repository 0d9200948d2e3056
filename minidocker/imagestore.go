package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/reference"
)

// engineImages is the image store as the engine asks it for an image
// (engine.ImageStore): its config and the snapshot its layers make. An
// image not in the store is pulled first, as docker run does, its
// progress on stderr.
type engineImages struct {
	s      *images.Store
	g      globals
	remote remoteFlags
	stderr io.Writer
}

func (ei *engineImages) Image(ctx context.Context, name string) (*engine.Image, error) {
	img, err := ei.s.Get(ctx, name)
	if errors.Is(err, images.ErrNotFound) {
		if img, err = ei.pull(ctx, name); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	// Its snapshots, should a change of storage driver have lost them.
	if err := ei.s.Unpack(ctx, img); err != nil {
		return nil, err
	}
	c := img.Config.Config
	return &engine.Image{
		Ref: name, ID: img.ID().String(), Snapshot: img.TopLayer(),
		Config: engine.ImageConfig{User: c.User, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
			WorkingDir: c.WorkingDir, Volumes: c.Volumes, StopSignal: c.StopSignal},
	}, nil
}

func (ei *engineImages) pull(ctx context.Context, name string) (*images.Image, error) {
	ref, err := reference.Parse(name)
	if err != nil {
		return nil, err
	}
	ref = ref.WithDefaultTag()
	client, err := ei.remote.client(ei.g, ei.stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(ei.stderr, "Unable to find image '%s' locally\n", ref.Familiar())
	fmt.Fprintf(ei.stderr, "%s: Pulling from %s\n", ref.Identifier(), ref.Path)
	pr := newProgress(ei.stderr)
	res, err := ei.s.Pull(ctx, ref, images.WithClient(client), images.WithProgress(pr.update))
	pr.done()
	if err != nil {
		return nil, remoteError(err, ref)
	}
	fmt.Fprintf(ei.stderr, "Digest: %s\nStatus: Downloaded newer image for %s\n", res.Image.RepoDigest, ref.Familiar())
	return res.Image, nil
}

// withImages plugs the image store under the engine's root into e, for
// a container made from an image.
func withImages(e *engine.Engine, o storageOptions, g globals, remote remoteFlags, stderr io.Writer) error {
	s, err := openImages(o, stderr)
	if err != nil {
		return err
	}
	e.Images = &engineImages{s: s, g: g, remote: remote, stderr: stderr}
	return nil
}

// inUse is rmi's question to the engine: which container uses img.
func inUse(o storageOptions, stderr io.Writer) func(*images.Image) string {
	e, err := o.open(stderr)
	if err != nil {
		return nil
	}
	return func(img *images.Image) string {
		ids, err := e.ContainersUsing(img.ID().String())
		if err != nil || len(ids) == 0 {
			return ""
		}
		return ids[0][:12]
	}
}
