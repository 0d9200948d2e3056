package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/minidocker/minidocker/oci/registry/registrytest"
)

// benchPull times a cold pull and unpack of a 5-layer image from a local
// docker-registry, into a tmpfs: minidocker, containerd's ctr, docker,
// skopeo + umoci, and the floor of decompressing and untarring the same
// layers with no registry and no checks.
func benchPull(bin, cacheDir, outDir string, runs, warm int) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root: containerd and dockerd unpack as root")
	}
	for _, p := range []string{registrytest.Program, "skopeo"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("needs %s to serve and push the image (make deps installs it)", p)
		}
	}
	bin, err := minidockerBinary(bin)
	if err != nil {
		return err
	}
	cacheDir, err = filepath.Abs(cacheDir)
	if err != nil {
		return err
	}
	lf, err := generateLayer(cacheDir)
	if err != nil {
		return fmt.Errorf("generate layer: %w", err)
	}
	img, err := makePullImage(cacheDir, lf)
	if err != nil {
		return fmt.Errorf("make the image: %w", err)
	}
	tmp, err := os.MkdirTemp("", "minidocker-bench-pull-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer removeBenchCgroups()
	mnt, cleanup, err := scratchTmpfs()
	if err != nil {
		return err
	}
	defer cleanup()
	if err := os.MkdirAll(filepath.Join(tmp, "registry"), 0o700); err != nil {
		return err
	}
	reg, err := registrytest.Run(filepath.Join(tmp, "registry"), registrytest.Options{})
	if err != nil {
		return err
	}
	defer reg.Stop()
	ref := func(c string) string { return reg.Addr + "/toolchain:" + c }
	for _, c := range pullCompressions {
		out, err := exec.Command("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests",
			"oci:"+img.Layouts[c]+":bench", "docker://"+ref(c)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("push the %s image: %v: %s", c, err, out)
		}
	}

	var dst string
	fresh := func() (err error) { dst, err = os.MkdirTemp(mnt, "x"); return err }
	gone := func() error { return os.RemoveAll(dst) }
	var all []contender
	for _, c := range pullCompressions {
		all = append(all, contender{
			name: "minidocker pull (" + c + ")", before: fresh, after: gone,
			run: func() error {
				return command(bin, "pull", "--root", dst, ref(c))()
			},
			note: "every blob's digest and every layer's diff ID checked; layers into overlay snapshot directories",
		})
	}
	if _, err := exec.LookPath("containerd"); err == nil {
		ctr, err := startContainerd(filepath.Join(tmp, "containerd"), filepath.Join(mnt, "containerd"))
		if err != nil {
			return err
		}
		defer ctr.stop()
		for _, c := range pullCompressions {
			all = append(all, contender{
				name: "ctr image pull (" + c + ")", peer: true,
				run:   command("ctr", "-a", ctr.sock, "-n", "bench", "image", "pull", "--plain-http", ref(c)),
				after: command("ctr", "-a", ctr.sock, "-n", "bench", "image", "rm", "--sync", ref(c)),
				note:  "containerd " + ctr.version + ", unpacked into its overlayfs snapshotter",
			})
		}
	} else {
		fmt.Fprintln(os.Stderr, "skipping ctr image pull: no containerd (make bench installs docker.io, which brings it)")
	}
	if _, err := exec.LookPath("dockerd"); err == nil {
		d, err := startDockerd(filepath.Join(mnt, "docker"))
		if err != nil {
			return err
		}
		defer d.stop()
		all = append(all, contender{
			name: "docker pull (gzip)", peer: true,
			run:   command("docker", "-H", d.host, "pull", "--quiet", ref("gzip")),
			after: command("docker", "-H", d.host, "rmi", ref("gzip")),
			note:  "dockerd " + d.version + " (overlay2); it cannot unpack zstd layers",
		})
	}
	all = append(all,
		contender{
			name: "skopeo copy + umoci unpack (gzip)", peer: true, need: "umoci", before: fresh, after: gone,
			run: func() error {
				return command("sh", "-c", `skopeo copy --quiet --src-tls-verify=false "docker://$1" "oci:$2/layout:t" && umoci unpack --image "$2/layout:t" "$2/bundle" >/dev/null`,
					"sh", ref("gzip"), dst)()
			},
			note: "copy to an OCI layout, then unpack it; umoci 0.4.7 cannot read zstd layers",
		},
		contender{
			name: "floor: pigz -dc | tar -x (gzip)", peer: true, need: "pigz", before: fresh, after: gone,
			run:  func() error { return untarAll("pigz -dc", img.Layers["gzip"], dst) },
			note: "the same layers from local files: no registry, no digest checked",
		},
		contender{
			name: "floor: zstd -dc | tar -x (zstd)", peer: true, need: "zstd", before: fresh, after: gone,
			run:  func() error { return untarAll("zstd -dc", img.Layers["zstd"], dst) },
			note: "the same layers from local files: no registry, no digest checked",
		},
	)
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
		name:  "pull",
		title: "Pull and unpack: a 5-layer image from a local registry",
		intro: fmt.Sprintf("A busybox base and the generated toolchain layer (bench/layergen.go) cut in four "+
			"(bench/pullimage.go): %.1f MB gzip, %.1f MB zstd, 270 MB and 17,000 files unpacked; served by Debian's docker-registry "+
			"on 127.0.0.1, pulled cold (nothing of it in the puller's store) into a tmpfs; contenders interleaved, %d measured runs "+
			"each after %d warm-up rounds. For ctr and docker the CPU column is the client's only: the daemons doing the work are not "+
			"this process's children.", float64(img.Size["gzip"])/1e6, float64(img.Size["zstd"])/1e6, runs, warm),
		unit: "s", cs: cs, s: s, info: info,
		targets: []target{
			{"gzip: minidocker ≤ 0.5 × containerd", "ctr image pull (gzip)", "minidocker pull (gzip)", 2},
			{"zstd: minidocker ≤ 0.5 × containerd", "ctr image pull (zstd)", "minidocker pull (zstd)", 2},
		},
	}
	return r.write(outDir)
}

// untarAll unpacks each layer in turn with decompress | tar -x.
func untarAll(decompress string, layers []string, dst string) error {
	for _, l := range layers {
		if err := command("sh", "-c", decompress+` "$1" | tar -x -C "$2"`, "sh", l, dst)(); err != nil {
			return err
		}
	}
	return nil
}

// containerd is a containerd started for the benchmark: its state and
// socket in dir, its content and snapshots in root.
type containerd struct {
	cmd     *exec.Cmd
	sock    string
	version string
}

func startContainerd(dir, root string) (*containerd, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &containerd{sock: filepath.Join(dir, "containerd.sock")}
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n",
		root, filepath.Join(dir, "state"), c.sock)
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	c.cmd = exec.Command("containerd", "--config", cfg)
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := exec.Command("ctr", "-a", c.sock, "version").Output()
		if err == nil {
			for _, l := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Version:"); ok {
					c.version = strings.TrimSpace(v)
				}
			}
			return c, nil
		}
		if time.Now().After(deadline) {
			c.stop()
			b, _ := os.ReadFile(log.Name())
			return nil, fmt.Errorf("containerd did not answer on %s in 20 s: %s", c.sock, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *containerd) stop() {
	c.cmd.Process.Signal(unix.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}
