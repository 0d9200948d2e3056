package testscript

import (
	"archive/tar"
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/minidocker/minidocker/oci/layer"
	"github.com/minidocker/minidocker/unionfs/whiteout"
)

// layerProg is the transcripts' layer tool (chapter 06):
//
//	layer mk OUT.tar SPEC      write a layer tar from a spec, one entry a line:
//	                           dir NAME MODE | file NAME MODE TEXT... | symlink TARGET NAME |
//	                           hardlink TARGET NAME | fifo NAME MODE | char NAME MAJ MIN |
//	                           whiteout NAME | opaque DIR
//	layer extract [-overlay] [-rootless] [-digest D] [-diffid D] BLOB DIR
//	                           unpack with oci/layer, and say what it found
func layerProg(args []string) int {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: layer mk OUT SPEC | layer extract [flags] BLOB DIR")
		return 2
	}
	var err error
	switch args[0] {
	case "mk":
		if len(args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: layer mk OUT SPEC")
			return 2
		}
		err = mkLayer(args[1], args[2])
	case "extract":
		return extractLayer(args[1:])
	default:
		err = fmt.Errorf("unknown subcommand %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "layer:", err)
		return 1
	}
	return 0
}

var layerTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func mkLayer(out, spec string) error {
	in, err := os.Open(spec)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	sc := bufio.NewScanner(in)
	for n := 1; sc.Scan(); n++ {
		w := strings.Fields(sc.Text())
		if len(w) == 0 || strings.HasPrefix(w[0], "#") {
			continue
		}
		h, body, err := specEntry(w)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", spec, n, err)
		}
		h.ModTime, h.Format = layerTime, tar.FormatPAX
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return tw.Close()
}

func specEntry(w []string) (*tar.Header, string, error) {
	need := map[string]int{"dir": 3, "file": 3, "symlink": 3, "hardlink": 3, "fifo": 3, "char": 4, "whiteout": 2, "opaque": 2}
	if n, ok := need[w[0]]; !ok || len(w) < n {
		return nil, "", fmt.Errorf("bad entry %q", strings.Join(w, " "))
	}
	mode := func(s string) int64 { m, _ := strconv.ParseInt(s, 8, 64); return m }
	switch w[0] {
	case "dir":
		return &tar.Header{Typeflag: tar.TypeDir, Name: w[1], Mode: mode(w[2])}, "", nil
	case "file":
		body := ""
		if len(w) > 3 {
			body = strings.Join(w[3:], " ") + "\n"
		}
		return &tar.Header{Typeflag: tar.TypeReg, Name: w[1], Mode: mode(w[2])}, body, nil
	case "symlink":
		return &tar.Header{Typeflag: tar.TypeSymlink, Name: w[2], Linkname: w[1], Mode: 0o777}, "", nil
	case "hardlink":
		return &tar.Header{Typeflag: tar.TypeLink, Name: w[2], Linkname: w[1], Mode: 0o644}, "", nil
	case "fifo":
		return &tar.Header{Typeflag: tar.TypeFifo, Name: w[1], Mode: mode(w[2])}, "", nil
	case "char":
		maj, _ := strconv.ParseInt(w[2], 10, 64)
		min, _ := strconv.ParseInt(w[3], 10, 64)
		return &tar.Header{Typeflag: tar.TypeChar, Name: w[1], Mode: 0o666, Devmajor: maj, Devminor: min}, "", nil
	case "whiteout":
		dir, base := splitName(w[1])
		return &tar.Header{Typeflag: tar.TypeReg, Name: dir + whiteout.Name(base), Mode: 0o644}, "", nil
	default: // opaque
		return &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimSuffix(w[1], "/") + "/" + whiteout.Opaque, Mode: 0o644}, "", nil
	}
}

func splitName(name string) (string, string) {
	i := strings.LastIndexByte(name, '/')
	return name[:i+1], name[i+1:]
}

func extractLayer(args []string) int {
	fs := flag.NewFlagSet("layer extract", flag.ContinueOnError)
	overlay := fs.Bool("overlay", false, "write overlay whiteouts")
	rootless := fs.Bool("rootless", false, "extract as an unprivileged user would")
	dg := fs.String("digest", "", "the blob's digest to check")
	diffID := fs.String("diffid", "", "the uncompressed tar's digest to check")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: layer extract [-overlay] [-rootless] [-digest D] [-diffid D] BLOB DIR")
		return 2
	}
	opts := []layer.Option{layer.WithDigest(digest.Digest(*dg)), layer.WithDiffID(digest.Digest(*diffID))}
	if *overlay {
		// Unprivileged, the overlay is mounted with userxattr (in a user
		// namespace), and the opaque mark is the user.* xattr.
		x := whiteout.OpaqueXattr
		if os.Geteuid() != 0 {
			x = whiteout.UserOpaqueXattr
		}
		opts = append(opts, layer.WithWhiteouts(whiteout.FormOverlay, x))
	}
	if *rootless {
		opts = append(opts, layer.WithRootless(true))
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "layer:", err)
		return 1
	}
	defer f.Close()
	res, err := layer.Extract(context.Background(), f, fs.Arg(1), opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "layer:", err)
		return 1
	}
	fmt.Printf("%d entries, compression %s\ndigest  %s\ndiff ID %s\n", res.Entries, res.Compression, res.Digest, res.DiffID)
	if s := res.Skipped.String(); s != "" {
		fmt.Println(s)
	}
	return 0
}
