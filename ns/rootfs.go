package ns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// Mount flags, as <sys/mount.h> numbers them (the same on every Linux
// architecture), so the rootfs logic builds and is tested on any OS.
const (
	msRdonly      = 0x1
	msNosuid      = 0x2
	msNodev       = 0x4
	msNoexec      = 0x8
	msRemount     = 0x20
	msBind        = 0x1000
	msRec         = 0x4000
	msPrivate     = 0x40000
	msStrictatime = 0x1000000
	mntDetach     = 0x2
)

// fsOps is the seam between the root filesystem logic and the kernel: the
// real one makes system calls, the test one records them, so the order and
// flags of every mount can be checked without root.
type fsOps interface {
	Mount(source, target, fstype string, flags uintptr, data string) error
	MountAll(mounts []mount.Mount, target string) error // mount.All
	Unmount(target string, flags int) error
	PivotRoot(newroot, putold string) error
	Chdir(dir string) error
	MkdirAll(path string, perm os.FileMode) error
	Mknod(path string, mode uint32, major, minor uint32) error
	Symlink(oldname, newname string) error
	Touch(path string) error                  // an empty file to bind-mount onto
	Stat(path string) (isDir bool, err error) // os.ErrNotExist when missing
	MountFlags(path string) (uintptr, error)  // nosuid/nodev/noexec/... of the mount at path
	CopyUp(src, dst string) error             // copy the tree src into dst, if dst is empty (a new volume)
	MoveMount(src, dst string) error          // attach the detached mount src (/proc/self/fd/N) at dst
}

// device is a node every container's /dev gets, as Docker and runc make them.
type device struct {
	name         string
	major, minor uint32
}

var defaultDevices = []device{
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
}

// setupRootfs makes cfg.Rootfs the root of a new mount namespace: the steps
// runc takes, in the order that matters.
func setupRootfs(ops fsOps, cfg *Config) error {
	root := cfg.Rootfs
	// 1. Nothing we mount may propagate back to the host. On systemd hosts
	// "/" is shared, and pivot_root refuses a shared root (EINVAL).
	if err := ops.Mount("", "/", "", msRec|msPrivate, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	// The layers become the root, in this namespace only (step 1 first:
	// else the overlay would propagate to the host).
	if len(cfg.RootfsMounts) > 0 {
		if err := ops.MountAll(cfg.RootfsMounts, root); err != nil {
			return fmt.Errorf("mount rootfs layers: %w", err)
		}
	}
	// 2. pivot_root needs the new root to be a mount point.
	if err := ops.Mount(root, root, "", msBind|msRec, ""); err != nil {
		return fmt.Errorf("bind mount rootfs %s: %w", root, err)
	}
	// 3. The kernel file systems, mounted fresh for the new namespaces.
	if err := mountAt(ops, root, "proc", "/proc", "proc", msNosuid|msNodev|msNoexec, ""); err != nil {
		return err
	}
	if err := mountSys(ops, root); err != nil {
		return err
	}
	if err := mountCgroup(ops, root); err != nil {
		return err
	}
	if err := setupDev(ops, root, cfg.Rootless); err != nil {
		return err
	}
	// 4. Swap roots and drop the old one: unlike chroot, the host's tree is
	// then not reachable from the container at all.
	if err := ops.Chdir(root); err != nil {
		return fmt.Errorf("chdir to rootfs %s: %w", root, err)
	}
	if err := ops.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", root, err)
	}
	if err := ops.Unmount(".", mntDetach); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := ops.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	// The container's own mounts (volumes, binds, tmpfs), inside the new
	// root, before it may turn read-only.
	if err := mountVolumes(ops, cfg.Mounts); err != nil {
		return err
	}
	// 5. Hide and freeze the parts of /proc and /sys that reach the host.
	for _, p := range cfg.MaskedPaths {
		if err := maskPath(ops, p); err != nil {
			return err
		}
	}
	for _, p := range cfg.ReadonlyPaths {
		if err := readonlyPath(ops, p); err != nil {
			return err
		}
	}
	// 6. The working directory exists, as docker creates it, before the root
	// may turn read-only.
	if err := ops.MkdirAll(filepath.Join("/", cfg.Cwd), 0o755); err != nil {
		return fmt.Errorf("create working directory %s: %w", cfg.Cwd, err)
	}
	// The root is already a bind mount (step 2): remount it in place, as a
	// second bind on top would leave the writable one reachable beneath.
	if cfg.ReadOnly {
		if err := remountReadonly(ops, "/"); err != nil {
			return err
		}
	}
	return nil
}

func mountAt(ops fsOps, root, source, target, fstype string, flags uintptr, data string) error {
	dst := filepath.Join(root, target)
	if err := ops.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create mount point %s: %w", dst, err)
	}
	if err := ops.Mount(source, dst, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", fstype, dst, err)
	}
	return nil
}

// mountSys mounts a read-only sysfs. Without a network namespace of its own
// user namespace's, the kernel refuses (EPERM): then bind the host's, read-only.
func mountSys(ops fsOps, root string) error {
	err := mountAt(ops, root, "sysfs", "/sys", "sysfs", msNosuid|msNodev|msNoexec|msRdonly, "")
	if err == nil || !errors.Is(err, os.ErrPermission) {
		return err
	}
	dst := filepath.Join(root, "sys")
	if err := ops.Mount("/sys", dst, "", msBind|msRec, ""); err != nil {
		return fmt.Errorf("bind mount /sys on %s: %w", dst, err)
	}
	return remountReadonly(ops, dst)
}

// mountCgroup mounts cgroup2 at /sys/fs/cgroup, read-only, as docker does:
// the cgroup namespace roots it at the container's own cgroup (chapter 04),
// so the container sees its limits and usage and nothing above them. A
// kernel without cgroup2 (ENODEV), or one that refuses a rootless caller,
// gets no mount: the container runs, as it would without cgroups.
func mountCgroup(ops fsOps, root string) error {
	dst := filepath.Join(root, "sys", "fs", "cgroup")
	err := ops.Mount("cgroup2", dst, "cgroup2", msNosuid|msNodev|msNoexec|msRdonly, "")
	if err == nil || errors.Is(err, syscall.ENODEV) || errors.Is(err, os.ErrPermission) || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("mount cgroup2 on %s: %w", dst, err)
}

// setupDev gives the container a /dev of its own: a tmpfs with the standard
// nodes, a private devpts instance, shm and mqueue. A user namespace cannot
// create device nodes, so rootless containers bind-mount the host's.
func setupDev(ops fsOps, root string, rootless bool) error {
	dev := filepath.Join(root, "dev")
	if err := mountAt(ops, root, "tmpfs", "/dev", "tmpfs", msNosuid|msStrictatime, "mode=755,size=65536k"); err != nil {
		return err
	}
	for _, d := range defaultDevices {
		p := filepath.Join(dev, d.name)
		if rootless {
			if err := ops.Touch(p); err != nil {
				return fmt.Errorf("create %s: %w", p, err)
			}
			if err := ops.Mount("/dev/"+d.name, p, "", msBind, ""); err != nil {
				return fmt.Errorf("bind mount /dev/%s on %s: %w", d.name, p, err)
			}
			continue
		}
		if err := ops.Mknod(p, 0o020666, d.major, d.minor); err != nil { // S_IFCHR|0666
			return fmt.Errorf("mknod %s: %w", p, err)
		}
	}
	// newinstance: the container's ptys are numbered from 0 and invisible to
	// the host's devpts. gid=5 is the tty group, which a rootless container
	// has not mapped.
	ptsOpts := "newinstance,ptmxmode=0666,mode=0620,gid=5"
	if rootless {
		ptsOpts = "newinstance,ptmxmode=0666,mode=0620"
	}
	if err := mountAt(ops, root, "devpts", "/dev/pts", "devpts", msNosuid|msNoexec, ptsOpts); err != nil {
		return err
	}
	if err := mountAt(ops, root, "shm", "/dev/shm", "tmpfs", msNosuid|msNodev|msNoexec, "mode=1777,size=65536k"); err != nil {
		return err
	}
	if err := mountAt(ops, root, "mqueue", "/dev/mqueue", "mqueue", msNosuid|msNodev|msNoexec, ""); err != nil {
		return err
	}
	for _, l := range [][2]string{
		{"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"},
	} {
		if err := ops.Symlink(l[0], filepath.Join(dev, l[1])); err != nil {
			return fmt.Errorf("symlink /dev/%s: %w", l[1], err)
		}
	}
	return nil
}

// maskPath makes p read as empty: /dev/null over a file, an empty read-only
// tmpfs over a directory. Paths the kernel does not have are skipped.
func maskPath(ops fsOps, p string) error {
	isDir, err := ops.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if isDir {
		err = ops.Mount("tmpfs", p, "tmpfs", msRdonly, "")
	} else {
		err = ops.Mount("/dev/null", p, "", msBind, "")
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}

// readonlyPath bind-mounts p onto itself and remounts the bind read-only.
func readonlyPath(ops fsOps, p string) error {
	if _, err := ops.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := ops.Mount(p, p, "", msBind|msRec, ""); err != nil {
		return fmt.Errorf("bind mount %s read-only: %w", p, err)
	}
	return remountReadonly(ops, p)
}

// remountReadonly keeps the flags the mount already has: in a user
// namespace, nosuid/nodev/noexec set by the host are locked and a remount
// that drops them fails with EPERM.
func remountReadonly(ops fsOps, p string) error {
	flags, err := ops.MountFlags(p)
	if err != nil {
		return fmt.Errorf("read mount flags of %s: %w", p, err)
	}
	if err := ops.Mount("", p, "", flags|msBind|msRemount|msRdonly, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", p, err)
	}
	return nil
}
