package vmtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrNoKernel is a machine where no Debian kernel could be found or fetched.
var ErrNoKernel = errors.New("no Debian kernel for the VM")

// Kernel returns a Debian kernel image under cache (cache/boot/vmlinuz-*),
// fetching it first if needed: `apt-get download` of the
// linux-image-6.1.0-N-amd64 that linux-image-amd64 depends on, unpacked
// with `dpkg -x`. Neither needs root. Debian's kernel has cgroup v2 with
// every controller, the 8250 serial console and devtmpfs built in.
func Kernel(cache string) (string, error) {
	if k := findKernel(cache); k != "" {
		return k, nil
	}
	if err := fetchKernel(cache); err != nil {
		return "", fmt.Errorf("%w: %v (make deps fetches it as root on Debian)", ErrNoKernel, err)
	}
	if k := findKernel(cache); k != "" {
		return k, nil
	}
	return "", fmt.Errorf("%w: no boot/vmlinuz-* in %s after unpacking", ErrNoKernel, cache)
}

func findKernel(cache string) string {
	ks, _ := filepath.Glob(filepath.Join(cache, "boot", "vmlinuz-*"))
	if len(ks) == 0 {
		return ""
	}
	return ks[len(ks)-1]
}

var depRE = regexp.MustCompile(`Depends: (linux-image-\S+-amd64)`)

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
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	dl := exec.Command("apt-get", "download", string(m[1]))
	dl.Dir = cache
	if out, err := dl.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get download %s: %w: %s", m[1], err, strings.TrimSpace(string(out)))
	}
	debs, _ := filepath.Glob(filepath.Join(cache, string(m[1])+"_*.deb"))
	if len(debs) == 0 {
		return fmt.Errorf("apt-get download %s: no .deb in %s", m[1], cache)
	}
	if out, err := exec.Command("dpkg", "-x", debs[0], cache).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg -x %s: %w: %s", debs[0], err, out)
	}
	// Only the kernel image is used; the modules are 400 MB.
	os.Remove(debs[0])
	os.RemoveAll(filepath.Join(cache, "lib"))
	os.RemoveAll(filepath.Join(cache, "usr"))
	return nil
}
