// Command demo is `make demo`: on a machine with no internet, it makes a
// busybox image from busybox-static, serves it from a registry it starts
// on 127.0.0.1, pulls it into an empty state root and runs it, telling
// each step in one line as it goes. It stops and removes what it started;
// the busybox root filesystem stays in .cache/demo-rootfs, to run more in.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/minidocker/minidocker/oci/registry/registrytest"
	"github.com/minidocker/minidocker/testscript"
)

// script is what the container runs: what makes it a container.
const script = `echo "hostname: $(hostname)"; echo "PID of this shell: $$"; ps; echo "/ holds:"; ls /`

func main() {
	bin := flag.String("minidocker", "bin/minidocker", "the minidocker binary")
	rootfs := flag.String("rootfs", ".cache/demo-rootfs", "where the busybox root filesystem is made (and kept)")
	flag.Parse()
	if err := demo(*bin, *rootfs); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

func demo(bin, rootfs string) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("no %s: make build first", bin)
	}
	if _, err := exec.LookPath(registrytest.Program); err != nil {
		return fmt.Errorf("no %s: apt-get install docker-registry (make deps does, as root)", registrytest.Program)
	}
	tmp, err := os.MkdirTemp("", "minidocker-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	step("making a busybox root filesystem from busybox-static in %s", rootfs)
	os.RemoveAll(rootfs)
	if err := testscript.MkRootfs(rootfs); err != nil {
		return err
	}
	step("starting a registry on 127.0.0.1 (%s, its storage in %s)", registrytest.Program, tmp)
	regDir := filepath.Join(tmp, "registry")
	if err := os.Mkdir(regDir, 0o700); err != nil {
		return err
	}
	reg, err := registrytest.Run(regDir, registrytest.Options{})
	if err != nil {
		return err
	}
	defer func() {
		step("stopping the registry (pid %d) and removing %s", reg.PID(), tmp)
		reg.Stop()
	}()
	ref := reg.Addr + "/busybox:demo"
	builder, root := filepath.Join(tmp, "builder"), filepath.Join(tmp, "root")

	step("making image %s of it (minidocker import, a state root of the builder's)", ref)
	tarCmd := exec.Command("tar", "--numeric-owner", "-C", rootfs, "-cf", "-", ".")
	layer, err := tarCmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := tarCmd.Start(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	if err := md(bin, layer, io.Discard, "import", "--root", builder, "--change", `CMD ["sh"]`, "-", ref); err != nil {
		return err
	}
	if err := tarCmd.Wait(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	step("pushing it to the registry (minidocker push)")
	if err := md(bin, nil, io.Discard, "push", "--root", builder, ref); err != nil {
		return err
	}
	step("pulling it into an empty state root (minidocker pull)")
	if err := md(bin, nil, io.Discard, "pull", "--root", root, ref); err != nil {
		return err
	}
	// The run gives the root its default bridge, which stays, as docker0
	// does, until network prune: the demo's root goes, so its bridge too.
	defer func() {
		step("removing the demo root's default bridge (minidocker network prune)")
		if err := md(bin, nil, io.Discard, "network", "--root", root, "prune", "-f"); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	step("running it: minidocker run --rm %s sh -c '%s'", ref, script)
	return md(bin, nil, os.Stdout, "run", "--rm", "--root", root, ref, "sh", "-c", script)
}

// md runs minidocker; its stderr is shown only when it fails.
func md(bin string, stdin io.Reader, stdout io.Writer, args ...string) error {
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("minidocker %s: %v\n%s", args[0], err, stderr.String())
	}
	return nil
}
