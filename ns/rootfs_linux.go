package ns

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// kernelFS is fsOps made of system calls.
type kernelFS struct{}

func (kernelFS) Mount(source, target, fstype string, flags uintptr, data string) error {
	return unix.Mount(source, target, fstype, flags, data)
}
func (kernelFS) Unmount(target string, flags int) error    { return unix.Unmount(target, flags) }
func (kernelFS) PivotRoot(newroot, putold string) error    { return unix.PivotRoot(newroot, putold) }
func (kernelFS) Chdir(dir string) error                    { return unix.Chdir(dir) }
func (kernelFS) MkdirAll(p string, perm os.FileMode) error { return os.MkdirAll(p, perm) }
func (kernelFS) Symlink(oldname, newname string) error     { return unix.Symlink(oldname, newname) }

func (kernelFS) MountAll(ms []mount.Mount, target string) error {
	return mount.All(ms, target)
}

func (kernelFS) Mknod(p string, mode uint32, major, minor uint32) error {
	return unix.Mknod(p, mode, int(unix.Mkdev(major, minor)))
}

func (kernelFS) Touch(p string) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	return f.Close()
}

func (kernelFS) Stat(p string) (bool, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

func (kernelFS) MountFlags(p string) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return 0, err
	}
	var flags uintptr
	for _, f := range [][2]uintptr{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if uintptr(st.Flags)&f[0] != 0 {
			flags |= f[1]
		}
	}
	return flags, nil
}
