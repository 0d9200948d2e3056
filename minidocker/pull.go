package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// remoteFlags are the flags of the commands that talk to a registry.
type remoteFlags struct {
	insecure []string
	platform string
}

func (r *remoteFlags) flags(fs *flagSet, platform bool) {
	fs.List(&r.insecure, "insecure-registry", "", "list", "Speak plain HTTP to this registry (host[:port]; localhost and 127.0.0.0/8 always are), as dockerd's --insecure-registry")
	if platform {
		fs.String(&r.platform, "platform", "", "string", "Set platform if server is multi-platform capable (os/arch[/variant], default the host's)")
	}
}

// client is a registry client with the user's credentials from
// ~/.docker/config.json, and --debug's exchanges on stderr.
func (r *remoteFlags) client(g globals, stderr io.Writer) (*registry.Client, error) {
	cfg, err := registry.LoadDockerConfig("")
	if err != nil {
		return nil, err
	}
	opts := []registry.Option{registry.WithKeychain(cfg), registry.WithInsecure(r.insecure...), registry.WithUserAgent("minidocker/" + Version)}
	if g.debug {
		opts = append(opts, registry.WithDebug(stderr))
	}
	return registry.New(opts...), nil
}

// interruptible is a context that a ^C or SIGTERM ends: a pull stopped
// that way cleans up as after any failure.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// remoteError adds what to do to a registry's refusal.
func remoteError(err error, ref reference.Reference) error {
	if errors.Is(err, registry.ErrUnauthorized) || errors.Is(err, registry.ErrDenied) {
		return fmt.Errorf("%w (log in first: minidocker login %s)", err, ref.Domain)
	}
	return err
}

// pullCommand is docker pull, with its output.
func pullCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var quiet bool
	var rf remoteFlags
	c := newCommand("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry").storageFlags()
	c.fs.Bool(&quiet, "quiet", "q", "Suppress verbose output")
	rf.flags(c.fs, true)
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 1, 1, stderr); !ok {
		return code
	}
	ref, err := reference.Parse(rest[0])
	if err != nil {
		return failed(stderr, err)
	}
	opts := []images.RemoteOption{}
	if rf.platform != "" {
		p, err := registry.ParsePlatform(rf.platform)
		if err != nil {
			return failed(stderr, err)
		}
		opts = append(opts, images.WithPlatform(p))
	}
	client, err := rf.client(g, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	out := io.Discard
	if !quiet {
		out = stdout
	}
	if ref.Tag == "" && ref.Digest == "" {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	ref = ref.WithDefaultTag()
	fmt.Fprintf(out, "%s: Pulling from %s\n", ref.Identifier(), ref.Path) // docker: "library/busybox"
	pr := newProgress(out)
	ctx, stop := interruptible()
	defer stop()
	res, err := s.Pull(ctx, ref, append(opts, images.WithClient(client), images.WithProgress(pr.update))...)
	pr.done()
	if err != nil {
		return failed(stderr, remoteError(err, ref))
	}
	fmt.Fprintf(out, "Digest: %s\n", res.Image.RepoDigest)
	if res.Updated {
		fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", ref.Familiar())
	} else {
		fmt.Fprintf(out, "Status: Image is up to date for %s\n", ref.Familiar())
	}
	fmt.Fprintln(stdout, ref.String())
	return 0
}

// pushCommand is docker push, with its output.
func pushCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var quiet bool
	var rf remoteFlags
	c := newCommand("push", "[OPTIONS] NAME[:TAG]", "Upload an image to a registry").storageFlags()
	c.fs.Bool(&quiet, "quiet", "q", "Suppress verbose output")
	rf.flags(c.fs, false)
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 1, 1, stderr); !ok {
		return code
	}
	ref, err := reference.Parse(rest[0])
	if err != nil {
		return failed(stderr, err)
	}
	if ref.Digest != "" {
		return failed(stderr, fmt.Errorf("push %s: cannot push a digest reference: tag the image and push the tag", ref.Familiar()))
	}
	client, err := rf.client(g, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	out := io.Discard
	if !quiet {
		out = stdout
	}
	if ref.Tag == "" {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	ref = ref.WithDefaultTag()
	fmt.Fprintf(out, "The push refers to repository [%s]\n", ref.Name())
	pr := newProgress(out)
	ctx, stop := interruptible()
	defer stop()
	res, err := s.Push(ctx, ref, images.WithClient(client), images.WithProgress(pr.update))
	pr.done()
	if err != nil {
		return failed(stderr, remoteError(err, ref))
	}
	fmt.Fprintf(out, "%s: digest: %s size: %d\n", ref.Tag, res.Manifest.Digest, res.Manifest.Size)
	if quiet {
		fmt.Fprintln(stdout, ref.String())
	}
	return 0
}
