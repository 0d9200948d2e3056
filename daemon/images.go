package daemon

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/oci/registry"
)

// EngineImages is the image store as the daemon's engine asks it for an
// image. Unlike the command line's, it never pulls: a create whose image
// is missing is a 404, and it is the client (docker run) that pulls and
// creates again, printing the pull's progress itself.
func EngineImages(s *images.Store) engine.ImageStore { return engineImages{s} }

type engineImages struct{ s *images.Store }

func (ei engineImages) Image(ctx context.Context, name string) (*engine.Image, error) {
	img, err := ei.s.Get(ctx, name)
	if err != nil {
		return nil, imageError(err)
	}
	if err := ei.s.Unpack(ctx, img); err != nil {
		return nil, err
	}
	c := img.Config.Config
	return &engine.Image{Ref: name, ID: img.ID().String(), Snapshot: img.TopLayer(),
		Config: engine.ImageConfig{User: c.User, Env: c.Env, Entrypoint: c.Entrypoint, Cmd: c.Cmd,
			WorkingDir: c.WorkingDir, Volumes: c.Volumes, StopSignal: c.StopSignal}}, nil
}

// imageError words the image store's errors as dockerd does.
func imageError(err error) error {
	switch {
	case errors.Is(err, images.ErrNotFound):
		return &statusError{http.StatusNotFound, "No such image: " + strings.TrimPrefix(err.Error(), images.ErrNotFound.Error()+": ")}
	case errors.Is(err, images.ErrConflict):
		return &statusError{http.StatusConflict, err.Error()}
	case errors.Is(err, images.ErrAmbiguous), errors.Is(err, reference.ErrInvalidFormat):
		return &statusError{http.StatusBadRequest, err.Error()}
	}
	return err
}

func (d *Daemon) imageStore() (*images.Store, error) {
	if d.images == nil {
		return nil, errNoImages
	}
	return d.images, nil
}

// registryClient is a client of the registries with the credentials the
// request carries: X-Registry-Auth, base64url JSON the docker CLI reads
// from its own config.json. The daemon has no credentials of its own.
func (d *Daemon) registryClient(r *http.Request) (*registry.Client, error) {
	creds := registry.Credentials{}
	if h := r.Header.Get("X-Registry-Auth"); h != "" {
		b, err := base64.URLEncoding.DecodeString(h)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(h)
		}
		var a api.AuthConfig
		if err == nil {
			err = json.Unmarshal(b, &a)
		}
		if err != nil {
			return nil, badRequest(fmt.Errorf("invalid X-Registry-Auth header: %w", err))
		}
		creds = registry.Credentials{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
		if a.Auth != "" && a.Username == "" {
			if up, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
				creds.Username, creds.Password, _ = strings.Cut(string(up), ":")
			}
		}
	}
	return registry.New(registry.WithKeychain(oneCredential{creds}), registry.WithInsecure(d.insecure...),
		registry.WithUserAgent("minidocker/"+d.version)), nil
}

type oneCredential struct{ c registry.Credentials }

func (o oneCredential) Resolve(string) (registry.Credentials, error) { return o.c, nil }

// progressStream writes a pull's or a push's events as docker's JSON
// messages, one per line, flushed: the docker CLI draws its bars from
// them. Events come from several goroutines at once.
//
// The status line goes with the first message, as dockerd's: until then
// a failure (no such manifest, no credentials) is still an HTTP error,
// which the docker CLI prints as "Error response from daemon".
type progressStream struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	enc     *json.Encoder
	err     error
	first   []api.JSONMessage // held until there is progress to show
	started bool
}

func newProgressStream(w http.ResponseWriter, first ...api.JSONMessage) *progressStream {
	return &progressStream{w: w, enc: json.NewEncoder(w), first: first}
}

func (p *progressStream) send(m api.JSONMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.started = true
		p.w.Header().Set("Content-Type", "application/json")
		p.w.WriteHeader(http.StatusOK)
		for _, f := range p.first {
			if p.err == nil {
				p.err = p.enc.Encode(f)
			}
		}
	}
	if p.err == nil {
		p.err = p.enc.Encode(m)
		flush(p.w)
	}
}

// fail ends the stream with err: as an error message if the stream has
// begun, else as the answer's error.
func (p *progressStream) fail(err error, ref reference.Reference) error {
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return registryError(err, ref)
	}
	p.send(api.JSONMessage{Error: err.Error(), ErrorDetail: &api.ErrorDetail{Message: err.Error()}})
	return nil
}

// registryError is a registry's refusal as dockerd words it: 404 for
// what is not there, and for what the credentials do not reach, which a
// registry does not tell apart from it. (A 401 would make the docker CLI
// ask for a password on its terminal and try again.)
func registryError(err error, ref reference.Reference) error {
	switch {
	case errors.Is(err, registry.ErrUnauthorized), errors.Is(err, registry.ErrDenied):
		return &statusError{http.StatusNotFound, fmt.Sprintf("pull access denied for %s, repository does not exist or may require 'docker login': %v", ref.Repository().Familiar(), err)}
	case errors.Is(err, registry.ErrNotFound):
		return &statusError{http.StatusNotFound, err.Error()}
	}
	return err
}

func (p *progressStream) status(format string, args ...any) {
	p.send(api.JSONMessage{Status: fmt.Sprintf(format, args...)})
}

// update is an images.ProgressFunc. A status that moves carries how far
// (the CLI draws a bar on a terminal, and prints nothing elsewhere); the
// others an empty progressDetail, printed as a line.
func (p *progressStream) update(e images.Progress) {
	m := api.JSONMessage{ID: e.ID, Status: e.Status, ProgressDetail: &api.ProgressDetail{}}
	if e.Current > 0 || e.Total > 0 {
		m.ProgressDetail = &api.ProgressDetail{Current: e.Current, Total: e.Total}
	}
	p.send(m)
}

// pullImage is POST /images/create?fromImage=NAME&tag=TAG: docker pull.
// The answer is a stream: 200 at once, then the pull's progress as it
// goes, then its end (or an error message).
func (d *Daemon) pullImage(w http.ResponseWriter, r *http.Request) error {
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, tag := q.Get("fromImage"), q.Get("tag")
	if from == "" {
		return badRequest(errors.New("import from a file (fromSrc) is not supported: give fromImage"))
	}
	name := from
	if tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			name += "@" + tag
		} else {
			name += ":" + tag
		}
	}
	ref, err := reference.Parse(name)
	if err != nil {
		return badRequest(err)
	}
	ref = ref.WithDefaultTag()
	var opts []images.RemoteOption
	if p := q.Get("platform"); p != "" {
		plat, err := registry.ParsePlatform(p)
		if err != nil {
			return badRequest(err)
		}
		opts = append(opts, images.WithPlatform(plat))
	}
	client, err := d.registryClient(r)
	if err != nil {
		return err
	}
	ps := newProgressStream(w, api.JSONMessage{Status: "Pulling from " + ref.Path, ID: ref.Identifier()})
	res, err := s.Pull(r.Context(), ref, append(opts, images.WithClient(client), images.WithProgress(ps.update))...)
	if err != nil {
		return ps.fail(err, ref)
	}
	ps.status("Digest: %s", res.Image.RepoDigest)
	if res.Updated {
		ps.status("Status: Downloaded newer image for %s", ref.Familiar())
	} else {
		ps.status("Status: Image is up to date for %s", ref.Familiar())
	}
	return nil
}

// listImages is GET /images/json: docker images, one entry per image
// with all its names.
func (d *Daemon) listImages(w http.ResponseWriter, r *http.Request) error {
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	if err := f.check("reference", "dangling", "label", "before", "since"); err != nil {
		return err
	}
	list, err := s.List(r.Context())
	if err != nil {
		return err
	}
	out := []api.ImageSummary{}
	index := map[string]int{}
	for _, img := range list {
		if !f.match("reference", func(p string) bool { return matchReference(p, img.Name) }) {
			continue
		}
		id := img.ID().String()
		i, ok := index[id]
		if !ok {
			i = len(out)
			index[id] = i
			sum := api.ImageSummary{ID: id, RepoTags: []string{}, RepoDigests: []string{}, Size: img.Size,
				VirtualSize: img.Size, SharedSize: -1, Containers: -1, Labels: img.Config.Config.Labels}
			if img.Config.Created != nil {
				sum.Created = img.Config.Created.Unix()
			}
			out = append(out, sum)
		}
		if img.Name.Tag != "" {
			out[i].RepoTags = append(out[i].RepoTags, img.Name.Familiar())
		}
		if img.RepoDigest != "" {
			out[i].RepoDigests = append(out[i].RepoDigests, img.Name.Repository().Familiar()+"@"+img.RepoDigest.String())
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// matchReference is docker images' reference filter: a pattern on the
// familiar name, with or without the tag.
func matchReference(pattern string, name reference.Reference) bool {
	for _, s := range []string{name.Familiar(), name.Repository().Familiar()} {
		if ok, _ := path.Match(pattern, s); ok {
			return true
		}
	}
	return false
}

// imageByName is GET /images/NAME/json: docker image inspect.
func (d *Daemon) imageByName(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("name"), "/json")
	if !ok {
		return &statusError{http.StatusNotFound, "page not found"}
	}
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	img, err := s.Get(r.Context(), name)
	if err != nil {
		return imageError(err)
	}
	all, err := s.List(r.Context())
	if err != nil {
		return err
	}
	c := img.Config
	j := api.ImageInspect{ID: img.ID().String(), RepoTags: []string{}, RepoDigests: []string{},
		Author: c.Author, Architecture: c.Architecture, Variant: c.Variant, Os: c.OS, Size: img.Size, VirtualSize: img.Size,
		GraphDriver: api.GraphDriver{Name: "overlay", Data: map[string]string{}}, RootFS: api.RootFS{Type: "layers"},
		Config: &api.ContainerConfig{User: c.Config.User, Env: c.Config.Env, Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint,
			WorkingDir: c.Config.WorkingDir, Volumes: c.Config.Volumes, Labels: c.Config.Labels, StopSignal: c.Config.StopSignal,
			ExposedPorts: c.Config.ExposedPorts}}
	if c.Created != nil {
		j.Created = dockerTime(*c.Created)
	}
	for _, l := range c.RootFS.DiffIDs {
		j.RootFS.Layers = append(j.RootFS.Layers, l.String())
	}
	for _, other := range all {
		if other.ID() != img.ID() {
			continue
		}
		if other.Name.Tag != "" {
			j.RepoTags = append(j.RepoTags, other.Name.Familiar())
		}
		if other.RepoDigest != "" {
			j.RepoDigests = append(j.RepoDigests, other.Name.Repository().Familiar()+"@"+other.RepoDigest.String())
		}
		if t := other.Added; j.Metadata.LastTagTime == "" || t.After(mustTime(j.Metadata.LastTagTime)) {
			j.Metadata.LastTagTime = dockerTime(t)
		}
	}
	return writeJSON(w, http.StatusOK, j)
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// imagePost is POST /images/NAME/tag?repo=&tag= (docker tag) and POST
// /images/NAME/push?tag= (docker push).
func (d *Daemon) imagePost(w http.ResponseWriter, r *http.Request) error {
	path := r.PathValue("name")
	if name, ok := strings.CutSuffix(path, "/tag"); ok {
		return d.tagImage(w, r, name)
	}
	if name, ok := strings.CutSuffix(path, "/push"); ok {
		return d.pushImage(w, r, name)
	}
	return &statusError{http.StatusNotFound, "page not found"}
}

func (d *Daemon) tagImage(w http.ResponseWriter, r *http.Request, name string) error {
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	target := q.Get("repo")
	if t := q.Get("tag"); t != "" {
		target += ":" + t
	}
	dst, err := reference.Parse(target)
	if err != nil {
		return badRequest(err)
	}
	if err := s.Tag(r.Context(), name, dst); err != nil {
		return imageError(err)
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (d *Daemon) pushImage(w http.ResponseWriter, r *http.Request, name string) error {
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	if t := r.URL.Query().Get("tag"); t != "" {
		name += ":" + t
	}
	ref, err := reference.Parse(name)
	if err != nil {
		return badRequest(err)
	}
	if ref.Digest != "" {
		return badRequest(fmt.Errorf("cannot push a digest reference: %s", ref.Familiar()))
	}
	ref = ref.WithDefaultTag()
	if _, err := s.Get(r.Context(), ref.String()); err != nil {
		return imageError(err)
	}
	client, err := d.registryClient(r)
	if err != nil {
		return err
	}
	ps := newProgressStream(w, api.JSONMessage{Status: fmt.Sprintf("The push refers to repository [%s]", ref.Name())})
	res, err := s.Push(r.Context(), ref, images.WithClient(client), images.WithProgress(ps.update))
	if err != nil {
		return ps.fail(err, ref)
	}
	ps.status("%s: digest: %s size: %d", ref.Tag, res.Manifest.Digest, res.Manifest.Size)
	ps.send(api.JSONMessage{Aux: map[string]any{"Tag": ref.Tag, "Digest": res.Manifest.Digest.String(), "Size": res.Manifest.Size}})
	return nil
}

// removeImage is DELETE /images/NAME?force=: docker rmi. An image a
// container uses is a conflict unless forced (then only untagged).
func (d *Daemon) removeImage(w http.ResponseWriter, r *http.Request) error {
	s, err := d.imageStore()
	if err != nil {
		return err
	}
	inUse := func(img *images.Image) string {
		ids, err := d.engine.ContainersUsing(img.ID().String())
		if err != nil || len(ids) == 0 {
			return ""
		}
		return ids[0][:12]
	}
	res, err := s.Remove(r.Context(), r.PathValue("name"), images.RemoveOptions{Force: boolValue(r, "force"), InUse: inUse})
	if err != nil {
		return imageError(err)
	}
	out := []api.ImageDelete{}
	for _, u := range res.Untagged {
		out = append(out, api.ImageDelete{Untagged: u})
	}
	for _, del := range res.Deleted {
		out = append(out, api.ImageDelete{Deleted: del.String()})
	}
	return writeJSON(w, http.StatusOK, out)
}

// auth is POST /auth: docker login asks the daemon to check credentials
// against the registry (which the daemon reaches and the client may
// not); the client keeps them, and sends them with each pull and push.
func (d *Daemon) auth(w http.ResponseWriter, r *http.Request) error {
	var a api.AuthConfig
	if err := readJSON(r, &a); err != nil {
		return err
	}
	host := a.ServerAddress
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host // https://index.docker.io/v1/ and the like
	}
	if host == "" || host == "index.docker.io" {
		host = "docker.io"
	}
	c := registry.New(registry.WithInsecure(d.insecure...), registry.WithUserAgent("minidocker/"+d.version))
	creds := registry.Credentials{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken}
	if err := c.Login(r.Context(), host, creds); err != nil {
		if errors.Is(err, registry.ErrUnauthorized) || errors.Is(err, registry.ErrDenied) {
			return &statusError{http.StatusUnauthorized, err.Error()}
		}
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"Status": "Login Succeeded"})
}
