package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

func extract(t *testing.T, dest string, blob []byte, opts ...Option) (*Result, error) {
	t.Helper()
	return Extract(context.Background(), bytes.NewReader(blob), dest, opts...)
}

func mustExtract(t *testing.T, dest string, blob []byte, opts ...Option) *Result {
	t.Helper()
	res, err := extract(t, dest, blob, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zst(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := zstd.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func lstat(t *testing.T, p string) *syscall.Stat_t {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t)
}

func needRoot(t *testing.T, why string) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: " + why)
	}
}

func TestKinds(t *testing.T) {
	uid, gid := os.Getuid(), os.Getgid()
	owned := func(e entry, u, g int) entry { e.hdr.Uid, e.hdr.Gid = u, g; return e }
	mt := time.Unix(1500000000, 123456789)
	withTime := func(e entry) entry { e.hdr.ModTime = mt; return e }
	suid := file("bin/su", "su", 0o4755)
	sgid := file("bin/wall", "wall", 0o2755)
	sticky := dir("tmp", 0o1777)
	ro := dir("ro", 0o555)
	layer := tarOf(uid, gid,
		dir("bin", 0o755),
		file("bin/sh", "#!/bin/sh\n", 0o755),
		withTime(file("etc/motd", "hello\n", 0o640)),
		withTime(dir("etc", 0o750)),
		symlink("sh", "bin/bash"),
		withTime(symlink("/bin/sh", "bin/abs")),
		hardlink("bin/sh", "bin/dash"),
		owned(suid, 1234, 5678),
		owned(sgid, 0, 5),
		sticky,
		ro,
		file("ro/inside", "x", 0o444),
		entry{hdr: tarHeader(tar.TypeFifo, "run/fifo", 0o620)},
		entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: testTime}},
	)
	dest := t.TempDir()
	t.Cleanup(func() { os.Chmod(filepath.Join(dest, "ro"), 0o755) })
	res := mustExtract(t, dest, layer)
	root := os.Geteuid() == 0

	wantFile("bin/sh", "#!/bin/sh\n")(t, dest, "")
	wantFile("bin/bash", "#!/bin/sh\n")(t, dest, "")
	sameFile("bin/dash", "bin/sh")(t, dest, "")
	if l, _ := os.Readlink(filepath.Join(dest, "bin/abs")); l != "/bin/sh" {
		t.Errorf("bin/abs -> %q", l)
	}
	for name, want := range map[string]uint32{
		"bin/sh": 0o755, "etc/motd": 0o640, "etc": 0o750, "tmp": 0o1777 | unix.S_ISVTX&0, "ro": 0o555, "ro/inside": 0o444,
		"run/fifo": 0o620,
	} {
		if got := lstat(t, filepath.Join(dest, name)).Mode & 0o7777; got != want {
			t.Errorf("%s: mode %o, want %o", name, got, want)
		}
	}
	if st := lstat(t, filepath.Join(dest, "run/fifo")); st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("run/fifo: mode %o, not a fifo", st.Mode)
	}
	for _, name := range []string{"etc/motd", "etc", "bin/abs"} {
		st := lstat(t, filepath.Join(dest, name))
		if st.Mtim.Sec != mt.Unix() || st.Mtim.Nsec != int64(mt.Nanosecond()) {
			t.Errorf("%s: mtime %v, want %v", name, time.Unix(st.Mtim.Sec, st.Mtim.Nsec), mt)
		}
	}
	if st := lstat(t, filepath.Join(dest, "bin")); st.Mtim.Sec != testTime.Unix() {
		t.Errorf("bin: mtime %d, want %d: directory times must be set after their contents", st.Mtim.Sec, testTime.Unix())
	}
	if root {
		st := lstat(t, filepath.Join(dest, "bin/su"))
		if st.Uid != 1234 || st.Gid != 5678 || st.Mode&0o7777 != 0o4755 {
			t.Errorf("bin/su: %d:%d %o, want 1234:5678 4755 (setuid set after chown)", st.Uid, st.Gid, st.Mode&0o7777)
		}
		st = lstat(t, filepath.Join(dest, "bin/wall"))
		if st.Gid != 5 || st.Mode&0o7777 != 0o2755 {
			t.Errorf("bin/wall: gid %d %o, want 5 2755", st.Gid, st.Mode&0o7777)
		}
		st = lstat(t, filepath.Join(dest, "dev/null"))
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
			t.Errorf("dev/null: mode %o rdev %d:%d", st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		if !res.Skipped.Empty() {
			t.Errorf("root skipped %v", res.Skipped)
		}
	} else {
		if res.Skipped.Devices != 1 || res.Skipped.Ownership != 2 {
			t.Errorf("rootless: skipped %+v, want 1 device and 2 ownerships", res.Skipped)
		}
		if st := lstat(t, filepath.Join(dest, "bin/su")); st.Mode&0o7777 != 0o4755 {
			t.Errorf("bin/su: mode %o, want 4755", st.Mode&0o7777)
		}
	}
	if res.Entries != 14 {
		t.Errorf("entries %d, want 14", res.Entries)
	}
}

// A rootless extraction (asked for, so that root runs it too) skips what
// an unprivileged user cannot make, and says what.
func TestRootlessSkips(t *testing.T) {
	f := file("bin/ping", "ping", 0o755)
	f.hdr.Uid, f.hdr.Gid = 0, 0
	f.hdr.PAXRecords = map[string]string{
		"SCHILY.xattr.security.capability": string(capNetRaw()),
		"SCHILY.xattr.trusted.md":          "x",
		"SCHILY.xattr.user.kept":           "yes",
	}
	dev := entry{hdr: tar.Header{Typeflag: tar.TypeBlock, Name: "dev/sda", Mode: 0o660, Devmajor: 8, ModTime: testTime}}
	dest := t.TempDir()
	res := mustExtract(t, dest, tarOf(4321, 4321, f, dev), WithRootless(true))
	s := res.Skipped
	if s.Devices != 1 || s.Xattrs != 2 || s.Ownership != 2 {
		t.Fatalf("skipped %+v, want 1 device, 2 xattrs, 2 ownerships", s)
	}
	msg := s.String()
	for _, want := range []string{"1 device nodes", "2 privileged xattrs", "dev/sda", "bin/ping security.capability"} {
		if !strings.Contains(msg, want) {
			t.Errorf("summary %q does not say %q", msg, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dest, "dev/sda")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dev/sda made: %v", err)
	}
	buf := make([]byte, 16)
	if n, err := unix.Lgetxattr(filepath.Join(dest, "bin/ping"), "user.kept", buf); err != nil || string(buf[:n]) != "yes" {
		t.Errorf("user.kept: %q %v", buf[:n], err)
	}
}

// capNetRaw is a vfs_cap_data (revision 2) granting cap_net_raw+ep.
func capNetRaw() []byte {
	b := make([]byte, 20)
	le := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	le(0, 0x02000000|1) // VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE
	le(4, 1<<13)        // permitted: CAP_NET_RAW
	return b
}

func TestXattrs(t *testing.T) {
	needRoot(t, "security.capability and trusted.* xattrs")
	f := file("bin/ping", "ping", 0o4755)
	f.hdr.Uid = 1000
	f.hdr.PAXRecords = map[string]string{
		"SCHILY.xattr.security.capability": string(capNetRaw()),
		"SCHILY.xattr.trusted.x":           "t",
		"SCHILY.xattr.user.x":              "u",
	}
	d := dir("d", 0o755)
	d.hdr.PAXRecords = map[string]string{"SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.user.d": "dd"}
	l := symlink("bin/ping", "l")
	l.hdr.PAXRecords = map[string]string{"SCHILY.xattr.trusted.l": "ll"}
	dest := t.TempDir()
	mustExtract(t, dest, tarOf(0, 0, f, d, l))
	for _, c := range []struct{ path, name, want string }{
		{"bin/ping", "security.capability", string(capNetRaw())},
		{"bin/ping", "trusted.x", "t"},
		{"bin/ping", "user.x", "u"},
		{"d", "trusted.overlay.opaque", "y"},
		{"d", "user.d", "dd"},
		{"l", "trusted.l", "ll"},
	} {
		buf := make([]byte, 64)
		n, err := unix.Lgetxattr(filepath.Join(dest, c.path), c.name, buf)
		if err != nil || string(buf[:n]) != c.want {
			t.Errorf("%s %s: %q, %v; want %q", c.path, c.name, buf[:max(n, 0)], err, c.want)
		}
	}
	if st := lstat(t, filepath.Join(dest, "bin/ping")); st.Uid != 1000 || st.Mode&0o7777 != 0o4755 {
		t.Errorf("bin/ping: uid %d mode %o", st.Uid, st.Mode&0o7777)
	}
}

func TestSparse(t *testing.T) {
	for _, format := range []string{"gnu", "posix"} {
		t.Run(format, func(t *testing.T) {
			src := t.TempDir()
			p := filepath.Join(src, "disk.img")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("head"), 0)
			f.WriteAt([]byte("middle"), 32<<20)
			f.Truncate(64 << 20)
			f.Close()
			out, err := exec.Command("tar", "--sparse", "--format="+format, "-cf", "-", "-C", src, "disk.img").Output()
			if err != nil {
				t.Skipf("GNU tar: %v", err)
			}
			dest := t.TempDir()
			mustExtract(t, dest, out)
			got, err := os.ReadFile(filepath.Join(dest, "disk.img"))
			if err != nil {
				t.Fatal(err)
			}
			want := make([]byte, 64<<20)
			copy(want, "head")
			copy(want[32<<20:], "middle")
			if !bytes.Equal(got, want) {
				t.Fatal("contents differ")
			}
			if st := lstat(t, filepath.Join(dest, "disk.img")); st.Blocks*512 > 1<<20 {
				t.Errorf("%d bytes allocated for a 64 MiB file of holes: not sparse", st.Blocks*512)
			}
		})
	}
}

func TestReplace(t *testing.T) {
	dest := t.TempDir()
	mustExtract(t, dest, tarOf(0, 0,
		dir("a", 0o755), file("a/x", "x", 0o644), // a dir...
		file("a", "a file now", 0o644), // ...replaced by a file
		file("b", "a file", 0o644),
		dir("b", 0o700), file("b/y", "y", 0o644), // a file replaced by a dir
		file("c", "first", 0o644),
		file("c", "second", 0o600),       // repeated: the last wins
		dir("d", 0o755), dir("d", 0o711), // a dir over a dir merges
		file("d/z", "z", 0o644),
		symlink("a", "e"), file("e", "not a link", 0o644), // a symlink replaced, not written through
		hardlink("c", "f"), file("c", "third", 0o644), // a new c: f keeps the second
	), WithRootless(os.Geteuid() != 0))
	wantFile("a", "a file now")(t, dest, "")
	wantFile("b/y", "y")(t, dest, "")
	wantFile("c", "third")(t, dest, "")
	wantFile("f", "second")(t, dest, "")
	wantFile("d/z", "z")(t, dest, "")
	wantFile("e", "not a link")(t, dest, "")
	if got := lstat(t, filepath.Join(dest, "d")).Mode & 0o777; got != 0o711 {
		t.Errorf("d: mode %o, want the later entry's 711", got)
	}
	if got := lstat(t, filepath.Join(dest, "b")).Mode & 0o777; got != 0o700 {
		t.Errorf("b: mode %o", got)
	}
}

// lowerTree is what a copying snapshotter has before applying a layer.
func lowerTree(t *testing.T) string {
	dest := t.TempDir()
	mustExtract(t, dest, tarOf(os.Getuid(), os.Getgid(),
		file("a/f", "f", 0o644), file("a/g", "g", 0o644),
		file("b/x", "x", 0o644),
		file("c/old", "old", 0o644), dir("c/olddir", 0o755), file("c/olddir/deep", "d", 0o644),
		file("keep", "k", 0o644),
	))
	return dest
}

var whiteoutLayer = tarOf(0, 0,
	file("a/.wh.f", "", 0o644),
	file(".wh.b", "", 0o644),
	file("c/new", "new", 0o644), // before the opaque marker
	file("c/.wh..wh..opq", "", 0o644),
	file("c/newer", "newer", 0o644), // after it
	file(".wh.missing", "", 0o644),  // hides nothing: fine
	file("n/.wh.gone", "", 0o644),   // in a directory not there
)

func names(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range es {
		n = append(n, e.Name())
	}
	return strings.Join(n, " ")
}

func TestWhiteoutsApplied(t *testing.T) {
	dest := lowerTree(t)
	mustExtract(t, dest, whiteoutLayer, WithRootless(os.Geteuid() != 0))
	for dir, want := range map[string]string{"": "a c keep", "a": "g", "c": "new newer"} {
		if got := names(t, filepath.Join(dest, dir)); got != want {
			t.Errorf("%s/: %q, want %q", dir, got, want)
		}
	}
}

func TestWhiteoutsOverlay(t *testing.T) {
	// Unprivileged: Linux 5.8+ lets anyone make a 0/0 device (a
	// whiteout), and user.* xattrs need no privilege.
	xattr := whiteout.UserOpaqueXattr
	if os.Geteuid() == 0 {
		xattr = whiteout.OpaqueXattr
	}
	dest := t.TempDir()
	mustExtract(t, dest, whiteoutLayer, WithWhiteouts(whiteout.FormOverlay, xattr))
	wantWhiteout(t, filepath.Join(dest, "a/f"))
	wantWhiteout(t, filepath.Join(dest, "b"))
	wantWhiteout(t, filepath.Join(dest, "missing"))
	wantWhiteout(t, filepath.Join(dest, "n/gone"))
	fd, err := unix.Open(filepath.Join(dest, "c"), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ok, err := whiteout.IsOpaque(fd, xattr); !ok || err != nil {
		t.Errorf("c: not opaque (%v)", err)
	}
	if got := names(t, filepath.Join(dest, "c")); got != "new newer" {
		t.Errorf("c/: %q", got)
	}
}

func TestDigests(t *testing.T) {
	layer := tarOf(0, 0, dir("d", 0o755), file("d/f", strings.Repeat("content ", 1000), 0o644))
	diffID := digest.FromBytes(layer)
	for _, c := range []struct {
		name string
		blob []byte
		comp Compression
		opts []Option
	}{
		{"none", layer, Uncompressed, nil},
		{"gzip", gz(layer), Gzip, nil},
		{"gzip-go", gz(layer), Gzip, []Option{WithExternalGzip(false)}},
		{"zstd", zst(layer), Zstd, nil},
		{"zstd, synced", zst(layer), Zstd, []Option{WithSync()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			blobDigest := digest.FromBytes(c.blob)
			opts := append([]Option{WithRootless(os.Geteuid() != 0)}, c.opts...)
			res := mustExtract(t, t.TempDir(), c.blob, append(opts, WithDigest(blobDigest), WithDiffID(diffID))...)
			if res.Digest != blobDigest || res.DiffID != diffID || res.Compression != c.comp {
				t.Errorf("result %+v, want digest %s diff ID %s %s", res, blobDigest, diffID, c.comp)
			}
			if res.Size != int64(len(c.blob)) {
				t.Errorf("size %d, want %d", res.Size, len(c.blob))
			}
			wrong := digest.FromString("something else")
			for _, o := range []Option{WithDigest(wrong), WithDiffID(wrong)} {
				_, err := extract(t, t.TempDir(), c.blob, append(opts, o)...)
				if !errors.Is(err, ErrDigestMismatch) {
					t.Errorf("error %v, want ErrDigestMismatch", err)
				}
			}
			sha512 := digest.SHA512.FromBytes(c.blob)
			if res := mustExtract(t, t.TempDir(), c.blob, append(opts, WithDigest(sha512))...); res.Digest != sha512 {
				t.Errorf("sha512 digest %s, want %s", res.Digest, sha512)
			}
			// Trailing bytes after the stream are part of the blob: a
			// mismatch, or for gzip and zstd readers that take them for
			// another frame, a decompression error.
			padded := append(bytes.Clone(c.blob), make([]byte, 1024)...)
			if _, err := extract(t, t.TempDir(), padded, append(opts, WithDigest(blobDigest))...); err == nil {
				t.Errorf("blob with trailing bytes: no error")
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	layer := tarOf(0, 0, file("f", strings.Repeat("x", 100000), 0o644))
	for _, c := range []struct {
		name string
		blob []byte
		opts []Option
	}{
		{"truncated tar", layer[:2048], nil},
		{"truncated gzip", gz(layer)[:200], nil},
		{"truncated gzip (Go)", gz(layer)[:200], []Option{WithExternalGzip(false)}},
		{"truncated zstd", zst(layer)[:40], nil},
		{"garbled gzip", append(append([]byte{}, gz(layer)[:20]...), bytes.Repeat([]byte{0xAA}, 500)...), nil},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 0, 0, 0, 0, 0}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := extract(t, t.TempDir(), c.blob, c.opts...)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
		})
	}
}

func TestLimits(t *testing.T) {
	// A bomb: 1 GiB of zeros in about 1 MB of gzip, as 1024 gzip members
	// of 1 MiB of zeros each, the first with the tar header.
	var first, rest bytes.Buffer
	tw := tar.NewWriter(&first)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "zeros", Size: 1 << 30, Mode: 0o644})
	zero := make([]byte, 1<<20)
	bomb := gz(append(first.Bytes(), zero...))
	rest.Write(gz(zero))
	for range 1023 {
		bomb = append(bomb, rest.Bytes()...)
	}
	_, err := extract(t, t.TempDir(), bomb, WithLimits(Limits{Size: 64 << 20}))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("bomb: %v, want ErrLimit", err)
	}
	_, err = extract(t, t.TempDir(), bomb, WithLimits(Limits{Size: 2 << 30, EntrySize: 1 << 20}))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("entry size: %v, want ErrLimit", err)
	}

	// A header claiming more than the stream holds.
	var buf bytes.Buffer
	tw = tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "liar", Size: 1 << 40, Mode: 0o644})
	tw.Write([]byte("short"))
	_, err = extract(t, t.TempDir(), buf.Bytes())
	if !errors.Is(err, ErrLimit) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("lying header: %v, want ErrLimit or an unexpected EOF", err)
	}
	_, err = extract(t, t.TempDir(), buf.Bytes(), WithLimits(Limits{Size: 1 << 50}))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("lying header under the limit: %v, want an unexpected EOF", err)
	}

	many := make([]entry, 100)
	for i := range many {
		many[i] = file(strings.Repeat("x", i+1), "", 0o644)
	}
	_, err = extract(t, t.TempDir(), tarOf(0, 0, many...), WithLimits(Limits{Entries: 50}))
	if !errors.Is(err, ErrLimit) {
		t.Errorf("entries: %v, want ErrLimit", err)
	}
}

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		head []byte
		want Compression
		err  bool
	}{
		{[]byte{0x1f, 0x8b, 8, 0}, Gzip, false},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0}, Zstd, false},
		{[]byte("etc/passwd\x00\x00"), Uncompressed, false},
		{[]byte("BZh91AY&SY"), 0, true},
		{[]byte("BZh-not-bzip2"), Uncompressed, false},
		{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, 0, true},
		{nil, Uncompressed, false},
	} {
		got, err := Detect(c.head)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("Detect(%q) = %v, %v", c.head, got, err)
		}
	}
}

func TestLargeFileInLine(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", (maxQueued+12345)/16)
	dest := t.TempDir()
	mustExtract(t, dest, zst(tarOf(0, 0, file("big", big, 0o600))), WithRootless(os.Geteuid() != 0))
	b, _ := os.ReadFile(filepath.Join(dest, "big"))
	if sha256.Sum256(b) != sha256.Sum256([]byte(big)) {
		t.Fatal("big file differs")
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Extract(ctx, bytes.NewReader(gz(tarOf(0, 0, file("f", "x", 0o644)))), t.TempDir())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
}

// A malformed expected digest is the caller's error, said before any work.
func TestInvalidDigestOption(t *testing.T) {
	dest := t.TempDir()
	_, err := extract(t, dest, tarOf(0, 0, file("f", "x", 0o644)), WithDiffID("sha256:not-hex"))
	if err == nil || errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "not-hex") {
		t.Fatalf("%v, want an invalid digest error", err)
	}
	if names(t, dest) != "" {
		t.Fatal("extracted despite the invalid digest")
	}
}

func TestIDMap(t *testing.T) {
	needRoot(t, "chown to mapped ids")
	shift := func(uid, gid int) (int, int, error) {
		if uid >= 65536 || gid >= 65536 {
			return 0, 0, errors.New("outside the map")
		}
		return uid + 100000, gid + 100000, nil
	}
	f := file("etc/shadow", "x", 0o640)
	f.hdr.Gid = 42
	dest := t.TempDir()
	mustExtract(t, dest, tarOf(0, 0, dir("etc", 0o755), f), WithIDMap(shift))
	if st := lstat(t, filepath.Join(dest, "etc/shadow")); st.Uid != 100000 || st.Gid != 100042 {
		t.Fatalf("etc/shadow: %d:%d, want 100000:100042", st.Uid, st.Gid)
	}
	if st := lstat(t, filepath.Join(dest, "etc")); st.Uid != 100000 {
		t.Fatalf("etc: uid %d, want 100000", st.Uid)
	}
	big := file("f", "x", 0o644)
	big.hdr.Uid = 70000
	if _, err := extract(t, t.TempDir(), tarOf(0, 0, big), WithIDMap(shift)); err == nil || !strings.Contains(err.Error(), "outside the map") {
		t.Fatalf("%v, want the map's error", err)
	}
}
