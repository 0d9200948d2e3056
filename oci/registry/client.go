package registry

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minidocker/minidocker/oci/reference"
)

// Client talks to registries. It is safe for concurrent use: a pull
// fetches several layers at once through one Client.
type Client struct {
	http      *http.Client
	keychain  Keychain
	insecure  map[string]bool
	debug     *debugLog
	retries   int
	backoff   func(attempt int) time.Duration
	sleep     func(ctx context.Context, d time.Duration) error
	chunkSize int64
	userAgent string

	mu    sync.Mutex
	hosts map[string]*hostAuth // by registry host: the challenge seen, the tokens granted
}

// Option configures New, in the functional-options style.
type Option func(*Client)

// WithTransport replaces http.DefaultTransport (tests inject faults here).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.http.Transport = rt }
}

// WithKeychain is where credentials come from (default: none, anonymous).
func WithKeychain(k Keychain) Option { return func(c *Client) { c.keychain = k } }

// WithInsecure names registries ("host" or "host:port") spoken to in plain
// HTTP, as docker's insecure-registries. localhost, 127.0.0.0/8 and ::1
// always are.
func WithInsecure(hosts ...string) Option {
	return func(c *Client) {
		for _, h := range hosts {
			c.insecure[h] = true
		}
	}
}

// WithDebug prints every HTTP exchange to w: method, URL, status and the
// headers that tell the protocol's story; never a credential or a token.
func WithDebug(w io.Writer) Option {
	return func(c *Client) {
		if w != nil {
			c.debug = &debugLog{w: w}
		}
	}
}

// WithRetries sets how many times a request is tried again after a 5xx,
// a 429 or a dropped connection (default 4), and the backoff before try
// n+1 (default 250ms doubling to at most 4s; a 429's Retry-After wins).
func WithRetries(n int, backoff func(attempt int) time.Duration) Option {
	return func(c *Client) {
		c.retries = n
		if backoff != nil {
			c.backoff = backoff
		}
	}
}

// WithSleep replaces the wait between tries: tests check what would be
// waited without waiting.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithChunkSize sets the size of an upload's PATCH requests; a blob no
// larger than it goes in one PUT (default 8 MiB).
func WithChunkSize(n int64) Option { return func(c *Client) { c.chunkSize = max(n, 1) } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// DefaultChunkSize is an upload's PATCH size unless WithChunkSize says.
const DefaultChunkSize = 8 << 20

// New makes a Client.
func New(opts ...Option) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = time.Minute
	c := &Client{
		http: &http.Client{
			Transport: tr,
			// Redirects are followed by send, which decides per hop whether
			// the Authorization header may go along.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		keychain:  Anonymous,
		insecure:  map[string]bool{},
		retries:   4,
		backoff:   defaultBackoff,
		sleep:     sleepCtx,
		chunkSize: DefaultChunkSize,
		userAgent: "minidocker",
		hosts:     map[string]*hostAuth{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func defaultBackoff(attempt int) time.Duration {
	return min(250*time.Millisecond<<attempt, 4*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Insecure reports whether host is spoken to in plain HTTP: a loopback
// name or address, or one the user marked.
func (c *Client) Insecure(host string) bool {
	if c.insecure[host] {
		return true
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if c.insecure[name] || name == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(name, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Repository is one repository of one registry.
type Repository struct {
	c      *Client
	ref    reference.Reference
	host   string // the registry's host[:port]
	scheme string // https, or http for an insecure registry
}

// Repository is where ref's repository is, to pull from or push to.
func (c *Client) Repository(ref reference.Reference) *Repository {
	host := ref.Registry()
	scheme := "https"
	if c.Insecure(host) {
		scheme = "http"
	}
	return &Repository{c: c, ref: ref.Repository(), host: host, scheme: scheme}
}

// Name is the repository's path in its registry ("library/busybox").
func (r *Repository) Name() string { return r.ref.Path }

// Host is the registry's host[:port].
func (r *Repository) Host() string { return r.host }

// Reference is the repository as a reference (no tag, no digest).
func (r *Repository) Reference() reference.Reference { return r.ref }

func (r *Repository) url(path string) string {
	return r.scheme + "://" + r.host + "/v2/" + path
}
