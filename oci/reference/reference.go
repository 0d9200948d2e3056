package reference

import (
	_ "crypto/sha256" // digest algorithms for go-digest
	_ "crypto/sha512"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
)

const (
	// DefaultDomain is Docker Hub's name in references; DefaultRegistry is
	// the host that serves its API, and IndexServer the key its
	// credentials have in ~/.docker/config.json.
	DefaultDomain   = "docker.io"
	DefaultRegistry = "registry-1.docker.io"
	IndexServer     = "https://index.docker.io/v1/"
	// DefaultTag is the tag of a reference that names none.
	DefaultTag = "latest"
	// NameMax bounds a repository path.
	NameMax = 255

	legacyDomain = "index.docker.io"
	officialRepo = "library/"
)

// The grammar's productions, as regular expressions (see the package doc).
const (
	alphaNumeric = `[a-z0-9]+`
	separator    = `(?:[._]|__|[-]+)`
	pathComp     = alphaNumeric + `(?:` + separator + alphaNumeric + `)*`
	remoteName   = pathComp + `(?:/` + pathComp + `)*`
	domainComp   = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	ipv6         = `\[(?:[a-fA-F0-9:]+)\]`
	host         = `(?:` + domainComp + `(?:\.` + domainComp + `)*|` + ipv6 + `)`
	domain       = host + `(?::[0-9]+)?`
	tagPat       = `[\w][\w.-]{0,127}`
	digestPat    = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
)

// The grammar's regexps, compiled on first use: compiled at init, they
// cost every minidocker process (the container's init, a monitor) 0.3 MB
// of heap and half a millisecond, used or not.
var (
	referenceRE  = lazyRE(`^((?:` + domain + `/)?` + remoteName + `)(?::(` + tagPat + `))?(?:@(` + digestPat + `))?$`)
	nameRE       = lazyRE(`^(?:(` + domain + `)/)?(` + remoteName + `)$`)
	domainRE     = lazyRE(`^` + domain + `$`)
	tagRE        = lazyRE(`^` + tagPat + `$`)
	identifierRE = lazyRE(`^[a-f0-9]{64}$`)
)

func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Reference is a parsed image reference. Domain and Path are always set
// by Parse; Tag, Digest or both may be empty.
type Reference struct {
	Domain string        // the registry: "docker.io", "localhost:5000", "[::1]:5000"
	Path   string        // the repository in it: "library/busybox"
	Tag    string        // "latest", or ""
	Digest digest.Digest // "sha256:...", or ""
}

// Parse reads s as `docker pull` does: a familiar name ("busybox",
// "user/app:1") is normalised to docker.io and, for a single component,
// library/. A reference both tagged and digested keeps both (the digest
// is what a registry is asked for).
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, ErrNameEmpty
	}
	if identifierRE().MatchString(s) {
		return Reference{}, fmt.Errorf("invalid repository name (%s), %w", s, ErrIdentifier)
	}
	dom, rest := splitDomain(s)
	remote := rest
	if i := strings.IndexAny(remote, ":@"); i >= 0 {
		remote = remote[:i]
	}
	if strings.ToLower(remote) != remote {
		return Reference{}, fmt.Errorf("%w: repository name (%s) must be lowercase", ErrInvalidFormat, remote)
	}
	return parse(dom + "/" + rest)
}

// ParseCanonical reads a fully qualified reference (a registry, a path,
// no normalising), as stored: Parse of its String gives it back.
func ParseCanonical(s string) (Reference, error) {
	r, err := parse(s)
	if err != nil {
		return r, err
	}
	if r.Domain == "" {
		return Reference{}, fmt.Errorf("%w: %q names no registry", ErrInvalidFormat, s)
	}
	return r, nil
}

// parse matches the grammar, and on a failure says which part is wrong.
func parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, ErrNameEmpty
	}
	m := referenceRE().FindStringSubmatch(s)
	if m == nil {
		if sl := strings.ToLower(s); sl != s && referenceRE().MatchString(sl) {
			return Reference{}, fmt.Errorf("%w: %w", ErrInvalidFormat, ErrNameUppercase)
		}
		return Reference{}, diagnose(s)
	}
	n := nameRE().FindStringSubmatch(m[1])
	r := Reference{Domain: n[1], Path: n[2], Tag: m[2]}
	if len(r.Path) > NameMax {
		return Reference{}, fmt.Errorf("%w: %w", ErrInvalidFormat, ErrNameTooLong)
	}
	if m[3] != "" {
		d, err := digest.Parse(m[3])
		if err != nil {
			return Reference{}, fmt.Errorf("%w: digest %s: %w: %v", ErrInvalidFormat, m[3], ErrDigest, err)
		}
		r.Digest = d
	}
	return r, nil
}

// diagnose names the part of s that breaks the grammar.
func diagnose(s string) error {
	name, dgst, hasDigest := strings.Cut(s, "@")
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		if !tagRE().MatchString(tag) {
			return fmt.Errorf("%w: tag %q: %w (at most 128 of A-Z a-z 0-9 _ . -, not starting with . or -)", ErrInvalidFormat, tag, ErrTag)
		}
	}
	if hasDigest {
		if _, err := digest.Parse(dgst); err != nil {
			return fmt.Errorf("%w: digest %q: %w: %v", ErrInvalidFormat, dgst, ErrDigest, err)
		}
	}
	if name == "" || strings.HasSuffix(name, "/") {
		return fmt.Errorf("%w: %q: %w", ErrInvalidFormat, s, ErrNameEmpty)
	}
	if dom, path, ok := strings.Cut(name, "/"); ok && !domainRE().MatchString(dom) {
		return fmt.Errorf("%w: registry %q is not a host name or address with an optional port", ErrInvalidFormat, dom)
	} else if ok {
		name = path
	}
	return fmt.Errorf("%w: repository %q: components of a-z 0-9, separated by one '.', one or two '_' or '-'s, joined by '/'", ErrInvalidFormat, name)
}

// splitDomain is distribution's splitDockerDomain: the first component
// is a registry if it is localhost, holds a '.' or ':', or has upper case.
func splitDomain(name string) (dom, rest string) {
	first, after, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return DefaultDomain, officialRepo + name
	case first == "localhost", strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		dom, rest = first, after
	default:
		dom, rest = DefaultDomain, name
	}
	if dom == legacyDomain {
		dom = DefaultDomain
	}
	if dom == DefaultDomain && !strings.ContainsRune(rest, '/') {
		rest = officialRepo + rest
	}
	return dom, rest
}

// IsIdentifier reports whether s is 64 hex digits: an image ID, not a name.
func IsIdentifier(s string) bool { return identifierRE().MatchString(s) }

// Name is the repository with its registry: "docker.io/library/busybox".
func (r Reference) Name() string {
	if r.Domain == "" {
		return r.Path
	}
	return r.Domain + "/" + r.Path
}

// String is the whole reference, fully qualified.
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// FamiliarName is the name as docker prints it: docker.io/ and library/
// dropped ("busybox", "user/app", "localhost:5000/x").
func (r Reference) FamiliarName() string {
	if r.Domain != DefaultDomain {
		return r.Name()
	}
	if rest, ok := strings.CutPrefix(r.Path, officialRepo); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return r.Path
}

// Familiar is String in the familiar form: "busybox:latest".
func (r Reference) Familiar() string {
	f := r
	f.Domain, f.Path = "", r.FamiliarName()
	return f.String()
}

// WithDefaultTag adds "latest" to a reference with neither tag nor digest.
func (r Reference) WithDefaultTag() Reference {
	if r.Tag == "" && r.Digest == "" {
		r.Tag = DefaultTag
	}
	return r
}

// WithTag returns r with tag (and no digest).
func (r Reference) WithTag(tag string) (Reference, error) {
	if !tagRE().MatchString(tag) {
		return Reference{}, fmt.Errorf("%w: %q", ErrTag, tag)
	}
	r.Tag, r.Digest = tag, ""
	return r, nil
}

// WithDigest returns r with d (and no tag).
func (r Reference) WithDigest(d digest.Digest) Reference {
	r.Tag, r.Digest = "", d
	return r
}

// Repository is r without tag or digest.
func (r Reference) Repository() Reference { return Reference{Domain: r.Domain, Path: r.Path} }

// Identifier is what a registry's /manifests/ endpoint is asked for: the
// digest if there is one, else the tag.
func (r Reference) Identifier() string {
	if r.Digest != "" {
		return r.Digest.String()
	}
	return r.Tag
}

// Registry is the host that serves the domain's API: Docker Hub's is
// not docker.io.
func (r Reference) Registry() string {
	if r.Domain == DefaultDomain {
		return DefaultRegistry
	}
	return r.Domain
}
