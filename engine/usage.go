package engine

import (
	"context"
	"io/fs"
	"path/filepath"
)

// ContainerUsage is a container's part of docker system df: the size of
// its writable layer.
type ContainerUsage struct {
	ID      string
	Running bool
	Size    int64
}

// VolumeUsage is a volume's part of docker system df.
type VolumeUsage struct {
	Name  string
	InUse bool // a container (running or not) mounts it
	Size  int64
}

// DiskUsage measures the containers' writable layers and the volumes.
func (e *Engine) DiskUsage(ctx context.Context) ([]ContainerUsage, []VolumeUsage, error) {
	all, err := e.List()
	if err != nil {
		return nil, nil, err
	}
	used := map[string]bool{}
	var cs []ContainerUsage
	for _, c := range all {
		cs = append(cs, ContainerUsage{ID: c.ID, Running: c.Running(), Size: e.layerSize(ctx, c)})
		for _, m := range c.Mounts {
			if m.Type == "volume" {
				used[m.Name] = true
			}
		}
	}
	vols, err := e.Volumes()
	if err != nil {
		return nil, nil, err
	}
	var vs []VolumeUsage
	for _, v := range vols {
		vs = append(vs, VolumeUsage{Name: v.Name, InUse: used[v.Name], Size: dirSize(v.Mountpoint)})
	}
	return cs, vs, nil
}

// dirSize is the size of the files under dir, each counted once.
func dirSize(dir string) int64 {
	var n int64
	seen := map[uint64]bool{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if ino, ok := inode(fi); ok {
			if seen[ino] {
				return nil
			}
			seen[ino] = true
		}
		n += fi.Size()
		return nil
	})
	return n
}

// PruneContainers removes every container that is not running, as docker
// container prune: their IDs and the space their layers took.
func (e *Engine) PruneContainers(ctx context.Context) ([]string, int64, error) {
	all, err := e.List()
	if err != nil {
		return nil, 0, err
	}
	var ids []string
	var space int64
	for _, c := range all {
		if c.Running() {
			continue
		}
		size := e.layerSize(ctx, c)
		if err := e.Remove(ctx, c.ID, RemoveOptions{}); err != nil {
			return ids, space, err
		}
		ids, space = append(ids, c.ID), space+size
	}
	return ids, space, nil
}

// PruneVolumes removes the volumes no container uses, as docker volume
// prune: only anonymous ones, unless all.
func (e *Engine) PruneVolumes(all bool) ([]string, int64, error) {
	unlock, err := e.lockStore()
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	cs, err := e.List()
	if err != nil {
		return nil, 0, err
	}
	used := map[string]bool{}
	for _, c := range cs {
		for _, m := range c.Mounts {
			used[m.Name] = true
		}
	}
	vols, err := e.Volumes()
	if err != nil {
		return nil, 0, err
	}
	var names []string
	var space int64
	for _, v := range vols {
		if _, anonymous := v.Labels[anonymousLabel]; used[v.Name] || !(all || anonymous) {
			continue
		}
		size := dirSize(v.Mountpoint)
		if err := e.removeVolume(v.Name, false, ""); err != nil {
			return names, space, err
		}
		names, space = append(names, v.Name), space+size
	}
	return names, space, nil
}
