package vmtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// ErrNoKernel is a machine where no Debian kernel could be found or fetched.
var ErrNoKernel = errors.New("no Debian kernel for the VM")

// GuestModules are the modules the guest loads at boot, by name; Kernel
// keeps them, and what they depend on, when it fetches the kernel. Debian
// builds each as a module: without them the guest has no block device, no
// overlay, no veth and no bridge. Add one here and the next FindKernel
// completes the cache. (A module's soft dependencies, modinfo's
// "softdep=pre: crypto-crc32c", name aliases that are not resolved: list
// the module that provides one, as crc32c_generic is.)
var GuestModules = []string{
	"brd",            // ramdisks, /dev/ram0-3: block devices for io.max
	"loop",           // loop devices, for a disk image in a file
	"ext4",           // a disk file system (ext2 too) to put on them
	"crc32c_generic", // ext4's soft dependency, for metadata checksums
	"overlay",        // union mounts (chapter 05)
	"veth",           // virtual Ethernet pairs (chapter 09)
	"bridge",         // Ethernet bridges (chapter 09)
}

// ModuleParams are the guest's module parameters: four ramdisks of
// 32 MiB (their pages are allocated as they are written).
var ModuleParams = map[string]string{"brd": "rd_nr=4 rd_size=32768"}

// Kernel is a Debian kernel for the guest, as Kernel keeps it in its cache:
// the image in boot/, the modules in lib/modules/RELEASE/ with a
// modules.dep that lists them (depmod's format: busybox modprobe reads it).
type Kernel struct {
	Image   string   // boot/vmlinuz-RELEASE
	Release string   // uname -r: 6.1.0-57-amd64
	Dir     string   // lib/modules/RELEASE
	Modules []string // paths under Dir of GuestModules and their dependencies, dependencies first
}

// FindKernel returns the Debian kernel under cache, fetching it first if
// the cache has none or lacks one of GuestModules: `apt-get download` of
// the linux-image-6.1.0-N-amd64 that linux-image-amd64 depends on,
// unpacked with `dpkg -x` (neither needs root), of which the image and
// the modules the guest loads are kept. Debian's kernel has cgroup v2 with
// every controller, the 8250 serial console and devtmpfs built in.
func FindKernel(cache string) (*Kernel, error) {
	if k, err := cachedKernel(cache, GuestModules); err == nil {
		return k, nil
	}
	if err := fetchKernel(cache); err != nil {
		return nil, fmt.Errorf("%w: %v (make deps fetches it on Debian)", ErrNoKernel, err)
	}
	k, err := cachedKernel(cache, GuestModules)
	if err != nil {
		return nil, fmt.Errorf("%w: after fetching: %v", ErrNoKernel, err)
	}
	return k, nil
}

// cachedKernel reads the cache: an error if it has no kernel image, or
// not every module of names with what it depends on.
func cachedKernel(cache string, names []string) (*Kernel, error) {
	ks, _ := filepath.Glob(filepath.Join(cache, "boot", "vmlinuz-*"))
	if len(ks) != 1 {
		return nil, fmt.Errorf("want one boot/vmlinuz-* in %s, found %d", cache, len(ks))
	}
	k := &Kernel{Image: ks[0], Release: strings.TrimPrefix(filepath.Base(ks[0]), "vmlinuz-")}
	k.Dir = filepath.Join(cache, "lib", "modules", k.Release)
	data, err := os.ReadFile(filepath.Join(k.Dir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("no modules kept with the kernel: %w", err)
	}
	deps := parseModulesDep(string(data))
	if k.Modules, err = loadOrder(deps, names); err != nil {
		return nil, err
	}
	for _, m := range k.Modules {
		if _, err := os.Stat(filepath.Join(k.Dir, m)); err != nil {
			return nil, fmt.Errorf("module %s: %w", m, err)
		}
	}
	return k, nil
}

var depRE = regexp.MustCompile(`Depends: (linux-image-\S+-amd64)`)

// fetchKernel downloads and unpacks the kernel package in a directory of
// its own under cache, then replaces cache's boot/ and lib/ with the
// image and the modules the guest needs: image and modules are always of
// the same package.
func fetchKernel(cache string) error {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return errors.New("no apt-get on this machine")
	}
	out, err := exec.Command("apt-cache", "depends", "linux-image-amd64").Output()
	if err != nil {
		return fmt.Errorf("apt-cache depends linux-image-amd64: %w", err)
	}
	m := depRE.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("apt-cache depends linux-image-amd64: no linux-image dependency in %q", out)
	}
	pkg := string(m[1])
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cache, "fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // the unpacked package is 400 MB
	dl := exec.Command("apt-get", "download", pkg)
	dl.Dir = tmp
	if out, err := dl.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download %s: %w: %s", pkg, err, strings.TrimSpace(string(out)))
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, pkg+"_*.deb"))
	if len(debs) == 0 {
		return fmt.Errorf("apt-get download %s: no .deb in %s", pkg, tmp)
	}
	pkgRoot := filepath.Join(tmp, "pkg")
	if out, err := exec.Command("dpkg", "-x", debs[0], pkgRoot).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg -x %s: %w: %s", debs[0], err, out)
	}
	keep := filepath.Join(tmp, "keep")
	if err := keepKernel(pkgRoot, keep, GuestModules); err != nil {
		return fmt.Errorf("%s: %w", pkg, err)
	}
	for _, d := range []string{"boot", "lib"} {
		if err := os.RemoveAll(filepath.Join(cache, d)); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(keep, d), filepath.Join(cache, d)); err != nil {
			return err
		}
	}
	return nil
}

// keepKernel copies from an unpacked kernel package (pkg) into keep the
// image and the modules names with their dependencies, decompressed, and
// writes their modules.dep. The package has none: depmod makes it when
// the package is installed.
func keepKernel(pkg, keep string, names []string) error {
	ks, _ := filepath.Glob(filepath.Join(pkg, "boot", "vmlinuz-*"))
	if len(ks) != 1 {
		return fmt.Errorf("want one boot/vmlinuz-* in the package, found %d", len(ks))
	}
	release := strings.TrimPrefix(filepath.Base(ks[0]), "vmlinuz-")
	if err := os.MkdirAll(filepath.Join(keep, "boot"), 0o755); err != nil {
		return err
	}
	for _, f := range []string{"vmlinuz-", "config-", "System.map-"} {
		data, err := os.ReadFile(filepath.Join(pkg, "boot", f+release))
		if err != nil && f != "vmlinuz-" {
			continue // the image is all the guest needs
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(keep, "boot", f+release), data, 0o644); err != nil {
			return err
		}
	}
	src := filepath.Join(pkg, "lib", "modules", release)
	index, err := indexModules(src)
	if err != nil {
		return err
	}
	dst := filepath.Join(keep, "lib", "modules", release)
	// What each module depends on, read from its own .modinfo, as depmod does.
	direct := map[string][]string{} // path: the paths it depends on
	var walk func(name string) error
	walk = func(name string) error {
		file, ok := index[name]
		if !ok {
			return fmt.Errorf("no module %s in lib/modules/%s", name, release)
		}
		path := plainModulePath(file)
		if _, done := direct[path]; done {
			return nil
		}
		data, err := readModule(filepath.Join(src, file))
		if err != nil {
			return err
		}
		needs, err := modinfoDepends(data)
		if err != nil {
			return fmt.Errorf("module %s: %w", file, err)
		}
		direct[path] = []string{}
		for _, d := range needs {
			if err := walk(d); err != nil {
				return fmt.Errorf("%s needs %s: %w", name, d, err)
			}
			direct[path] = append(direct[path], plainModulePath(index[d]))
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, path)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, path), data, 0o644)
	}
	for _, name := range names {
		if err := walk(name); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dst, "modules.dep"), []byte(formatModulesDep(direct)), 0o644)
}

// modulesFile lists, in the guest, the modules of GuestModules its init
// loads, each with what it needs (modules.dep): "PATH PARAMS" a line,
// PATH under lib/modules/RELEASE.
const modulesFile = "/vmtest/modules"

// entries are the kernel's files in the initramfs: the modules, where
// modprobe looks for them, their modules.dep, and modulesFile.
func (k *Kernel) entries() []Entry {
	guestDir := "lib/modules/" + k.Release
	out := []Entry{{Name: guestDir + "/modules.dep", Mode: modeFile | 0o644, HostPath: filepath.Join(k.Dir, "modules.dep")}}
	var list strings.Builder
	for _, m := range k.Modules {
		out = append(out, Entry{Name: guestDir + "/" + m, Mode: modeFile | 0o644, HostPath: filepath.Join(k.Dir, m)})
		if name := moduleName(m); slices.Contains(GuestModules, name) {
			fmt.Fprintf(&list, "%s %s\n", m, ModuleParams[name])
		}
	}
	return append(out, Entry{Name: strings.TrimPrefix(modulesFile, "/"), Mode: modeFile | 0o644, Data: []byte(list.String())})
}
