package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/minidocker/minidocker/testscript"
)

// benchLayers times `run --rm /bin/true` on images of 1 to 128 layers,
// with the overlay driver (a mount of N lower dirs) and the copying one
// (vfs: the layers copied into a fresh directory each time).
func benchLayers(bin, outDir string, runs, warm int) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root: mounts the layers")
	}
	bin, err := minidockerBinary(bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "minidocker-bench-layers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The bottom layer is the busybox rootfs, each one above it adds a
	// directory with a file and changes /etc/motd.
	layers := []string{filepath.Join(tmp, "l000")}
	if err := testscript.MkRootfs(layers[0]); err != nil {
		return err
	}
	counts := []int{1, 8, 32, 128}
	for i := 1; i < counts[len(counts)-1]; i++ {
		l := filepath.Join(tmp, fmt.Sprintf("l%03d", i))
		for _, d := range []string{"etc", "layer" + strconv.Itoa(i)} {
			if err := os.MkdirAll(filepath.Join(l, d), 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(l, "layer"+strconv.Itoa(i), "file"), []byte("layer\n"), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(l, "etc", "motd"), []byte(fmt.Sprintf("layer %d\n", i)), 0o644); err != nil {
			return err
		}
		layers = append(layers, l)
	}
	var all []contender
	for _, driver := range []string{"overlay", "vfs"} {
		for _, n := range counts {
			argv := []string{bin, "run", "--rm", "--network", "none", "--root", filepath.Join(tmp, "md-"+driver), "--storage-driver", driver}
			for _, l := range layers[:n] {
				argv = append(argv, "--layer", l)
			}
			note := "a mount of the layers as lower dirs"
			if driver == "vfs" {
				note = "the layers copied into a fresh directory, then a bind mount"
			}
			name := fmt.Sprintf("%s, %d layers", driver, n)
			if n == 1 {
				name = driver + ", 1 layer"
			}
			all = append(all, contender{name: name, run: command(append(argv, "/bin/true")...), note: note})
		}
	}
	cs, err := pick(all, only)
	if err != nil {
		return err
	}
	info := machineInfo()
	s, err := measured(cs, runs, warm, info)
	if err != nil {
		return err
	}
	r := &report{
		name:  "layers",
		title: "Startup latency as the image grows: 1 to 128 layers",
		intro: fmt.Sprintf("`minidocker run --rm --storage-driver D --layer L1 ... --layer LN /bin/true`: a busybox rootfs at the bottom, "+
			"each layer above it adding a directory and changing /etc/motd; contenders interleaved, %d measured runs each after %d warm-up rounds.", runs, warm),
		unit: "ms", cs: cs, s: s, info: info,
	}
	return r.write(outDir)
}
