package layer

import (
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// Result is what an extraction found. On an error it is still returned,
// as far as it got, for the message; the tree must not be used.
type Result struct {
	Digest       digest.Digest // of the blob as read
	DiffID       digest.Digest // of the uncompressed tar stream
	Compression  Compression
	Decompressor string // what decompressed: a program, or the Go package
	Size         int64  // bytes of blob read
	TarSize      int64  // bytes of uncompressed tar
	Entries      int
	Skipped      Skipped
}

// Skipped counts what a rootless extraction could not make, by kind, with
// the first few entries of each kind as examples.
type Skipped struct {
	Devices   int // device nodes (no CAP_MKNOD)
	Ownership int // entries owned by another uid or gid than the caller
	Xattrs    int // trusted.* and security.* xattrs (incl. file capabilities)
	Examples  []string
}

const maxExamples = 8

func (s *Skipped) add(kind *int, what string) {
	*kind++
	if len(s.Examples) < maxExamples {
		s.Examples = append(s.Examples, what)
	}
}

// Empty reports whether nothing was skipped.
func (s Skipped) Empty() bool { return s.Devices+s.Ownership+s.Xattrs == 0 }

// String is the summary to show a user, "" when nothing was skipped.
func (s Skipped) String() string {
	if s.Empty() {
		return ""
	}
	var parts []string
	for _, k := range []struct {
		n    int
		what string
	}{
		{s.Devices, "device nodes"},
		{s.Ownership, "ownerships (files left owned by the caller)"},
		{s.Xattrs, "privileged xattrs"},
	} {
		if k.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", k.n, k.what))
		}
	}
	return fmt.Sprintf("rootless extraction skipped %s; e.g. %s",
		strings.Join(parts, ", "), strings.Join(s.Examples, ", "))
}
