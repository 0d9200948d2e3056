package layer

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// root resolves paths inside the target directory with the kernel's
// help: openat2 with RESOLVE_IN_ROOT treats the directory as "/" for the
// whole walk, so ".." stops there and an absolute symlink (/lib64 ->
// /usr/lib64) means the target's /usr/lib64, as it will inside the
// container. Cleaning the string first is not enough: a symlink made by an
// earlier entry changes what a later, clean-looking path means.
//
// Every entry is then made with a *at call on the resolved parent and a
// single name that the call does not follow (O_NOFOLLOW, O_EXCL,
// AT_SYMLINK_NOFOLLOW, linkat without AT_SYMLINK_FOLLOW, mknodat,
// symlinkat): the last component is the entry itself, never a link.
type root struct {
	fd    int
	cache map[string]int // parent dir -> O_PATH fd, for this extraction
	links int            // symlinks followed making one directory
}

const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// maxCachedDirs bounds the open fds: a layer has a few thousand
// directories at most, each opened once.
const maxCachedDirs = 4096

func openRoot(dir string) (*root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open target %s: %w", dir, err)
	}
	return &root{fd: fd, cache: map[string]int{}}, nil
}

func (r *root) close() {
	r.forget()
	unix.Close(r.fd)
}

// forget drops the cached directory fds. Called whenever something is
// removed or replaced: a cached fd could then be a directory no longer
// reachable, or reached by another route (a directory replaced by a
// symlink must be written through, in root).
func (r *root) forget() {
	for k, fd := range r.cache {
		unix.Close(fd)
		delete(r.cache, k)
	}
}

// clean makes a tar entry name relative to the root: "/", ".." and "."
// components go the way they would from "/". The empty result is the root.
func clean(name string) string {
	if name == "" {
		return ""
	}
	// Fast path: already clean and relative (nearly every real entry,
	// apart from a trailing slash on directories).
	name = strings.TrimSuffix(name, "/")
	if !strings.HasPrefix(name, "/") && !strings.Contains(name, "//") &&
		!strings.HasPrefix(name, "./") && !strings.Contains(name, "/.") && !strings.HasPrefix(name, "..") && name != "." {
		return name
	}
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/")
}

// split cuts a cleaned, non-empty name into its parent and base name.
func split(name string) (string, string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", name
	}
	return name[:i], name[i+1:]
}

// dir returns an O_PATH fd for the directory p (cleaned; "" is the root),
// resolved in root, making missing directories (mode 0755, as tar and
// Docker do) when mkdir is set. The fd belongs to the cache.
func (r *root) dir(p string, mkdir bool) (int, error) {
	r.links = 0
	return r.dirAt(p, mkdir)
}

func (r *root) dirAt(p string, mkdir bool) (int, error) {
	if p == "" {
		return r.fd, nil
	}
	if fd, ok := r.cache[p]; ok {
		return fd, nil
	}
	fd, err := r.open(p)
	if errors.Is(err, unix.ENOENT) && mkdir {
		if err := r.mkdir(p); err != nil {
			return -1, err
		}
		fd, err = r.open(p)
	}
	if err != nil {
		return -1, fmt.Errorf("open directory %s in target: %w", p, err)
	}
	if len(r.cache) >= maxCachedDirs {
		for k, old := range r.cache { // one, at random
			unix.Close(old)
			delete(r.cache, k)
			break
		}
	}
	r.cache[p] = fd
	return fd, nil
}

// mkdir makes the directory p and its missing parents, as tar and Docker
// do (mode 0755). Where a component is a symlink to nothing, the
// directory is made where it points, in root: /lib64 -> /usr/lib64 then
// lib64/ld.so makes /usr/lib64.
func (r *root) mkdir(p string) error {
	parent, base := split(p)
	pfd, err := r.dirAt(parent, true)
	if err != nil {
		return err
	}
	err = unix.Mkdirat(pfd, base, 0o755)
	if !errors.Is(err, unix.EEXIST) {
		if err != nil {
			return fmt.Errorf("make directory %s: %w", p, err)
		}
		return nil
	}
	buf := make([]byte, unix.PathMax)
	n, lerr := unix.Readlinkat(pfd, base, buf)
	if lerr != nil {
		return nil // not a symlink: opening it says what is wrong
	}
	target := string(buf[:n])
	if !strings.HasPrefix(target, "/") {
		target = parent + "/" + target
	}
	t := clean(target)
	if t == "" {
		return nil
	}
	// As the kernel does (40 links per walk), and so that links making
	// a loop through missing directories end.
	if r.links++; r.links > 40 {
		return fmt.Errorf("make directory %s: %w", p, unix.ELOOP)
	}
	return r.mkdir(t)
}

func (r *root) open(p string) (int, error) {
	for {
		fd, err := unix.Openat2(r.fd, p, &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: resolveFlags,
		})
		if err == unix.EAGAIN || err == unix.EINTR {
			continue // a rename raced the walk; the kernel asks to retry
		}
		return fd, err
	}
}

// parent resolves the directory holding name and returns it with the base
// name. The root itself has no parent: callers handle "".
func (r *root) parent(name string, mkdir bool) (int, string, error) {
	dir, base := split(name)
	fd, err := r.dir(dir, mkdir)
	return fd, base, err
}
