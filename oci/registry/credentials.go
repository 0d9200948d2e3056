package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/minidocker/minidocker/oci/reference"
)

// DockerConfig is ~/.docker/config.json ($DOCKER_CONFIG/config.json), the
// docker CLI's file: its "auths" map a registry to base64("user:pass")
// (or an identity token). minidocker login writes it as docker login
// does, keeping every other key. Credential helpers (credsStore,
// credHelpers) are not run: their registries are anonymous here.
type DockerConfig struct {
	path  string
	raw   map[string]json.RawMessage
	auths map[string]authEntry
}

type authEntry struct {
	Auth          string `json:"auth,omitempty"`
	Username      string `json:"username,omitempty"` // old files spell it out
	Password      string `json:"password,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
	RegistryToken string `json:"registrytoken,omitempty"`
}

// DockerConfigPath is where the docker CLI keeps its config.
func DockerConfigPath() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".docker", "config.json")
}

// LoadDockerConfig reads the config at path ("": DockerConfigPath()); a
// missing file is an empty config.
func LoadDockerConfig(path string) (*DockerConfig, error) {
	if path == "" {
		path = DockerConfigPath()
	}
	c := &DockerConfig{path: path, raw: map[string]json.RawMessage{}, auths: map[string]authEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read docker config: %w", err)
	}
	if err := json.Unmarshal(b, &c.raw); err != nil {
		return nil, fmt.Errorf("read docker config %s: %w", path, err)
	}
	if a, ok := c.raw["auths"]; ok {
		if err := json.Unmarshal(a, &c.auths); err != nil {
			return nil, fmt.Errorf("read docker config %s: auths: %w", path, err)
		}
	}
	return c, nil
}

// Path is the file.
func (c *DockerConfig) Path() string { return c.path }

// ConfigKey is the key a registry's credentials have in config.json:
// Docker Hub's is its old index URL, any other registry's its host.
func ConfigKey(host string) string {
	if host == reference.DefaultDomain || host == reference.DefaultRegistry || host == "index.docker.io" {
		return reference.IndexServer
	}
	return host
}

// hostOf is docker's ConvertToHostname: a key may be a URL.
func hostOf(key string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	return h
}

// Resolve finds host's credentials (the Keychain interface).
func (c *DockerConfig) Resolve(host string) (Credentials, error) {
	key := ConfigKey(host)
	e, ok := c.auths[key]
	if !ok {
		for k, v := range c.auths {
			if hostOf(k) == hostOf(key) {
				e, ok = v, true
				break
			}
		}
	}
	if !ok {
		return Credentials{}, nil
	}
	cr := Credentials{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken, RegistryToken: e.RegistryToken}
	if e.Auth != "" {
		b, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return Credentials{}, fmt.Errorf("%s: auths[%q].auth is not base64: %w", c.path, key, err)
		}
		user, pass, ok := strings.Cut(string(b), ":")
		if !ok {
			return Credentials{}, fmt.Errorf("%s: auths[%q].auth is not user:password", c.path, key)
		}
		cr.Username, cr.Password = user, pass
	}
	if cr.IdentityToken != "" {
		cr.Password = ""
	}
	return cr, nil
}

// Set records host's credentials (in memory; Save writes them).
func (c *DockerConfig) Set(host string, cr Credentials) {
	e := authEntry{IdentityToken: cr.IdentityToken}
	if cr.Username != "" {
		e.Auth = base64.StdEncoding.EncodeToString([]byte(cr.Username + ":" + cr.Password))
	}
	if cr.IdentityToken != "" {
		e.Auth = base64.StdEncoding.EncodeToString([]byte(cr.Username + ":"))
	}
	c.auths[ConfigKey(host)] = e
}

// Erase forgets host's credentials; it reports whether there were any.
func (c *DockerConfig) Erase(host string) bool {
	found := false
	for k := range c.auths {
		if k == ConfigKey(host) || hostOf(k) == hostOf(ConfigKey(host)) {
			delete(c.auths, k)
			found = true
		}
	}
	return found
}

// Save writes the config, 0600, through a temporary file and a rename.
func (c *DockerConfig) Save() error {
	a, err := json.Marshal(c.auths)
	if err != nil {
		return err
	}
	c.raw["auths"] = a
	b, err := json.MarshalIndent(c.raw, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return fmt.Errorf("write docker config: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(c.path), ".config.json-*")
	if err != nil {
		return fmt.Errorf("write docker config: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write docker config %s: %w", c.path, err)
	}
	return nil
}

// Login checks credentials against the registry host, as docker login
// does: a ping, then, where the registry wants Basic auth, GET /v2/ with
// them, or, where it wants a token, a token for no scope. A registry
// that asks for no authentication accepts any.
func (c *Client) Login(ctx context.Context, host string, cr Credentials) error {
	check := &Client{http: c.http, keychain: Static(host, cr), insecure: c.insecure, debug: c.debug,
		retries: c.retries, backoff: c.backoff, sleep: c.sleep, chunkSize: c.chunkSize,
		userAgent: c.userAgent, hosts: map[string]*hostAuth{}}
	scheme := "https"
	if c.Insecure(host) {
		scheme = "http"
	}
	if err := check.ping(ctx, scheme, host); err != nil {
		return fmt.Errorf("login to %s: %w", host, err)
	}
	h := check.hostAuth(host)
	if h.ch.scheme == "" {
		return nil
	}
	q := &request{method: http.MethodGet, url: scheme + "://" + host + "/v2/", expect: []int{http.StatusOK}}
	resp, err := check.do(ctx, q, scheme+"://"+host, &scopedAuth{c: check, host: host})
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			return fmt.Errorf("login to %s: incorrect username or password: %w", host, err)
		}
		return fmt.Errorf("login to %s: %w", host, err)
	}
	discard(resp)
	return nil
}
