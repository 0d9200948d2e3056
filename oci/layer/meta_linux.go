package layer

import (
	"archive/tar"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// meta is what an entry says about itself beyond its contents.
type meta struct {
	uid, gid int
	mode     uint32 // permission bits incl. setuid, setgid, sticky
	chown    bool
	chmod    bool
	isDir    bool
	times    [2]unix.Timespec // atime, mtime
	xattrs   []xattr
}

type xattr struct {
	name  string
	value []byte
}

const xattrPrefix = "SCHILY.xattr."

func (x *extractor) meta(hdr *tar.Header, name string) meta {
	m := meta{
		uid:   hdr.Uid,
		gid:   hdr.Gid,
		mode:  uint32(hdr.Mode) & 0o7777,
		isDir: hdr.Typeflag == tar.TypeDir,
	}
	if x.o.idMap != nil {
		u, g, err := x.o.idMap(hdr.Uid, hdr.Gid)
		if err != nil {
			x.mapErr = fmt.Errorf("%s: map owner %d:%d: %w", name, hdr.Uid, hdr.Gid, err)
		}
		m.uid, m.gid = u, g
	}
	switch {
	case x.o.rootless && x.o.idMap == nil:
		if m.uid != x.euid || m.gid != x.egid {
			x.skipped.add(&x.skipped.Ownership, name)
		}
	default:
		// Mapped ids in a user namespace are the caller's to give.
		m.chown = m.uid != x.euid || m.gid != x.egid
	}
	// A new file gets mode&^umask from open; chmod only when that is not
	// the mode, or chown cleared setuid/setgid.
	m.chmod = m.mode&^0o777 != 0 || m.mode&x.umask != 0
	mt := hdr.ModTime
	at := hdr.AccessTime
	if at.IsZero() {
		at = mt
	}
	m.times = [2]unix.Timespec{timespec(at), timespec(mt)}
	for k, v := range hdr.PAXRecords {
		if !strings.HasPrefix(k, xattrPrefix) {
			continue
		}
		xn := k[len(xattrPrefix):]
		if x.o.rootless && (strings.HasPrefix(xn, "trusted.") || strings.HasPrefix(xn, "security.")) {
			x.skipped.add(&x.skipped.Xattrs, name+" "+xn)
			continue
		}
		m.xattrs = append(m.xattrs, xattr{xn, []byte(v)})
	}
	return m
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Sec: 0}
	}
	return unix.NsecToTimespec(t.UnixNano())
}

// isSparse reports whether the entry was stored sparse (old GNU or PAX
// GNU.sparse.*): its holes are then made holes again, not zeros.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// futimens sets the times of the file open at fd (utimensat with a NULL
// path, which x/sys does not offer).
func futimens(fd int, ts *[2]unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(ts)), 0, 0, 0)
	if e != 0 {
		return os.NewSyscallError("futimens", e)
	}
	return nil
}

func utimensat(pfd int, base string, ts *[2]unix.Timespec) error {
	return unix.UtimesNanoAt(pfd, base, ts[:], unix.AT_SYMLINK_NOFOLLOW)
}

// currentUmask reads the process umask without changing it (umask(2)
// sets it, racing other goroutines).
func currentUmask() uint32 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Umask:"); ok {
				if u, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return uint32(u)
				}
			}
		}
	}
	return 0o777 // unknown: always chmod
}
