// Package mount describes a mount as data and performs it: what a
// snapshotter returns and the container's init carries out, like
// containerd's mount.Mount. It imports nothing of the snapshotter, so the
// runtime (ns) can perform an image's mounts without knowing about layers.
package mount

import (
	"fmt"
	"strings"
)

// Mount is one mount to make on a target: Type is a file system type
// ("overlay") or "bind"; Options are mount(8)'s ("ro", "rbind",
// "lowerdir=A:B", "upperdir=U", "workdir=W", "index=off", ...).
type Mount struct {
	Type    string   `json:"type"`
	Source  string   `json:"source"`
	Options []string `json:"options,omitempty"`
}

// ReadOnly reports whether the mount is read-only.
func (m Mount) ReadOnly() bool {
	for _, o := range m.Options {
		if o == "ro" {
			return true
		}
	}
	return false
}

// Lowers returns the overlay's lower directories, topmost first, from its
// lowerdir option.
func (m Mount) Lowers() []string {
	for _, o := range m.Options {
		if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
			return splitLowers(v)
		}
	}
	return nil
}

// splitLowers splits a lowerdir value at the colons that are not escaped
// with a backslash (overlay's own rule for paths holding ':').
func splitLowers(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case v[i] == ':':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(v[i])
		}
	}
	return append(out, b.String())
}

// escapeLower escapes the characters overlay's option parser treats
// specially in a lowerdir path.
func escapeLower(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `:`, `\:`, `,`, `\,`)
	return r.Replace(p)
}

// String is the mount as mount(8) would be asked for it.
func (m Mount) String() string {
	return fmt.Sprintf("mount -t %s -o %s %s", m.Type, strings.Join(m.Options, ","), m.Source)
}
