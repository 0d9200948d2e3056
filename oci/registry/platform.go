package registry

import (
	"fmt"
	"runtime"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Platform is what an index's entries are chosen by: os/arch[/variant],
// as docker's --platform writes it.
type Platform struct {
	OS, Architecture, Variant string
}

// ParsePlatform reads "linux/amd64", "linux/arm64/v8", "linux/arm/v7",
// or an architecture alone ("arm64": on linux). Names are normalised as
// containerd's platforms package does (x86_64 is amd64, aarch64 arm64).
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(strings.ToLower(s), "/")
	var p Platform
	switch len(parts) {
	case 1:
		p = Platform{OS: "linux", Architecture: parts[0]}
	case 2:
		p = Platform{OS: parts[0], Architecture: parts[1]}
	case 3:
		p = Platform{OS: parts[0], Architecture: parts[1], Variant: parts[2]}
	default:
		return Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], like linux/amd64", s)
	}
	for _, f := range []string{p.OS, p.Architecture} {
		if f == "" {
			return Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], like linux/amd64", s)
		}
	}
	return p.normalize(), nil
}

// HostPlatform is the platform images are pulled for by default: Linux
// (containers are Linux processes, whatever builds the CLI) on this
// machine's architecture.
func HostPlatform() Platform {
	return Platform{OS: "linux", Architecture: runtime.GOARCH, Variant: hostVariant()}.normalize()
}

func hostVariant() string {
	if runtime.GOARCH == "arm" {
		return "v7"
	}
	return ""
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func (p Platform) normalize() Platform {
	switch p.Architecture {
	case "x86_64", "x86-64":
		p.Architecture = "amd64"
	case "aarch64":
		p.Architecture = "arm64"
	case "armhf":
		p.Architecture, p.Variant = "arm", "v7"
	case "armel":
		p.Architecture, p.Variant = "arm", "v6"
	case "i386", "i686":
		p.Architecture = "386"
	}
	if p.Architecture == "arm64" && p.Variant == "v8" {
		p.Variant = "" // the only arm64 variant there is, named or not
	}
	if p.Architecture == "amd64" && p.Variant == "v1" {
		p.Variant = ""
	}
	return p
}

// Matches reports whether an index entry's platform is p. An entry's
// missing variant matches p's (images rarely say "v8").
func (p Platform) Matches(q *ocispec.Platform) bool {
	if q == nil {
		return false
	}
	e := Platform{OS: q.OS, Architecture: q.Architecture, Variant: q.Variant}.normalize()
	return e.OS == p.OS && e.Architecture == p.Architecture && (e.Variant == p.Variant || e.Variant == "" || p.Variant == "")
}

// SelectManifest picks the entry of an index for platform p: the first
// whose os, architecture and variant match (an exact variant before a
// missing one), as docker and containerd pick.
func SelectManifest(x *ocispec.Index, p Platform) (ocispec.Descriptor, error) {
	var loose *ocispec.Descriptor
	for i, d := range x.Manifests {
		if !p.Matches(d.Platform) {
			continue
		}
		e := Platform{OS: d.Platform.OS, Architecture: d.Platform.Architecture, Variant: d.Platform.Variant}.normalize()
		if e.Variant == p.Variant {
			return d, nil
		}
		if loose == nil {
			loose = &x.Manifests[i]
		}
	}
	if loose != nil {
		return *loose, nil
	}
	var have []string
	for _, d := range x.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			have = append(have, Platform{OS: d.Platform.OS, Architecture: d.Platform.Architecture, Variant: d.Platform.Variant}.normalize().String())
		}
	}
	return ocispec.Descriptor{}, fmt.Errorf("%w for %s in the manifest list entries (it has %s)", ErrNoPlatform, p, strings.Join(have, ", "))
}
