package vmtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// An initramfs is a cpio archive in the "newc" format (the kernel's
// Documentation/driver-api/early-userspace/buffer-format.rst): each entry a
// 110-byte ASCII header, the name, the data, each padded to 4 bytes. The
// kernel unpacks it into its first root file system before running /init.

// Entry is one file of an initramfs.
type Entry struct {
	Name     string // path in the guest, without the leading /
	Mode     uint32 // type and permission bits, as in stat(2): 0o100755, 0o40755
	Data     []byte // a regular file's contents, or a symlink's target
	HostPath string // a regular file's contents read from here instead
	Major    uint32 // a device's numbers
	Minor    uint32
}

const (
	modeDir     = 0o040000
	modeFile    = 0o100000
	modeSymlink = 0o120000
	modeChar    = 0o020000
)

// WriteCpio writes entries as a newc archive, adding the directories
// their paths need.
func WriteCpio(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	dirs := map[string]bool{}
	var all []Entry
	for _, e := range entries {
		e.Name = strings.TrimPrefix(path.Clean("/"+e.Name), "/")
		for d := path.Dir(e.Name); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			all = append(all, Entry{Name: d, Mode: modeDir | 0o755})
		}
		if e.Mode&0o170000 == modeDir {
			if dirs[e.Name] {
				continue
			}
			dirs[e.Name] = true
		}
		all = append(all, e)
	}
	// Parents first: the kernel creates entries in archive order.
	slices.SortStableFunc(all, func(a, b Entry) int { return strings.Count(a.Name, "/") - strings.Count(b.Name, "/") })
	for i, e := range all {
		data := e.Data
		if e.HostPath != "" {
			var err error
			if data, err = os.ReadFile(e.HostPath); err != nil {
				return fmt.Errorf("initramfs %s: %w", e.Name, err)
			}
		}
		if err := writeEntry(bw, uint32(i+1), e, data); err != nil {
			return err
		}
	}
	if err := writeEntry(bw, 0, Entry{Name: "TRAILER!!!"}, nil); err != nil {
		return err
	}
	return bw.Flush()
}

func writeEntry(w *bufio.Writer, ino uint32, e Entry, data []byte) error {
	nlink := 1
	if e.Mode&0o170000 == modeDir {
		nlink = 2
	}
	fmt.Fprintf(w, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, e.Mode, 0, 0, nlink, 0, len(data), 0, 0, e.Major, e.Minor, len(e.Name)+1, 0)
	w.WriteString(e.Name)
	w.WriteByte(0)
	pad(w, 110+len(e.Name)+1)
	w.Write(data)
	pad(w, len(data))
	return nil
}

func pad(w *bufio.Writer, n int) {
	for ; n%4 != 0; n++ {
		w.WriteByte(0)
	}
}

// DirEntries are the files under the host's dir, for the guest's path
// guest; none if dir does not exist.
func DirEntries(dir, guest string) ([]Entry, error) {
	var out []Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == dir {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := path.Join(guest, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			out = append(out, Entry{Name: name, Mode: modeDir | 0o755})
		case d.Type().IsRegular():
			out = append(out, Entry{Name: name, Mode: modeFile | 0o644, HostPath: p})
		}
		return nil
	})
	return out, err
}
