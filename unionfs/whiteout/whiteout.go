// Package whiteout knows the two ways a layer says "this is gone".
//
// An OCI layer tar marks a deleted path with an empty file named
// ".wh.NAME" beside where NAME was, and a directory whose lower contents
// are all hidden with a file ".wh..wh..opq" inside it. overlayfs, on disk,
// marks a deleted path with a character device 0/0 named NAME, and an
// opaque directory with the xattr trusted.overlay.opaque=y (user.overlay.*
// when mounted with userxattr, as a user namespace does). The extractor
// turns the first form into the second; the differ turns it back.
package whiteout

import (
	"fmt"
	"strings"
)

const (
	// Prefix starts the name of a whiteout entry in a layer tar.
	Prefix = ".wh."
	// MetaPrefix starts names reserved for whiteout metadata.
	MetaPrefix = Prefix + Prefix
	// Opaque is the entry that makes its directory opaque.
	Opaque = MetaPrefix + ".opq"

	// OpaqueXattr marks an opaque directory in an overlay upper or lower dir.
	OpaqueXattr = "trusted.overlay.opaque"
	// UserOpaqueXattr is OpaqueXattr for overlays mounted with userxattr.
	UserOpaqueXattr = "user.overlay.opaque"
)

// Kind is what a tar entry's base name means.
type Kind int

const (
	None      Kind = iota // an ordinary entry
	Remove                // ".wh.NAME": NAME in the lower layers is deleted
	OpaqueDir             // ".wh..wh..opq": the directory's lower contents are hidden
)

// Form is how a store wants whiteouts written when a layer is applied
// into it (unionfs.LayerDir).
type Form int

const (
	// FormOverlay: a whiteout becomes a 0/0 character device (MakeOverlay),
	// an opaque directory gets OpaqueXattr (SetOpaque). The layer's own
	// directory holds only its files; overlay reads the marks when mounted.
	FormOverlay Form = iota + 1
	// FormDelete: the directory already holds a copy of the parent's tree,
	// so a whiteout deletes the path, and an opaque directory is emptied
	// before the layer's own entries in it are written.
	FormDelete
)

func (f Form) String() string {
	switch f {
	case FormOverlay:
		return "overlay"
	case FormDelete:
		return "delete"
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

// Parse tells what the base name of a tar entry means and, for Remove,
// the name it deletes. Names the spec reserves but does not define, and
// whiteouts of "", "." or "..", are errors: an extractor must refuse them
// rather than guess.
func Parse(base string) (Kind, string, error) {
	if !strings.HasPrefix(base, Prefix) {
		return None, "", nil
	}
	if base == Opaque {
		return OpaqueDir, "", nil
	}
	if strings.HasPrefix(base, MetaPrefix) {
		return None, "", fmt.Errorf("whiteout %q: unknown whiteout metadata name", base)
	}
	target := base[len(Prefix):]
	if target == "" || target == "." || target == ".." || strings.Contains(target, "/") {
		return None, "", fmt.Errorf("whiteout %q: invalid target %q", base, target)
	}
	return Remove, target, nil
}

// Name is the OCI whiteout entry name that deletes base.
func Name(base string) string { return Prefix + base }
