package layer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// A breakout test extracts a hostile layer into tmp/dest beside tmp/victim
// (a directory with a file, hello, and a symlink to it) and asserts that
// nothing outside dest changed: same names, modes, sizes, contents, link
// counts, times. The cases are those of containerd's archive TestBreakouts
// and more; paths like /md-etc in them mean the target's /md-etc, and the
// validators check that they landed there. (containerd's cases use /etc:
// here a name no host has, so that an extractor broken on purpose, as in
// the chapter's exercise, cannot write to the host's /etc.)

type breakout struct {
	name    string
	lower   func(victim string) []entry // a layer extracted first
	entries func(victim string) []entry // victim: its absolute host path
	opts    []Option
	wantErr error // nil: must succeed; errAny: must fail, any error
	check   func(t *testing.T, dest, victim string)
}

var errAny = errors.New("any error")

func TestBreakouts(t *testing.T) {
	for _, bo := range breakouts {
		t.Run(bo.name, func(t *testing.T) {
			tmp := t.TempDir()
			victim := filepath.Join(tmp, "victim")
			dest := filepath.Join(tmp, "dest")
			mustMkdir(t, victim)
			mustMkdir(t, dest)
			mustWrite(t, filepath.Join(victim, "hello"), "host data", 0o644)
			if err := os.Symlink("hello", filepath.Join(victim, "hellolink")); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, tmp, dest)
			opts := append([]Option{WithRootless(os.Geteuid() != 0)}, bo.opts...)
			if bo.lower != nil {
				if _, err := Extract(context.Background(), bytes.NewReader(tarOf(os.Getuid(), os.Getgid(), bo.lower(victim)...)), dest, opts...); err != nil {
					t.Fatalf("lower layer: %v", err)
				}
				before = snapshot(t, tmp, dest)
			}
			_, err := Extract(context.Background(), bytes.NewReader(tarOf(os.Getuid(), os.Getgid(), bo.entries(victim)...)), dest, opts...)
			switch {
			case bo.wantErr == nil && err != nil:
				t.Fatalf("extract: %v", err)
			case bo.wantErr == errAny && err == nil, bo.wantErr != nil && bo.wantErr != errAny && !errors.Is(err, bo.wantErr):
				t.Fatalf("extract: error %v, want %v", err, bo.wantErr)
			}
			if err != nil {
				t.Logf("refused: %v", err)
			}
			if diff := cmp.Diff(before, snapshot(t, tmp, dest)); diff != "" {
				t.Fatalf("the host outside the target changed (-before +after):\n%s", diff)
			}
			if bo.check != nil && err == nil {
				bo.check(t, dest, victim)
			}
		})
	}
}

var breakouts = []breakout{
	{
		name: "SymlinkAbsolute",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o755), symlink("/md-etc", "localetc"), file("/localetc/unbroken", "unbroken", 0o644)}
		},
		check: wantFile("md-etc/unbroken", "unbroken"),
	},
	{
		name: "SymlinkAbsoluteHostPath",
		entries: func(v string) []entry {
			return []entry{symlink(v, "v"), file("v/hello", "pwned", 0o644)}
		},
		check: func(t *testing.T, dest, v string) { wantFile(filepath.Join(v, "hello"), "pwned")(t, dest, v) },
	},
	{
		name: "SymlinkUpAndOut",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o755), dir("dummy", 0o755), symlink("/dummy/../md-etc", "localetc"), file("/localetc/unbroken", "unbroken", 0o644)}
		},
		check: wantFile("md-etc/unbroken", "unbroken"),
	},
	{
		name: "SymlinkRelativeOut",
		entries: func(string) []entry {
			return []entry{symlink("../victim", "v"), file("v/hello", "pwned", 0o644)}
		},
		check: wantFile("victim/hello", "pwned"),
	},
	{
		name: "SymlinkRelativeLong",
		entries: func(string) []entry {
			return []entry{dir("a/b", 0o755), symlink("../../../../../../../victim", "a/b/v"), file("a/b/v/hello", "pwned", 0o644)}
		},
		check: wantFile("victim/hello", "pwned"),
	},
	{
		name: "SymlinkMultipleAbsolute",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o755), dir("dummy", 0o755), symlink("/md-etc", "/dummy/md-etc"), symlink("/dummy/md-etc", "localetc"), file("/localetc/unbroken", "unbroken", 0o644)}
		},
		check: wantFile("md-etc/unbroken", "unbroken"),
	},
	{
		name: "SymlinkMultipleRelative",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o755), dir("dummy", 0o755), symlink("/md-etc", "/dummy/md-etc"), symlink("./dummy/md-etc", "localetc"), file("/localetc/unbroken", "unbroken", 0o644)}
		},
		check: wantFile("md-etc/unbroken", "unbroken"),
	},
	{
		name: "SymlinkChainOut",
		entries: func(v string) []entry {
			return []entry{dir("c", 0o755), symlink("c/../../..", "b"), symlink("b", "a"), symlink(v, "abs"), symlink("abs", "chained"),
				file("a/victim/hello", "pwned", 0o644), file("chained/hello", "pwned", 0o644)}
		},
		check: wantFile("victim/hello", "pwned"),
	},
	{
		name: "SymlinkEmptyFile",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o755), file("md-etc/emptied", "notempty", 0o644), symlink("/md-etc", "localetc"), file("/localetc/emptied", "", 0o644)}
		},
		check: wantFile("md-etc/emptied", ""),
	},
	{
		name: "SymlinkDirectoryCreatedThrough",
		entries: func(string) []entry {
			return []entry{symlink("../victim", "v"), dir("v/newdir", 0o755), file("v/newdir/f", "x", 0o644)}
		},
		check: wantFile("victim/newdir/f", "x"),
	},
	{
		name: "DirectoryReplacedBySymlink",
		entries: func(string) []entry {
			return []entry{dir("d", 0o755), file("d/x", "x", 0o644), symlink("../victim", "d"), file("d/hello", "pwned", 0o644)}
		},
		check: wantFile("victim/hello", "pwned"),
	},
	{
		name: "DirectoryReplacedByAbsoluteSymlink",
		entries: func(v string) []entry {
			return []entry{dir("d/e", 0o755), file("d/e/x", "x", 0o644), symlink(v, "d"), file("d/hello", "pwned", 0o644), file("d/e/y", "y", 0o644)}
		},
		check: func(t *testing.T, dest, v string) { wantFile(filepath.Join(v, "hello"), "pwned")(t, dest, v) },
	},
	{
		name: "EntryNameDotDot",
		entries: func(string) []entry {
			return []entry{file("../victim/hello", "pwned", 0o644), file("/../../victim/hellolink", "pwned", 0o644)}
		},
		check: wantFile("victim/hello", "pwned"),
	},
	{
		name: "HardlinkRelative",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), dir("breakouts", 0o755),
				symlink("../../md-etc", "breakouts/d1"), hardlink("/breakouts/d1/passwd", "breakouts/mypasswd")}
		},
		check: sameFile("breakouts/mypasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkDownAndOut",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), dir("breakouts", 0o755), dir("downandout", 0o755),
				symlink("../downandout/../../md-etc", "breakouts/d1"), hardlink("/breakouts/d1/passwd", "breakouts/mypasswd")}
		},
		check: sameFile("breakouts/mypasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkAbsolute",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), symlink("/md-etc", "localetc"), hardlink("/localetc/passwd", "localpasswd")}
		},
		check: sameFile("localpasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkRelativeLong",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), symlink("../../../../../../../md-etc", "localetc"), hardlink("/localetc/passwd", "localpasswd")}
		},
		check: sameFile("localpasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkRelativeUpAndOut",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), symlink("upandout/../../../md-etc", "localetc"), hardlink("/localetc/passwd", "localpasswd")}
		},
		// containerd resolves "upandout/.." by string and links /md-etc/passwd;
		// the kernel, as the container will, finds no upandout: refused.
		wantErr: errAny,
	},
	{
		name: "HardlinkDirectRelative",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), hardlink("../../../../../md-etc/passwd", "localpasswd")}
		},
		check: sameFile("localpasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkDirectAbsolute",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), hardlink("/md-etc/passwd", "localpasswd")}
		},
		check: sameFile("localpasswd", "md-etc/passwd"),
	},
	{
		name: "HardlinkToHostFile",
		entries: func(v string) []entry {
			return []entry{hardlink("../victim/hello", "h1")}
		},
		wantErr: errAny, // nothing at /victim/hello in the target
	},
	{
		name: "HardlinkToHostAbsolute",
		entries: func(v string) []entry {
			return []entry{hardlink(filepath.Join(v, "hello"), "h1")}
		},
		wantErr: errAny,
	},
	{
		name: "HardlinkThroughSymlinkToHost",
		entries: func(v string) []entry {
			return []entry{symlink(v, "v"), symlink("../victim", "r"), hardlink("v/hello", "h1")}
		},
		wantErr: errAny,
	},
	{
		name: "HardlinkSymlinkRelative",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), symlink("../../../../../md-etc/passwd", "passwdlink"), hardlink("/passwdlink", "localpasswd")}
		},
		check: sameSymlink("localpasswd", "passwdlink"),
	},
	{
		name: "HardlinkSymlinkAbsolute",
		entries: func(string) []entry {
			return []entry{dir("md-etc", 0o770), file("/md-etc/passwd", "inside", 0o644), symlink("/md-etc/passwd", "passwdlink"), hardlink("/passwdlink", "localpasswd")}
		},
		check: sameSymlink("localpasswd", "passwdlink"),
	},
	{
		name: "HardlinkSymlinkToHostChmod",
		entries: func(v string) []entry {
			f := file("localpasswd", "overwritten", 0o777)
			f.hdr.Mode = 0o4777
			return []entry{symlink(filepath.Join(v, "hello"), "passwdlink"), hardlink("passwdlink", "localpasswd"), f}
		},
		check: wantFile("localpasswd", "overwritten"),
	},
	{
		name: "HardlinkSymlinkBeforeTarget",
		entries: func(string) []entry {
			return []entry{symlink("../victim/hello", "passwdlink"), hardlink("passwdlink", "localpasswd"), file("victim/hello", "inside", 0o644)}
		},
		check: wantFile("victim/hello", "inside"),
	},
	{
		name:    "WhiteoutRootParent",
		entries: func(string) []entry { return []entry{file(".wh..", "", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name: "WhiteoutParent",
		entries: func(string) []entry {
			return []entry{file("../.wh.victim", "", 0o644), file("a/../../.wh.victim", "", 0o644)}
		},
	},
	{
		name:    "WhiteoutCurrentDirectory",
		entries: func(string) []entry { return []entry{dir("a", 0o755), file("a/.wh..", "", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name:    "WhiteoutEmptyName",
		entries: func(string) []entry { return []entry{file("a/.wh.", "", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name: "WhiteoutRoot",
		entries: func(string) []entry {
			return []entry{file(".wh..wh..opq", "", 0o644), file("./.wh..wh..opq", "", 0o644)}
		},
	},
	{
		name:  "WhiteoutSymlink",
		lower: func(v string) []entry { return []entry{symlink("../victim", "v"), symlink(v, "w")} },
		entries: func(v string) []entry {
			return []entry{file(".wh.v", "", 0o644), file(".wh.w", "", 0o644)}
		},
		check: func(t *testing.T, dest, _ string) {
			for _, n := range []string{"v", "w"} {
				if _, err := os.Lstat(filepath.Join(dest, n)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: still there (%v)", n, err)
				}
			}
		},
	},
	{
		name:  "WhiteoutSymlinkPath",
		lower: func(v string) []entry { return []entry{symlink("../victim", "v"), symlink(v, "w")} },
		entries: func(v string) []entry {
			return []entry{file("v/.wh.hello", "", 0o644), file("w/.wh.hello", "", 0o644),
				file("v/.wh.hellolink", "", 0o644), file("w/.wh..wh..opq", "", 0o644)}
		},
	},
	{
		name: "WhiteoutSymlinkPathOverlay",
		entries: func(v string) []entry {
			return []entry{symlink("../victim", "v"), symlink(v, "w"), file("v/.wh.hello", "", 0o644), file("w/.wh..wh..opq", "", 0o644)}
		},
		opts: []Option{WithWhiteouts(whiteout.FormOverlay, "user.overlay.opaque")},
		check: func(t *testing.T, dest, v string) {
			if os.Geteuid() != 0 {
				return
			}
			wantWhiteout(t, filepath.Join(dest, "victim", "hello"))
		},
	},
	{
		name:    "WhiteoutDirectoryName",
		entries: func(string) []entry { return []entry{dir(".wh.dir", 0o755), file(".wh.dir/file", "x", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name:    "WhiteoutOpaqueAsDirectory",
		entries: func(string) []entry { return []entry{file("a/.wh..wh..opq/b", "x", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name:    "WhiteoutUnknownMeta",
		entries: func(string) []entry { return []entry{file("a/.wh..wh.plnk", "", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name:    "WhiteoutWithSlashDotDot",
		entries: func(string) []entry { return []entry{file("a/.wh.../victim", "", 0o644)} },
		wantErr: ErrInvalid,
	},
	{
		name: "FifoThroughSymlink",
		entries: func(v string) []entry {
			return []entry{symlink(v, "v"), {hdr: tarHeader('6', "v/fifo", 0o644)}}
		},
	},
}

// snapshot describes every path under tmp except skip and below.
func snapshot(t *testing.T, tmp, skip string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == skip {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v nlink=%d uid=%d mtime=%v size=%d", fi.Mode(), st.Nlink, st.Uid, fi.ModTime().UnixNano(), fi.Size())
		switch {
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			desc += " " + string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			desc += " -> " + l
		}
		if p != tmp && fi.IsDir() {
			desc = strings.Replace(desc, fmt.Sprintf("mtime=%v", fi.ModTime().UnixNano()), "", 1) // a dir's mtime: dest's parent is tmp
		}
		m[strings.TrimPrefix(p, tmp)] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	delete(m, "") // tmp itself: dest is made in it
	return m
}

func wantFile(name, content string) func(*testing.T, string, string) {
	return func(t *testing.T, dest, _ string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dest, name))
		if err != nil {
			t.Fatalf("in the target: %v", err)
		}
		if string(b) != content {
			t.Fatalf("%s: %q, want %q", name, b, content)
		}
	}
}

func sameFile(a, b string) func(*testing.T, string, string) {
	return func(t *testing.T, dest, _ string) {
		t.Helper()
		s1, err := os.Stat(filepath.Join(dest, a))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := os.Stat(filepath.Join(dest, b))
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(s1, s2) {
			t.Fatalf("%s and %s are not the same file", a, b)
		}
	}
}

// sameSymlink: a hard link to a symlink is a link to the symlink itself
// (linkat does not follow), never to what it points to.
func sameSymlink(a, b string) func(*testing.T, string, string) {
	return func(t *testing.T, dest, _ string) {
		t.Helper()
		s1, err := os.Lstat(filepath.Join(dest, a))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := os.Lstat(filepath.Join(dest, b))
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(s1, s2) || s1.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("%s is not a hard link of the symlink %s", a, b)
		}
	}
}

func wantWhiteout(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode()&fs.ModeCharDevice == 0 || st.Rdev != 0 {
		t.Fatalf("%s: %v rdev %d, want an overlay whiteout", p, fi.Mode(), st.Rdev)
	}
}

func mustMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, p, s string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), mode); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinkLoopThroughMissingDirs(t *testing.T) {
	dest := t.TempDir()
	_, err := extract(t, dest, tarOf(0, 0, symlink("b/c", "a"), symlink("a/d", "b"), file("a/x", "x", 0o644)), WithRootless(true))
	if !errors.Is(err, syscall.ELOOP) {
		t.Fatalf("%v, want ELOOP", err)
	}
}
