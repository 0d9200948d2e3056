package minidocker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// ExitFailed is docker's exit code for a command that failed (a pull of
// an image that is not there, a tag of a missing image); flag errors are
// ExitEngine's 125.
const ExitFailed = 1

// globals are the options before the command: minidocker --debug pull ...
type globals struct {
	debug bool
}

// command is a CLI command's parsed flags and the usage text for errors.
type command struct {
	name, usage, about string
	fs                 *flagSet
	storage            storageOptions
}

// newCommand makes the flag set of a command of the image store: every
// one takes --root and --storage-driver, as run does.
func newCommand(name, usage, about string) *command {
	c := &command{name: name, usage: usage, about: about, fs: &flagSet{cmd: name}}
	return c
}

func (c *command) storageFlags() *command {
	c.fs.String(&c.storage.root, "root", "", "DIR", "State directory (default /var/lib/minidocker)")
	c.fs.String(&c.storage.driver, "storage-driver", "", "string", "Storage driver: overlay or vfs (default: overlay where it works)")
	return c
}

// parse parses args; done is true when the command should return code
// (help printed, or a flag error).
func (c *command) parse(args []string, stdout, stderr io.Writer) (rest []string, code int, done bool) {
	rest, err := c.fs.Parse(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, "Usage:  minidocker %s %s\n\n%s\n\nOptions:\n%s", c.name, c.usage, c.about, c.fs.Usage())
		return nil, 0, true
	}
	if err != nil {
		return nil, fail(stderr, fmt.Errorf("%v (see 'minidocker %s --help')", err, c.name)), true
	}
	return rest, 0, false
}

// args checks the count of arguments, with docker's message.
func (c *command) args(rest []string, min, max int, stderr io.Writer) (int, bool) {
	if len(rest) >= min && (max < 0 || len(rest) <= max) {
		return 0, true
	}
	want := fmt.Sprintf("exactly %d argument", min)
	switch {
	case max < 0:
		want = fmt.Sprintf("at least %d argument", min)
	case min != max:
		want = fmt.Sprintf("at least %d and at most %d arguments", min, max)
	}
	if min > 1 && max == min {
		want += "s"
	}
	fmt.Fprintf(stderr, "minidocker: %q requires %s (usage: minidocker %s %s; see 'minidocker %s --help')\n", "minidocker "+c.name, want, c.name, c.usage, c.name)
	return ExitFailed, false
}

// failed prints err, the one line, and returns docker's 1.
func failed(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "minidocker: %v\n", err)
	return ExitFailed
}

// openImages opens the image store of the state root.
func openImages(o storageOptions, stderr io.Writer) (*images.Store, error) {
	root := o.root
	if root == "" {
		root = defaultRoot()
	}
	return images.Open(root, images.WithDriver(o.driver, func(format string, args ...any) {
		fmt.Fprintf(stderr, "minidocker: "+format+"\n", args...)
	}))
}

// imageRow is a line of docker images, with docker's field names for
// --format (in alphabetical order: {{json .}} prints them so).
type imageRow struct {
	Containers   string
	CreatedAt    string
	CreatedSince string
	Digest       string
	ID           string
	Repository   string
	SharedSize   string
	Size         string
	Tag          string
	UniqueSize   string
	VirtualSize  string
}

var imageHeaders = imageRow{Containers: "CONTAINERS", CreatedAt: "CREATED AT", CreatedSince: "CREATED", Digest: "DIGEST",
	ID: "IMAGE ID", Repository: "REPOSITORY", SharedSize: "SHARED SIZE", Size: "SIZE", Tag: "TAG",
	UniqueSize: "UNIQUE SIZE", VirtualSize: "SIZE"}

const (
	imagesTable        = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	imagesTableDigests = "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
)

func newImageRow(img *images.Image, noTrunc bool, now time.Time) imageRow {
	r := imageRow{Repository: img.Name.FamiliarName(), Tag: img.Name.Tag, ID: img.ID().String(),
		Digest: "<none>", Containers: "N/A", SharedSize: "N/A", UniqueSize: "N/A",
		CreatedSince: "N/A", CreatedAt: "N/A"}
	if r.Tag == "" {
		r.Tag = "<none>"
	}
	if !noTrunc {
		r.ID = img.ID().Encoded()[:12]
	}
	if img.RepoDigest != "" {
		r.Digest = img.RepoDigest.String()
	}
	if c := img.Config.Created; c != nil && !c.IsZero() {
		r.CreatedSince = engine.HumanDuration(now.Sub(*c)) + " ago"
		r.CreatedAt = c.Local().Format("2006-01-02 15:04:05 -0700 MST")
	}
	r.Size = humanSize(uint64(img.Size))
	r.VirtualSize = r.Size
	return r
}

const imagesAbout = "List images"

// imagesOptions are docker images' flags, here and through a daemon.
type imagesOptions struct {
	all, quiet, digests, noTrunc bool
	format                       string
}

func (o *imagesOptions) flags(fs *flagSet) {
	fs.Bool(&o.digests, "digests", "", "Show digests")
	fs.String(&o.format, "format", "", "string", "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
	fs.Bool(&o.noTrunc, "no-trunc", "", "Don't truncate output")
	fs.Bool(&o.quiet, "quiet", "q", "Only show image IDs")
}

// listFormat is how the list is printed: docker's table (with digests
// for --digests), IDs only for -q, or --format.
func (o *imagesOptions) listFormat() (*listFormat, error) {
	table, format := imagesTable, o.format
	if o.digests {
		table = imagesTableDigests
	}
	if o.quiet {
		format = "{{.ID}}"
	}
	return newListFormat(format, table)
}

// imagesCommand is docker images: a line per name, newest image first.
func imagesCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var o imagesOptions
	c := newCommand("images", "[OPTIONS] [REPOSITORY[:TAG]]", imagesAbout).storageFlags()
	c.fs.Bool(&o.all, "all", "a", "Show all images (there are no intermediate ones: the same list)")
	o.flags(c.fs)
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 0, 1, stderr); !ok {
		return code
	}
	lf, err := o.listFormat()
	if err != nil {
		return failed(stderr, err)
	}
	noTrunc := o.noTrunc
	var match *reference.Reference
	if len(rest) == 1 {
		ref, err := reference.Parse(rest[0])
		if err != nil {
			return failed(stderr, err)
		}
		match = &ref
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	list, err := s.List(context.Background())
	if err != nil {
		return failed(stderr, err)
	}
	now := time.Now()
	var rows []any
	for _, img := range list {
		if match != nil && (img.Name.Name() != match.Name() || match.Tag != "" && img.Name.Tag != match.Tag) {
			continue
		}
		rows = append(rows, newImageRow(img, noTrunc, now))
	}
	if err := lf.write(stdout, imageHeaders, rows); err != nil {
		return failed(stderr, err)
	}
	return 0
}

// tagCommand is docker tag SOURCE TARGET.
func tagCommand(g globals, args []string, stdout, stderr io.Writer) int {
	c := newCommand("tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE").storageFlags()
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 2, 2, stderr); !ok {
		return code
	}
	dst, err := reference.Parse(rest[1])
	if err != nil {
		return failed(stderr, err)
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	if err := s.Tag(context.Background(), rest[0], dst); err != nil {
		return failed(stderr, err)
	}
	return 0
}

// rmiCommand is docker rmi: each image untagged, and deleted with its
// last name. It goes on after a failure, and exits 1 if any failed.
func rmiCommand(g globals, args []string, stdout, stderr io.Writer) int {
	var force, noPrune bool
	c := newCommand("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images").storageFlags()
	c.fs.Bool(&force, "force", "f", "Force removal of the image")
	c.fs.Bool(&noPrune, "no-prune", "", "Accepted for docker compatibility (there are no untagged parents to keep)")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 1, -1, stderr); !ok {
		return code
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	code = 0
	for _, name := range rest {
		r, err := s.Remove(context.Background(), name, images.RemoveOptions{Force: force, InUse: inUse(c.storage, stderr)})
		if err != nil {
			code = failed(stderr, err)
			continue
		}
		for _, u := range r.Untagged {
			fmt.Fprintf(stdout, "Untagged: %s\n", u)
		}
		for _, d := range r.Deleted {
			fmt.Fprintf(stdout, "Deleted: %s\n", d)
		}
	}
	return code
}

// importCommand is docker import: an image of one layer from a tarball.
func importCommand(g globals, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var changes []string
	var message, platform string
	c := newCommand("import", "[OPTIONS] file|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image").storageFlags()
	c.fs.List(&changes, "change", "c", "list", "Apply Dockerfile instruction to the created image")
	c.fs.String(&message, "message", "m", "string", "Set commit message for imported image")
	c.fs.String(&platform, "platform", "", "string", "Set platform if server is multi-platform capable")
	rest, code, done := c.parse(args, stdout, stderr)
	if done {
		return code
	}
	if code, ok := c.args(rest, 2, 2, stderr); !ok {
		if len(rest) == 1 {
			fmt.Fprintln(stderr, "minidocker: (an image needs a name here: the store keeps no nameless images)")
		}
		return code
	}
	o := images.ImportOptions{Changes: changes, Message: message}
	if platform != "" {
		p, err := registry.ParsePlatform(platform)
		if err != nil {
			return failed(stderr, err)
		}
		o.Platform = p
	}
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		sec, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return failed(stderr, fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", e))
		}
		o.Created = time.Unix(sec, 0)
	}
	name, err := reference.Parse(rest[1])
	if err != nil {
		return failed(stderr, err)
	}
	in := stdin
	if rest[0] != "-" {
		if strings.Contains(rest[0], "://") {
			return failed(stderr, fmt.Errorf("import %s: URLs are not supported: give a file or - for stdin", rest[0]))
		}
		f, err := os.Open(rest[0])
		if err != nil {
			return failed(stderr, fmt.Errorf("import: %w", err))
		}
		defer f.Close()
		in = f
	}
	s, err := openImages(c.storage, stderr)
	if err != nil {
		return failed(stderr, err)
	}
	img, err := s.Import(context.Background(), in, name, o)
	if err != nil {
		return failed(stderr, err)
	}
	fmt.Fprintln(stdout, img.ID())
	return 0
}
