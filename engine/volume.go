package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Volume is a named volume: a directory under the engine's root that
// outlives the containers that mount it (docker's "local" driver).
type Volume struct {
	CreatedAt  time.Time
	Driver     string
	Labels     map[string]string
	Mountpoint string
	Name       string
	Options    map[string]string
	Scope      string
}

// anonymousLabel marks a volume made for one container (-v /path, or an
// image's VOLUME): `rm -v` removes it with the container.
const anonymousLabel = "com.docker.volume.anonymous"

func (e *Engine) volumeDir(name string) string { return filepath.Join(e.volumesDir(), name) }

// CreateVolume makes the named volume, or returns it if it exists: as
// `docker volume create`, which is idempotent.
func (e *Engine) CreateVolume(name string, labels map[string]string) (*Volume, error) {
	if name == "" {
		name = NewID()
	}
	if !validName(name) {
		return nil, fmt.Errorf("%w: volume name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed (two characters at least)", ErrInvalid, name)
	}
	if v, err := e.Volume(name); err == nil {
		return v, nil
	}
	v := &Volume{CreatedAt: time.Now().UTC().Truncate(time.Second), Driver: "local", Labels: labels,
		Mountpoint: filepath.Join(e.volumeDir(name), "_data"), Name: name, Options: map[string]string{}, Scope: "local"}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	// Made beside and renamed into place: a volume is there whole or not
	// at all, and of two made at once one wins and both use it.
	tmp, err := os.MkdirTemp(e.volumesDir(), ".new-")
	if err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "_data"), 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	if err := writeJSON(filepath.Join(tmp, "volume.json"), v); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	if err := os.Rename(tmp, e.volumeDir(name)); err != nil {
		if v, verr := e.Volume(name); verr == nil {
			return v, nil
		}
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	e.record(Event{Time: time.Now().UTC(), Type: "volume", Action: "create", ID: name, Attributes: map[string]string{"driver": "local"}})
	return v, nil
}

// Volume reads the named volume.
func (e *Engine) Volume(name string) (*Volume, error) {
	if !validName(name) {
		return nil, fmt.Errorf("get %s: %w", name, ErrNoSuchVolume)
	}
	var v Volume
	err := readJSON(filepath.Join(e.volumeDir(name), "volume.json"), &v)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("get %s: %w", name, ErrNoSuchVolume)
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Volumes lists every volume by name.
func (e *Engine) Volumes() ([]*Volume, error) {
	ents, err := os.ReadDir(e.volumesDir())
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []*Volume
	for _, ent := range ents {
		if strings.HasPrefix(ent.Name(), ".") {
			continue
		}
		if v, err := e.Volume(ent.Name()); err == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// RemoveVolume deletes a volume and its files; one a container mounts
// (running or not) is refused, as docker refuses it.
func (e *Engine) RemoveVolume(name string, force bool) error {
	unlock, err := e.lockStore()
	if err != nil {
		return err
	}
	defer unlock()
	return e.removeVolume(name, force, "")
}

func (e *Engine) removeVolume(name string, force bool, except string) error {
	if _, err := e.Volume(name); err != nil {
		if force && errors.Is(err, ErrNoSuchVolume) {
			return nil
		}
		return err
	}
	all, err := e.List()
	if err != nil {
		return err
	}
	var users []string
	for _, c := range all {
		if c.ID == except {
			continue
		}
		for _, m := range c.Mounts {
			if m.Type == "volume" && m.Name == name {
				users = append(users, c.ID)
			}
		}
	}
	if len(users) > 0 {
		return fmt.Errorf("remove %s: %w - [%s]", name, ErrVolumeInUse, strings.Join(users, ", "))
	}
	// Renamed out of the way first: a crash mid-removal leaves a .rm-
	// directory, not half a volume.
	gone := filepath.Join(e.volumesDir(), ".rm-"+name)
	if err := os.Rename(e.volumeDir(name), gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	e.record(Event{Time: time.Now().UTC(), Type: "volume", Action: "destroy", ID: name, Attributes: map[string]string{"driver": "local"}})
	return nil
}

// prepareVolumes creates the container's volumes that do not exist yet
// (named ones on first use, anonymous ones always) and points each
// volume mount at its directory.
func (e *Engine) prepareVolumes(cfg *Config) error {
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		switch m.Type {
		case "volume":
			var labels map[string]string
			if m.Anonymous || m.Name == "" {
				labels = map[string]string{anonymousLabel: ""}
			}
			v, err := e.CreateVolume(m.Name, labels)
			if err != nil {
				return err
			}
			m.Name, m.Source = v.Name, v.Mountpoint
		case "bind":
			// docker's -v makes a missing host directory (--mount refuses).
			if _, err := os.Stat(m.Source); errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(m.Source, 0o755); err != nil {
					return fmt.Errorf("create bind source %s: %w", m.Source, err)
				}
			}
		}
	}
	return nil
}

// ParseVolume reads a -v value as docker does: /host:/ctr[:opts] binds a
// host path; name:/ctr[:opts] mounts a named volume; /ctr alone is an
// anonymous volume. opts: ro, rw, nocopy (z, Z and propagation modes are
// accepted and ignored).
func ParseVolume(spec string) (Mount, error) {
	bad := func(why string) (Mount, error) {
		return Mount{}, fmt.Errorf("%w: invalid volume specification %q: %s", ErrInvalid, spec, why)
	}
	parts := strings.Split(spec, ":")
	m := Mount{RW: true}
	switch len(parts) {
	case 1:
		m.Type, m.Destination, m.Anonymous = "volume", parts[0], true
	case 2, 3:
		src := parts[0]
		m.Destination = parts[1]
		if src == "" {
			return bad("empty source")
		}
		if strings.HasPrefix(src, "/") || strings.HasPrefix(src, ".") {
			if !filepath.IsAbs(src) {
				return bad("a bind source must be an absolute path")
			}
			m.Type, m.Source = "bind", filepath.Clean(src)
		} else {
			if !validName(src) {
				return bad("volume names are [a-zA-Z0-9][a-zA-Z0-9_.-], two characters at least; a host path must be absolute")
			}
			m.Type, m.Name = "volume", src
		}
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro":
					m.RW = false
				case "rw":
				case "nocopy":
					if m.Type != "volume" {
						return bad("nocopy is for volumes")
					}
					m.NoCopy = true
				case "z", "Z", "private", "rprivate", "shared", "rshared", "slave", "rslave":
				default:
					return bad("unknown option " + o)
				}
			}
		}
	default:
		return bad("too many colons")
	}
	if !filepath.IsAbs(m.Destination) {
		return bad("the mount destination must be an absolute path")
	}
	m.Destination = filepath.Clean(m.Destination)
	if m.Destination == "/" {
		return bad("the destination cannot be /")
	}
	return m, nil
}

// ParseTmpfs reads a --tmpfs value: /path[:options], mount(8)'s tmpfs
// options (size=64m,mode=1777,...). docker's defaults: noexec, nosuid,
// nodev.
func ParseTmpfs(spec string) (Mount, error) {
	dst, opts, _ := strings.Cut(spec, ":")
	if !filepath.IsAbs(dst) || filepath.Clean(dst) == "/" {
		return Mount{}, fmt.Errorf("%w: invalid tmpfs mount %q: the destination must be an absolute path other than /", ErrInvalid, spec)
	}
	m := Mount{Type: "tmpfs", Destination: filepath.Clean(dst), RW: true}
	var keep []string
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "":
		case "ro":
			m.RW = false
		case "rw":
		default:
			keep = append(keep, o)
		}
	}
	m.Options = strings.Join(keep, ",")
	return m, nil
}

// anonymousVolumes are the container's volumes made for it alone.
func anonymousVolumes(mounts []Mount) []string {
	var out []string
	for _, m := range mounts {
		if m.Type == "volume" && m.Anonymous && !slices.Contains(out, m.Name) {
			out = append(out, m.Name)
		}
	}
	return out
}
