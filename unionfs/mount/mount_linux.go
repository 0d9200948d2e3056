package mount

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// All performs mounts on target, in order (each on top of the last).
func All(mounts []Mount, target string) error {
	for _, m := range mounts {
		if err := m.Mount(target); err != nil {
			return err
		}
	}
	return nil
}

// Mount performs m on target.
func (m Mount) Mount(target string) error {
	switch m.Type {
	case "bind":
		return m.bind(target)
	case "overlay":
		return m.overlay(target)
	}
	return fmt.Errorf("mount %s on %s: unsupported type %q", m.Source, target, m.Type)
}

func (m Mount) bind(target string) error {
	flags := uintptr(unix.MS_BIND)
	for _, o := range m.Options {
		if o == "rbind" {
			flags |= unix.MS_REC
		}
	}
	if err := unix.Mount(m.Source, target, "", flags, ""); err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", m.Source, target, err)
	}
	if !m.ReadOnly() {
		return nil
	}
	// A bind takes its flags only from a remount (mount(2) ignores
	// MS_RDONLY beside MS_BIND).
	if err := unix.Mount("", target, "", flags|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		unix.Unmount(target, unix.MNT_DETACH)
		return fmt.Errorf("remount %s read-only: %w", target, err)
	}
	return nil
}

// overlayOptions splits an overlay's options into its lower dirs (topmost
// first), the rest as key/value pairs in order, and its mount flags.
func (m Mount) overlayOptions() (lowers []string, rest [][2]string, ro bool) {
	for _, o := range m.Options {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "lowerdir":
			lowers = splitLowers(v)
		case "ro":
			ro = true
		default:
			rest = append(rest, [2]string{k, v})
		}
	}
	return lowers, rest, ro
}

// legacyOnly makes overlay skip the new mount API: tests force the
// fallback with it, as a kernel before 6.8 would.
var legacyOnly = false

// overlay mounts an overlay. The new mount API (fsopen/fsconfig, Linux 6.8+
// for "lowerdir+") takes each lower dir as its own parameter, so no option
// string limits the number of layers. Older kernels take all options in
// one string that must fit in a page: see mountLegacy.
func (m Mount) overlay(target string) error {
	if !legacyOnly {
		err := m.overlayFsconfig(target)
		if !errors.Is(err, errNoNewAPI) {
			return err
		}
	}
	return m.overlayLegacy(target)
}

var errNoNewAPI = errors.New("the kernel has no fsconfig lowerdir+")

// overlayFsconfig mounts the overlay with fsopen, one fsconfig call per
// option, fsmount and move_mount.
func (m Mount) overlayFsconfig(target string) error {
	lowers, rest, ro := m.overlayOptions()
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if errors.Is(err, unix.ENOSYS) {
		return errNoNewAPI
	}
	if err != nil {
		return fmt.Errorf("mount overlay on %s: fsopen: %w", target, err)
	}
	defer unix.Close(fd)
	if m.Source != "" {
		if err := unix.FsconfigSetString(fd, "source", m.Source); err != nil {
			return fmt.Errorf("mount overlay on %s: source %s: %w%s", target, m.Source, err, fsErrors(fd))
		}
	}
	for i, l := range lowers {
		if err := unix.FsconfigSetString(fd, "lowerdir+", l); err != nil {
			if i == 0 && errors.Is(err, unix.EINVAL) && !exists(l) {
				return fmt.Errorf("mount overlay on %s: lower dir %s: %w", target, l, os.ErrNotExist)
			}
			if i == 0 && errors.Is(err, unix.EINVAL) {
				return errNoNewAPI // before 6.8: "Unknown parameter"
			}
			return fmt.Errorf("mount overlay on %s: lower dir %s: %w%s", target, l, err, fsErrors(fd))
		}
	}
	for _, kv := range rest {
		if kv[1] == "" {
			err = unix.FsconfigSetFlag(fd, kv[0])
		} else {
			err = unix.FsconfigSetString(fd, kv[0], kv[1])
		}
		if err != nil {
			return fmt.Errorf("mount overlay on %s: option %s=%s: %w%s", target, kv[0], kv[1], err, fsErrors(fd))
		}
	}
	if err := unix.FsconfigCreate(fd); err != nil {
		return fmt.Errorf("mount overlay on %s: %w%s", target, err, fsErrors(fd))
	}
	attrs := 0
	if ro {
		attrs = unix.MOUNT_ATTR_RDONLY
	}
	mfd, err := unix.Fsmount(fd, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return fmt.Errorf("mount overlay on %s: fsmount: %w", target, err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("mount overlay on %s: move_mount: %w", target, err)
	}
	return nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fsErrors reads the messages the kernel left on a file system context
// ("e overlay: ..."): they say which option it refused and why.
func fsErrors(fd int) string {
	var msgs []string
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil || n <= 0 {
			break
		}
		msgs = append(msgs, strings.TrimSpace(string(buf[:n])))
	}
	if len(msgs) == 0 {
		return ""
	}
	return " (" + strings.Join(msgs, "; ") + ")"
}

// overlayLegacy mounts with mount(2), whose options must fit in a page.
// Long paths are made short, as containerd does: the mount is made from the
// directory all the layers share, with paths relative to it (docker's
// overlay2 makes short "l/" symlinks for the same reason).
func (m Mount) overlayLegacy(target string) error {
	lowers, rest, ro := m.overlayOptions()
	var flags uintptr
	if ro {
		flags |= unix.MS_RDONLY
	}
	data := legacyData(lowers, rest, "")
	if len(data) < os.Getpagesize() {
		if err := unix.Mount("overlay", target, "overlay", flags, data); err != nil {
			return fmt.Errorf("mount overlay on %s: %w", target, err)
		}
		return nil
	}
	dir := commonDir(lowers, rest)
	short := legacyData(lowers, rest, dir)
	if dir == "/" || len(short) >= os.Getpagesize() {
		return fmt.Errorf("mount overlay on %s: %d layers need %d bytes of options, over the page (%d) mount(2) takes: this kernel has no fsconfig lowerdir+ (Linux 6.8)", target, len(lowers), len(short), os.Getpagesize())
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return fmt.Errorf("mount overlay on %s: %w", target, err)
	}
	err = inDir(dir, func() error { return unix.Mount("overlay", abs, "overlay", flags, short) })
	if err != nil {
		return fmt.Errorf("mount overlay on %s (paths relative to %s): %w", target, dir, err)
	}
	return nil
}

// legacyData is the option string, with paths relative to dir if it is set.
func legacyData(lowers []string, rest [][2]string, dir string) string {
	rel := func(p string) string {
		if dir == "" {
			return p
		}
		r, _ := filepath.Rel(dir, p)
		return r
	}
	var opts []string
	if len(lowers) > 0 {
		ls := make([]string, len(lowers))
		for i, l := range lowers {
			ls[i] = escapeLower(rel(l))
		}
		opts = append(opts, "lowerdir="+strings.Join(ls, ":"))
	}
	for _, kv := range rest {
		switch {
		case kv[1] == "":
			opts = append(opts, kv[0])
		case kv[0] == "upperdir" || kv[0] == "workdir":
			opts = append(opts, kv[0]+"="+rel(kv[1]))
		default:
			opts = append(opts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(opts, ",")
}

// commonDir is the deepest directory that holds every path of the overlay.
func commonDir(lowers []string, rest [][2]string) string {
	paths := append([]string(nil), lowers...)
	for _, kv := range rest {
		if kv[0] == "upperdir" || kv[0] == "workdir" {
			paths = append(paths, kv[1])
		}
	}
	dir := filepath.Dir(filepath.Clean(paths[0]))
	for _, p := range paths[1:] {
		for p = filepath.Clean(p); dir != "/" && !strings.HasPrefix(p, dir+"/"); {
			dir = filepath.Dir(dir)
		}
	}
	return dir
}

// inDir runs fn with dir as the working directory of its thread only: the
// thread leaves the process's shared fs context (unshare CLONE_FS), so
// other goroutines keep their cwd, and the thread ends with fn, never
// going back to the scheduler with a foreign cwd.
func inDir(dir string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread exits with the goroutine
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("unshare fs context: %w", err)
			return
		}
		if err := unix.Chdir(dir); err != nil {
			errc <- fmt.Errorf("chdir %s: %w", dir, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Unmount unmounts target, retrying a while when it is busy (a process
// that just left it), and detaching it at last.
func Unmount(target string) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = unix.Unmount(target, 0); err != unix.EBUSY {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == unix.EBUSY {
		err = unix.Unmount(target, unix.MNT_DETACH)
	}
	if err != nil {
		return fmt.Errorf("unmount %s: %w", target, err)
	}
	return nil
}
