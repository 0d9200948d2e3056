package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// saveCommand is docker save: images to a tarball docker load reads
// (--format docker, the default) or an OCI archive (--format oci).
func saveCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var output, format string
	c := newCommand("save", "[OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)").storageFlags()
	c.fs.String(&output, "output", "o", "string", "Write to a file, instead of STDOUT")
	c.fs.String(&format, "format", "", "string", "docker (a tarball docker load reads, with the OCI layout beside) or oci (an OCI archive)")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 1, -1, stderr); !ok {
		return code
	}
	docker := true
	switch format {
	case "", "docker":
	case "oci":
		docker = false
	default:
		return fail(stderr, fmt.Errorf("invalid --format %q: want docker or oci", format))
	}
	w := stdout
	if output == "" {
		if f, ok := stdout.(*os.File); ok && isTerminal(f) {
			return failed(stderr, errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect"))
		}
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	tmp, err := s.TempDir()
	if err != nil {
		return failed(stderr, err)
	}
	defer os.RemoveAll(tmp)
	var f *os.File
	if output != "" {
		// Written beside and renamed into place: no half an archive.
		if f, err = os.CreateTemp(tmp, "save-*.tar"); err != nil {
			return failed(stderr, err)
		}
		defer f.Close()
		w = f
	}
	if err := s.Save(context.Background(), w, rest, docker, tmp+"/layout"); err != nil {
		return failed(stderr, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return failed(stderr, err)
		}
		if err := moveFile(f.Name(), output); err != nil {
			return failed(stderr, err)
		}
	}
	return 0
}

// moveFile renames src to dst, copying where they are on two file systems.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(dirOf(dst), ".save-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(out.Name(), dst)
	}
	if err != nil {
		os.Remove(out.Name())
	}
	return err
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == 0 {
				return "/"
			}
			return p[:i]
		}
	}
	return "."
}

// loadCommand is docker load: a docker save tarball or an OCI archive,
// from a file or stdin.
func loadCommand(g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var input string
	var quiet bool
	c := newCommand("load", "[OPTIONS]", "Load an image from a tar archive or STDIN").storageFlags()
	c.fs.String(&input, "input", "i", "string", "Read from tar archive file, instead of STDIN")
	c.fs.Bool(&quiet, "quiet", "q", "Suppress the load output")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 0, 0, stderr); !ok {
		return code
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	tmp, err := s.TempDir()
	if err != nil {
		return failed(stderr, err)
	}
	defer os.RemoveAll(tmp)
	var f *os.File
	if input != "" {
		if f, err = os.Open(input); err != nil {
			return failed(stderr, fmt.Errorf("open %s: %w", input, unwrapPath(err)))
		}
	} else {
		// The archive is read out of order: a pipe is spooled first.
		if f, err = os.CreateTemp(tmp, "load-*.tar"); err == nil {
			_, err = io.Copy(f, stdin)
		}
		if err != nil {
			return failed(stderr, fmt.Errorf("read the archive from stdin: %w", err))
		}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return failed(stderr, err)
	}
	if fi.Size() == 0 {
		return failed(stderr, errors.New("requested load from stdin, but stdin is empty"))
	}
	names, err := s.Load(context.Background(), f, fi.Size(), tmp+"/layout")
	for _, n := range names {
		if !quiet {
			fmt.Fprintf(stdout, "Loaded image: %s\n", n)
		}
	}
	if err != nil {
		return failed(stderr, err)
	}
	return 0
}

// unwrapPath drops the path from an *os.PathError: the caller names it.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
