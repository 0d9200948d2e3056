package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/client"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// The command line as a client of a daemon: with -H unix:///PATH (or
// $MINIDOCKER_HOST, or $DOCKER_HOST), the commands below send their
// requests to the daemon there (minidocker's, or dockerd) instead of
// calling the engine in this process. Their flags and their output are
// the daemonless ones'.

// remoteHost is the daemon the command line talks to: -H, else
// $MINIDOCKER_HOST, else $DOCKER_HOST; "" for none (the engine in
// process).
func remoteHost(flag string) string {
	for _, h := range []string{flag, os.Getenv("MINIDOCKER_HOST"), os.Getenv("DOCKER_HOST")} {
		if h != "" {
			return h
		}
	}
	return ""
}

// remoteCommands are the commands that work through a daemon.
var remoteCommands = map[string]func(c *client.Client, args []string, stdin, stdout, stderr *os.File) int{
	"version": remoteVersion,
	"run":     remoteRun,
	"ps":      remotePs,
	"logs":    remoteLogs,
	"stop":    remoteStop,
	"kill":    remoteKill,
	"rm":      remoteRm,
	"wait":    remoteWait,
	"exec":    remoteExec,
	"images":  remoteImages,
	"pull":    remotePull,
	"rmi":     remoteRmi,
	"network": remoteNetwork,
	"port":    remotePort,
	"inspect": remoteInspect,
}

func runRemote(host string, args []string, stdin, stdout, stderr *os.File) int {
	fn, ok := remoteCommands[args[0]]
	if !ok {
		names := make([]string, 0, len(remoteCommands))
		for n := range remoteCommands {
			names = append(names, n)
		}
		return fail(stderr, fmt.Errorf("%s: not available through a daemon (host %s, from -H, MINIDOCKER_HOST or DOCKER_HOST): unset it to use the engine in this process, or use one of %s", args[0], host, strings.Join(sortStrings(names), ", ")))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	c, err := client.New(ctx, host)
	cancel()
	if err != nil {
		return fail(stderr, err)
	}
	return fn(c, args[1:], stdin, stdout, stderr)
}

func sortStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

// daemonError is an error from the daemon as docker prints it; exit 1.
func daemonError(stderr io.Writer, err error) int {
	var ae *api.Error
	if errors.As(err, &ae) {
		fmt.Fprintf(stderr, "minidocker: Error response from daemon: %s\n", ae.Message)
	} else {
		fmt.Fprintf(stderr, "minidocker: %v\n", err)
	}
	return 1
}

func remoteVersion(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	v, err := c.Version(context.Background())
	if err != nil {
		return daemonError(stderr, err)
	}
	fmt.Fprintf(stdout, "Client: minidocker version %s (API %s)\n", Version, c.APIVersion())
	name := v.Platform.Name
	if name == "" {
		name = "Docker Engine"
	}
	fmt.Fprintf(stdout, "Server: %s %s (API %s, minimum %s), %s/%s\n", name, v.Version, v.APIVersion, v.MinAPIVersion, v.Os, v.Arch)
	return 0
}

// createRequest is what a run's flags ask the daemon to create.
func createRequest(o *runOptions, co *engine.CreateOptions) (*api.CreateRequest, error) {
	if o.rootfs != "" || len(o.storage.layers) > 0 || o.storage.root != "" || o.storage.driver != "" {
		return nil, errors.New("--rootfs, --layer, --root and --storage-driver are the daemon's business: not available through a daemon")
	}
	req := &api.CreateRequest{ContainerConfig: api.ContainerConfig{
		Image: co.Image, Cmd: co.Args, Env: co.Env, WorkingDir: co.WorkingDir, User: co.User, Hostname: co.Hostname,
		Tty: co.Tty, OpenStdin: co.OpenStdin, StopSignal: co.StopSignal, StopTimeout: co.StopTimeout,
		AttachStdout: !o.detach, AttachStderr: !o.detach, AttachStdin: !o.detach && o.interactive,
		StdinOnce: !o.detach && o.interactive,
	}}
	if co.EntrypointSet {
		req.Entrypoint = co.Entrypoint
		if req.Entrypoint == nil {
			req.Entrypoint = []string{""}
		}
	}
	r := co.Resources
	hc := &api.HostConfig{AutoRemove: co.AutoRemove, CapAdd: co.CapAdd, CapDrop: co.CapDrop, ReadonlyRootfs: co.ReadOnly}
	hc.Resources = api.Resources{CgroupParent: co.CgroupParent, Memory: r.Memory, MemorySwap: r.MemorySwap,
		MemoryReservation: r.MemoryReservation, NanoCPUs: r.NanoCPUs, CPUPeriod: r.CPUPeriod, CPUQuota: r.CPUQuota,
		CPUShares: r.CPUShares, CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems}
	if r.PidsLimit != 0 {
		hc.PidsLimit = &r.PidsLimit
	}
	for _, d := range r.DeviceReadBps {
		hc.BlkioDeviceReadBps = append(hc.BlkioDeviceReadBps, api.ThrottleDevice{Path: d.Path, Rate: d.Rate})
	}
	for _, d := range r.DeviceWriteBps {
		hc.BlkioDeviceWriteBps = append(hc.BlkioDeviceWriteBps, api.ThrottleDevice{Path: d.Path, Rate: d.Rate})
	}
	if co.Init {
		hc.Init = &co.Init
	}
	for _, m := range co.Mounts {
		ro := ""
		if !m.RW {
			ro = ":ro"
		}
		switch {
		case m.Type == "tmpfs":
			if hc.Tmpfs == nil {
				hc.Tmpfs = map[string]string{}
			}
			opts := m.Options
			if !m.RW {
				opts = strings.TrimPrefix(opts+",ro", ",")
			}
			hc.Tmpfs[m.Destination] = opts
		case m.Type == "volume" && m.Anonymous:
			if req.Volumes == nil {
				req.Volumes = map[string]struct{}{}
			}
			req.Volumes[m.Destination] = struct{}{}
		case m.Type == "volume":
			hc.Binds = append(hc.Binds, m.Name+":"+m.Destination+ro)
		default:
			hc.Binds = append(hc.Binds, m.Source+":"+m.Destination+ro)
		}
	}
	req.HostConfig = hc
	createNetworking(req, co.Network)
	return req, nil
}

// remoteRun is docker run as the docker CLI does it: create (and, for an
// image not there, pull and create again), attach, wait, start; the
// output from the attach, the exit code from the wait.
func remoteRun(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	var o runOptions
	fs := o.flags("run")
	rest, err := fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, runUsage, fs.Usage())
		return 0
	}
	if err != nil {
		return fail(stderr, fmt.Errorf("%v (see 'minidocker run --help')", err))
	}
	if len(rest) == 0 && o.rootfs == "" {
		return fail(stderr, errors.New("\"minidocker run\" requires at least 1 argument: an image (see 'minidocker run --help')"))
	}
	co, err := o.createOptions(rest, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	req, err := createRequest(&o, co)
	if err != nil {
		return fail(stderr, err)
	}
	if o.tty {
		if size := consoleSize(stdout, stdin); size.Rows > 0 {
			req.HostConfig.ConsoleSize = [2]uint{uint(size.Rows), uint(size.Cols)}
		}
	}
	ctx := context.Background()
	id, err := c.ContainerCreate(ctx, o.name, req)
	var ae *api.Error
	if errors.As(err, &ae) && ae.StatusCode == 404 && strings.HasPrefix(ae.Message, "No such image") {
		fmt.Fprintf(stderr, "Unable to find image '%s' locally\n", co.Image)
		if err = pull(c, co.Image, stderr); err == nil {
			id, err = c.ContainerCreate(ctx, o.name, req)
		}
	}
	if err != nil {
		return remoteFailed(stderr, err)
	}
	if o.detach {
		if err := c.ContainerStart(ctx, id); err != nil {
			return remoteFailed(stderr, err)
		}
		fmt.Fprintln(stdout, id)
		return 0
	}
	h, err := c.ContainerAttach(ctx, id, o.interactive, true, true)
	if err != nil {
		return remoteFailed(stderr, err)
	}
	defer h.Close()
	cond := "next-exit"
	if o.rm {
		cond = "removed"
	}
	wait, err := c.ContainerWait(ctx, id, cond)
	if err != nil {
		return remoteFailed(stderr, err)
	}
	var restore func()
	if o.tty && o.interactive {
		restore = rawTerminal(stdin)
	}
	if err := c.ContainerStart(ctx, id); err != nil {
		if restore != nil {
			restore()
		}
		h.Close()
		if o.rm {
			<-wait // the daemon removes it
		}
		return remoteFailed(stderr, err)
	}
	stopResize := func() {}
	if o.tty {
		stopResize = followSize(stdout, stdin, func(rows, cols uint16) { c.ContainerResize(ctx, id, rows, cols) })
	}
	copyStreams(h, o.interactive, o.tty, stdin, stdout, stderr)
	stopResize()
	if restore != nil {
		restore()
	}
	w := <-wait
	if w.Error != nil {
		fmt.Fprintf(stderr, "minidocker: %s\n", w.Error.Message)
	}
	return w.StatusCode
}

// copyStreams copies a hijacked connection's output to ours until it
// ends, and our stdin to it (ending it with our EOF).
func copyStreams(h *client.Hijacked, interactive, tty bool, stdin, stdout, stderr *os.File) {
	if interactive {
		go func() {
			io.Copy(h.Conn, stdin)
			h.CloseWrite()
		}()
	} else {
		h.CloseWrite()
	}
	if tty {
		io.Copy(stdout, h.Reader)
		return
	}
	api.Demux(stdout, stderr, h.Reader)
}

// remoteFailed is a failure of docker run: 125, 126 or 127 as the docker
// CLI reads them from the daemon's words.
func remoteFailed(stderr io.Writer, err error) int {
	daemonError(stderr, err)
	msg := err.Error()
	switch {
	case strings.Contains(msg, "executable file not found") || strings.Contains(msg, "no such file or directory"):
		return 127
	case strings.Contains(msg, "permission denied") || strings.Contains(msg, "is a directory"):
		return 126
	}
	return ExitEngine
}

// pull asks the daemon to pull name, printing its progress as docker
// does off a terminal: a line per change of a layer's status.
func pull(c *client.Client, name string, out io.Writer) error {
	ref, err := reference.Parse(name)
	if err != nil {
		return err
	}
	ref = ref.WithDefaultTag()
	var auth *api.AuthConfig
	if cfg, err := registry.LoadDockerConfig(""); err == nil {
		if cr, err := cfg.Resolve(ref.Domain); err == nil && (cr.Username != "" || cr.IdentityToken != "") {
			auth = &api.AuthConfig{Username: cr.Username, Password: cr.Password, IdentityToken: cr.IdentityToken, ServerAddress: ref.Domain}
		}
	}
	tag := ref.Tag
	if ref.Digest != "" {
		tag = ref.Digest.String()
	}
	return c.ImagePull(context.Background(), ref.Repository().String(), tag, auth, func(m api.JSONMessage) {
		if m.ProgressDetail != nil && (m.ProgressDetail.Current > 0 || m.ProgressDetail.Total > 0) {
			return // a bar's step: for a terminal
		}
		if m.ID != "" {
			fmt.Fprintf(out, "%s: %s\n", m.ID, m.Status)
		} else if m.Status != "" {
			fmt.Fprintln(out, m.Status)
		}
	})
}

func remotePull(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	var quiet bool
	cmd := newCommand("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry, through the daemon")
	cmd.fs.Bool(&quiet, "quiet", "q", "Suppress verbose output")
	rest, code, done := cmd.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := cmd.args(rest, 1, 1, stderr); !ok {
		return code
	}
	ref, err := reference.Parse(rest[0])
	if err != nil {
		return failed(stderr, err)
	}
	out := io.Writer(stdout)
	if quiet {
		out = io.Discard
	}
	if ref.Tag == "" && ref.Digest == "" {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	if err := pull(c, rest[0], out); err != nil {
		return daemonError(stderr, err)
	}
	fmt.Fprintln(stdout, ref.WithDefaultTag().String())
	return 0
}

func remotePs(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("ps", "[OPTIONS]")
	var o psOptions
	o.flags(cmd.fs)
	if _, code, done := cmd.parse(args, 0, stdout, stderr); done {
		return code
	}
	list, err := c.ContainerList(context.Background(), o.all)
	if err != nil {
		return daemonError(stderr, err)
	}
	now := time.Now()
	var rows []psRow
	for _, s := range list {
		created := time.Unix(s.Created, 0)
		r := psRow{ID: s.ID, Image: s.Image, Status: s.Status, State: s.State,
			CreatedAt:  created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
			RunningFor: engine.HumanDuration(now.Sub(created)) + " ago"}
		var names, mounts []string
		for _, n := range s.Names {
			names = append(names, strings.TrimPrefix(n, "/"))
		}
		for _, m := range s.Mounts {
			if m.Name != "" {
				mounts = append(mounts, m.Name)
			}
		}
		r.Names, r.Mounts = strings.Join(names, ","), strings.Join(mounts, ",")
		r.Ports, r.Networks = remotePsNetwork(s)
		cmdline := s.Command
		if !o.noTrunc {
			r.ID = s.ID[:min(12, len(s.ID))]
			if len([]rune(cmdline)) > 20 {
				cmdline = string([]rune(cmdline)[:19]) + "…"
			}
		}
		r.Command = strconv.Quote(cmdline)
		rows = append(rows, r)
	}
	if err := o.write(stdout, rows); err != nil {
		return fail(stderr, err)
	}
	return 0
}

func remoteLogs(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("logs", "[OPTIONS] CONTAINER")
	var follow, timestamps bool
	tail := "all"
	cmd.fs.Bool(&follow, "follow", "f", "Follow log output")
	cmd.fs.String(&tail, "tail", "n", "string", "Number of lines to show from the end of the logs (default \"all\")")
	cmd.fs.Bool(&timestamps, "timestamps", "t", "Show timestamps")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	ctx := context.Background()
	// Framed or not: the container's terminal says.
	j, err := c.ContainerInspect(ctx, refs[0])
	if err != nil {
		return daemonError(stderr, err)
	}
	q := url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {tail}}
	if follow {
		q.Set("follow", "1")
	}
	if timestamps {
		q.Set("timestamps", "1")
	}
	body, err := c.ContainerLogs(ctx, j.ID, q)
	if err != nil {
		return daemonError(stderr, err)
	}
	defer body.Close()
	if j.Config.Tty {
		_, err = io.Copy(stdout, body)
	} else {
		_, err = api.Demux(stdout, stderr, body)
	}
	if err != nil {
		return daemonError(stderr, err)
	}
	return 0
}

// eachRemote runs fn for every container named, as docker does: the
// name printed after each success, the error after each failure, exit
// 1 if any failed.
func eachRemote(refs []string, stdout, stderr io.Writer, fn func(ref string) error) int {
	code := 0
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			daemonError(stderr, err)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, ref)
	}
	return code
}

func remoteStop(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("stop", "[OPTIONS] CONTAINER [CONTAINER...]")
	t := ""
	cmd.fs.String(&t, "time", "t", "int", "Seconds to wait before killing the container")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	var timeout *int
	if t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return fail(stderr, fmt.Errorf("invalid argument %q for \"-t, --time\" flag", t))
		}
		timeout = &n
	}
	return eachRemote(refs, stdout, stderr, func(ref string) error { return c.ContainerStop(context.Background(), ref, timeout) })
}

func remoteKill(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("kill", "[OPTIONS] CONTAINER [CONTAINER...]")
	sig := ""
	cmd.fs.String(&sig, "signal", "s", "string", "Signal to send to the container (default KILL)")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	return eachRemote(refs, stdout, stderr, func(ref string) error { return c.ContainerKill(context.Background(), ref, sig) })
}

func remoteRm(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("rm", "[OPTIONS] CONTAINER [CONTAINER...]")
	var force, volumes bool
	cmd.fs.Bool(&force, "force", "f", "Force the removal of a running container (uses SIGKILL)")
	cmd.fs.Bool(&volumes, "volumes", "v", "Remove anonymous volumes associated with the container")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	return eachRemote(refs, stdout, stderr, func(ref string) error {
		return c.ContainerRemove(context.Background(), ref, force, volumes)
	})
}

func remoteWait(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("wait", "CONTAINER [CONTAINER...]")
	refs, code, done := cmd.parse(args, 1, stdout, stderr)
	if done {
		return code
	}
	code = 0
	for _, ref := range refs {
		ch, err := c.ContainerWait(context.Background(), ref, "not-running")
		if err != nil {
			daemonError(stderr, err)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, (<-ch).StatusCode)
	}
	return code
}

func remoteExec(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	cmd := newCtrCommand("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]")
	var cfg api.ExecConfig
	var interactive bool
	cmd.fs.Bool(&interactive, "interactive", "i", "Keep STDIN open even if not attached")
	cmd.fs.Bool(&cfg.Tty, "tty", "t", "Allocate a pseudo-TTY")
	cmd.fs.List(&cfg.Env, "env", "e", "list", "Set environment variables")
	cmd.fs.String(&cfg.User, "user", "u", "string", "Username or UID (format: <name|uid>[:<group|gid>])")
	cmd.fs.String(&cfg.WorkingDir, "workdir", "w", "string", "Working directory inside the container")
	rest, code, done := cmd.parse(args, 2, stdout, stderr)
	if done {
		return code
	}
	cfg.Cmd, cfg.AttachStdin, cfg.AttachStdout, cfg.AttachStderr = rest[1:], interactive, true, true
	if cfg.Tty {
		if size := consoleSize(stdout, stdin); size.Rows > 0 {
			cfg.ConsoleSize = &[2]uint{uint(size.Rows), uint(size.Cols)}
		}
	}
	ctx := context.Background()
	id, err := c.ExecCreate(ctx, rest[0], &cfg)
	if err != nil {
		return daemonError(stderr, err)
	}
	h, err := c.ExecStart(ctx, id, cfg.Tty)
	if err != nil {
		return daemonError(stderr, err)
	}
	defer h.Close()
	if cfg.Tty && interactive {
		if restore := rawTerminal(stdin); restore != nil {
			defer restore()
		}
	}
	copyStreams(h, interactive, cfg.Tty, stdin, stdout, stderr)
	ei, err := c.ExecInspect(ctx, id)
	if err != nil {
		return daemonError(stderr, err)
	}
	if ei.ExitCode == nil {
		return ExitEngine
	}
	return *ei.ExitCode
}

func remoteImages(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	var o imagesOptions
	cmd := newCommand("images", "[OPTIONS]", imagesAbout+", of the daemon")
	o.flags(cmd.fs)
	rest, code, done := cmd.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := cmd.args(rest, 0, 0, stderr); !ok {
		return code
	}
	lf, err := o.listFormat()
	if err != nil {
		return failed(stderr, err)
	}
	noTrunc := o.noTrunc
	list, err := c.ImageList(context.Background())
	if err != nil {
		return daemonError(stderr, err)
	}
	now := time.Now()
	var rows []any
	for _, img := range list {
		for _, tag := range img.RepoTags {
			repo, t := tag, "<none>"
			if i := strings.LastIndex(tag, ":"); i > strings.LastIndex(tag, "/") {
				repo, t = tag[:i], tag[i+1:]
			}
			r := imageRow{Repository: repo, Tag: t, ID: img.ID, Digest: "<none>", Containers: "N/A", SharedSize: "N/A",
				UniqueSize: "N/A", Size: humanSize(uint64(img.Size))}
			r.VirtualSize = r.Size
			if !noTrunc {
				r.ID = strings.TrimPrefix(img.ID, "sha256:")[:12]
			}
			for _, d := range img.RepoDigests {
				if strings.HasPrefix(d, repo+"@") {
					r.Digest = strings.TrimPrefix(d, repo+"@")
				}
			}
			created := time.Unix(img.Created, 0)
			r.CreatedSince = engine.HumanDuration(now.Sub(created)) + " ago"
			r.CreatedAt = created.Local().Format("2006-01-02 15:04:05 -0700 MST")
			rows = append(rows, r)
		}
	}
	if err := lf.write(stdout, imageHeaders, rows); err != nil {
		return failed(stderr, err)
	}
	return 0
}

func remoteRmi(c *client.Client, args []string, stdin, stdout, stderr *os.File) int {
	var force bool
	cmd := newCommand("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images, of the daemon")
	cmd.fs.Bool(&force, "force", "f", "Force removal of the image")
	rest, code, done := cmd.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := cmd.args(rest, 1, -1, stderr); !ok {
		return code
	}
	code = 0
	for _, name := range rest {
		out, err := c.ImageRemove(context.Background(), name, force)
		if err != nil {
			daemonError(stderr, err)
			code = 1
			continue
		}
		for _, d := range out {
			if d.Untagged != "" {
				fmt.Fprintf(stdout, "Untagged: %s\n", d.Untagged)
			}
			if d.Deleted != "" {
				fmt.Fprintf(stdout, "Deleted: %s\n", d.Deleted)
			}
		}
	}
	return code
}
