package vmtest

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// A kernel module is an ELF object, kernel/DIR/NAME.ko under
// lib/modules/RELEASE, compressed or not (Debian 12 ships them plain;
// kmod also knows .ko.xz, .ko.zst and .ko.gz). Its .modinfo section holds
// "key=value" strings; "depends=" names the modules it needs, which
// depmod turns into modules.dep when a kernel package is installed.

// moduleSuffixes are the names a module file may have, plain first.
var moduleSuffixes = []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"}

// moduleName is the name a module is known by from its file: the base
// without the suffix, with - as _ (the kernel's KBUILD_MODNAME).
func moduleName(file string) string {
	return strings.ReplaceAll(strings.TrimSuffix(filepath.Base(plainModulePath(file)), ".ko"), "-", "_")
}

// plainModulePath is file without its compression suffix: the guest gets
// every module decompressed.
func plainModulePath(file string) string {
	for _, s := range moduleSuffixes[1:] {
		if strings.HasSuffix(file, s) {
			return strings.TrimSuffix(file, s) + ".ko"
		}
	}
	return file
}

// indexModules maps each module's name to its file, relative to dir
// (lib/modules/RELEASE).
func indexModules(dir string) (map[string]string, error) {
	index := map[string]string{}
	err := filepath.WalkDir(filepath.Join(dir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && slices.ContainsFunc(moduleSuffixes, func(s string) bool { return strings.HasSuffix(p, s) }) {
			rel, _ := filepath.Rel(dir, p)
			index[moduleName(rel)] = filepath.ToSlash(rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	return index, nil
}

// readModule reads a module file, decompressed. Go's standard library has
// gzip, klauspost/compress has zstd; for xz, which neither has, the host's
// xz (xz-utils, on every Debian; make deps checks for it) does the job.
func readModule(file string) ([]byte, error) {
	switch {
	case strings.HasSuffix(file, ".ko"):
		return os.ReadFile(file)
	case strings.HasSuffix(file, ".ko.xz"):
		out, err := exec.Command("xz", "-dc", file).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
			}
			return nil, fmt.Errorf("decompress %s with xz (apt-get install xz-utils): %w", file, err)
		}
		return out, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader
	switch {
	case strings.HasSuffix(file, ".ko.zst"):
		d, err := zstd.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", file, err)
		}
		defer d.Close()
		r = d
	case strings.HasSuffix(file, ".ko.gz"):
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", file, err)
		}
		r = z
	default:
		return nil, fmt.Errorf("%s: not a kernel module (%s)", file, strings.Join(moduleSuffixes, ", "))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decompress %s: %w", file, err)
	}
	return data, nil
}

// modinfoDepends returns the "depends=" of a module's .modinfo section.
func modinfoDepends(module []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(module))
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	s := f.Section(".modinfo")
	if s == nil {
		return nil, errors.New("read module: no .modinfo section")
	}
	info, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("read module's .modinfo: %w", err)
	}
	return parseModinfoDepends(info), nil
}

// parseModinfoDepends reads the NUL-separated key=value strings of a
// .modinfo section for the comma-separated list of "depends=".
func parseModinfoDepends(info []byte) []string {
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			var out []string
			for _, d := range strings.Split(string(v), ",") {
				if d != "" {
					out = append(out, strings.ReplaceAll(d, "-", "_"))
				}
			}
			return out
		}
	}
	return nil
}

// formatModulesDep writes modules.dep as depmod does from each module's
// direct dependencies: one line a module, "PATH: DEP...", DEP being every
// module it needs, directly or not, in the reverse of the order they
// load in (modprobe loads the list from its end).
func formatModulesDep(direct map[string][]string) string {
	var b strings.Builder
	for _, p := range slices.Sorted(maps.Keys(direct)) {
		var order []string // load order, p's dependencies only
		var visit func(string)
		visit = func(m string) {
			for _, d := range direct[m] {
				if !slices.Contains(order, d) {
					visit(d)
					order = append(order, d)
				}
			}
		}
		visit(p)
		slices.Reverse(order)
		b.WriteString(p + ":")
		for _, d := range order {
			b.WriteString(" " + d)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseModulesDep reads modules.dep: each module's path and its
// dependencies' paths, as listed.
func parseModulesDep(data string) map[string][]string {
	deps := map[string][]string{}
	for _, line := range strings.Split(data, "\n") {
		p, list, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		deps[strings.TrimSpace(p)] = strings.Fields(list)
	}
	return deps
}

// loadOrder is the paths of the modules names, and of what they need, in
// an order they can be loaded in: each after its dependencies.
func loadOrder(deps map[string][]string, names []string) ([]string, error) {
	byName := map[string]string{}
	for p := range deps {
		byName[moduleName(p)] = p
	}
	var order []string
	add := func(p string) error {
		if _, ok := deps[p]; !ok {
			return fmt.Errorf("%s is not in modules.dep", p)
		}
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
		return nil
	}
	for _, n := range names {
		p, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("module %s is not in modules.dep", n)
		}
		list := deps[p]
		for i := len(list) - 1; i >= 0; i-- {
			if err := add(list[i]); err != nil {
				return nil, fmt.Errorf("module %s: %w", n, err)
			}
		}
		if err := add(p); err != nil {
			return nil, err
		}
	}
	return order, nil
}
