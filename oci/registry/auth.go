package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Credentials are what a Keychain holds for one registry.
type Credentials struct {
	Username, Password string
	// IdentityToken is an OAuth2 refresh token, traded at the token
	// endpoint for an access token (docker login with an identity provider).
	IdentityToken string
	// RegistryToken is a bearer token sent as it is.
	RegistryToken string
}

// Empty reports whether c holds nothing: an anonymous client.
func (c Credentials) Empty() bool { return c == Credentials{} }

// Keychain finds the credentials for a registry host ("127.0.0.1:5000",
// "registry-1.docker.io"); none is Credentials{} and no error.
type Keychain interface {
	Resolve(host string) (Credentials, error)
}

// Anonymous is the keychain without credentials.
var Anonymous Keychain = static{}

// Static is a keychain of one registry's credentials (minidocker login
// checks them with it before it stores them).
func Static(host string, c Credentials) Keychain { return static{host: host, c: c} }

type static struct {
	host string
	c    Credentials
}

func (s static) Resolve(host string) (Credentials, error) {
	if host == s.host {
		return s.c, nil
	}
	return Credentials{}, nil
}

// challenge is a WWW-Authenticate header: the scheme a registry wants and
// its parameters (realm, service, scope, error).
type challenge struct {
	scheme string // "basic" or "bearer"; "" when no auth is wanted
	params map[string]string
}

// hostAuth is what a client knows of one registry's authentication.
type hostAuth struct {
	pingMu sync.Mutex // one ping at a time
	pinged bool

	tokenMu sync.Mutex // one token request at a time
	// guarded by Client.mu
	ch     challenge
	extra  []string         // scopes a 401 asked for beyond ours
	tokens map[string]token // by scope set
}

type token struct {
	value   string
	expires time.Time
}

func (c *Client) hostAuth(host string) *hostAuth {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.hosts[host]
	if !ok {
		h = &hostAuth{tokens: map[string]token{}}
		c.hosts[host] = h
	}
	return h
}

// ping is GET /v2/, once per registry: a 200 says no authentication is
// needed, a 401 says which (and where to get a token).
func (c *Client) ping(ctx context.Context, scheme, host string) error {
	h := c.hostAuth(host)
	h.pingMu.Lock()
	defer h.pingMu.Unlock()
	if h.pinged {
		return nil
	}
	q := &request{method: http.MethodGet, url: scheme + "://" + host + "/v2/", expect: []int{http.StatusOK, http.StatusUnauthorized}}
	resp, err := c.do(ctx, q, "", nil)
	if err != nil {
		if e, ok := err.(*Error); ok && e.Status == http.StatusNotFound {
			return fmt.Errorf("ping %s: not a registry (no /v2/): %w", host, err)
		}
		return fmt.Errorf("ping %s: %w", host, err)
	}
	discard(resp)
	if resp.StatusCode == http.StatusUnauthorized {
		ch := parseChallenge(resp.Header.Values("WWW-Authenticate"))
		if ch.scheme == "" {
			return fmt.Errorf("ping %s: 401 without a challenge it understands (WWW-Authenticate %q): %w", host, resp.Header.Get("WWW-Authenticate"), ErrUnauthorized)
		}
		c.mu.Lock()
		h.ch = ch
		c.mu.Unlock()
	}
	h.pinged = true
	return nil
}

// scopedAuth authorizes a repository's requests for a set of scopes
// ("repository:library/busybox:pull").
type scopedAuth struct {
	c      *Client
	host   string
	scopes []string
	tried  bool
}

// authorization is the Authorization header for the registry's
// challenge: none, Basic with the credentials, or a Bearer token for the
// scopes (asked of the token endpoint, and kept until it expires).
func (a *scopedAuth) authorization(ctx context.Context) (string, error) {
	c, h := a.c, a.c.hostAuth(a.host)
	c.mu.Lock()
	ch := h.ch
	c.mu.Unlock()
	if ch.scheme == "" {
		return "", nil
	}
	creds, err := c.keychain.Resolve(a.host)
	if err != nil {
		return "", fmt.Errorf("credentials for %s: %w", a.host, err)
	}
	if ch.scheme == "basic" {
		if creds.Username == "" {
			return "", nil // anonymous: the 401 that follows says so
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.Username+":"+creds.Password)), nil
	}
	if creds.RegistryToken != "" {
		return "Bearer " + creds.RegistryToken, nil
	}
	h.tokenMu.Lock()
	defer h.tokenMu.Unlock()
	c.mu.Lock()
	scopes := mergeScopes(append(slices.Clone(a.scopes), h.extra...))
	key := strings.Join(scopes, " ")
	t, ok := h.tokens[key]
	c.mu.Unlock()
	if ok && time.Now().Before(t.expires) {
		return "Bearer " + t.value, nil
	}
	t, err = c.fetchToken(ctx, ch, scopes, creds)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	h.tokens[key] = t
	c.mu.Unlock()
	return "Bearer " + t.value, nil
}

// challenged takes a 401's challenge: the token is dropped, scopes it
// names are added, and the request tried once more.
func (a *scopedAuth) challenged(ch challenge) bool {
	if a.tried {
		return false
	}
	a.tried = true
	c, h := a.c, a.c.hostAuth(a.host)
	c.mu.Lock()
	defer c.mu.Unlock()
	h.ch = ch
	h.tokens = map[string]token{}
	if s := ch.params["scope"]; s != "" {
		h.extra = mergeScopes(append(h.extra, strings.Fields(s)...))
	}
	return true
}

// fetchToken asks the challenge's realm for a token (the distribution
// spec's token authentication): GET with service and scope, Basic
// credentials if we have them; or, with an identity token, the OAuth2
// refresh-token POST.
func (c *Client) fetchToken(ctx context.Context, ch challenge, scopes []string, creds Credentials) (token, error) {
	realm, err := url.Parse(ch.params["realm"])
	if err != nil || realm.Host == "" || realm.Scheme != "https" && realm.Scheme != "http" {
		return token{}, fmt.Errorf("token realm %q: not an http(s) URL: %w", ch.params["realm"], ErrProtocol)
	}
	form := url.Values{}
	if s := ch.params["service"]; s != "" {
		form.Set("service", s)
	}
	q := &request{header: http.Header{}, size: -1, expect: []int{http.StatusOK}}
	auth := ""
	if creds.IdentityToken != "" {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", creds.IdentityToken)
		form.Set("client_id", "minidocker")
		form.Set("scope", strings.Join(scopes, " "))
		body := form.Encode()
		q.method, q.url, q.size = http.MethodPost, realm.String(), int64(len(body))
		q.body = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
		q.header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		v := realm.Query()
		for k, vs := range form {
			v[k] = vs
		}
		for _, s := range scopes {
			v.Add("scope", s)
		}
		if creds.Username != "" {
			v.Set("account", creds.Username)
			auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(creds.Username+":"+creds.Password))
		}
		realm.RawQuery = v.Encode()
		q.method, q.url = http.MethodGet, realm.String()
	}
	resp, err := c.do(ctx, q, realm.Scheme+"://"+realm.Host, fixedAuth(auth))
	if err != nil {
		return token{}, fmt.Errorf("get a token: %w", err)
	}
	defer resp.Body.Close()
	var tr struct {
		Token       string    `json:"token"`
		AccessToken string    `json:"access_token"`
		ExpiresIn   int       `json:"expires_in"`
		IssuedAt    time.Time `json:"issued_at"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return token{}, fmt.Errorf("get a token: read the response: %w", err)
	}
	t := token{value: tr.Token}
	if t.value == "" {
		t.value = tr.AccessToken
	}
	if t.value == "" {
		return token{}, fmt.Errorf("get a token: the response holds none: %w", ErrProtocol)
	}
	// The spec's default lifetime is 60 s; keep a margin.
	life := time.Duration(max(tr.ExpiresIn, 60)) * time.Second
	t.expires = time.Now().Add(life - 10*time.Second)
	return t, nil
}

// fixedAuth authorizes with one header value and answers no challenge.
type fixedAuth string

func (f fixedAuth) authorization(context.Context) (string, error) { return string(f), nil }
func (fixedAuth) challenged(challenge) bool                       { return false }

// mergeScopes joins the actions of scopes on one resource
// ("repository:a:pull" + "repository:a:push" = "repository:a:pull,push")
// and sorts them: the key a token is kept under.
func mergeScopes(scopes []string) []string {
	actions := map[string][]string{}
	for _, s := range scopes {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			actions[s] = actions[s]
			continue
		}
		res := s[:i]
		for _, a := range strings.Split(s[i+1:], ",") {
			if a != "" && !slices.Contains(actions[res], a) {
				actions[res] = append(actions[res], a)
			}
		}
	}
	var out []string
	for res, as := range actions {
		slices.Sort(as)
		if len(as) == 0 {
			out = append(out, res)
		} else {
			out = append(out, res+":"+strings.Join(as, ","))
		}
	}
	slices.Sort(out)
	return out
}

// parseChallenge reads WWW-Authenticate headers (RFC 7235): a scheme and
// comma-separated key=value or key="quoted value" parameters. Bearer is
// preferred to Basic when a registry offers both.
func parseChallenge(headers []string) challenge {
	var found []challenge
	for _, h := range headers {
		found = append(found, parseChallenges(h)...)
	}
	for _, want := range []string{"bearer", "basic"} {
		for _, ch := range found {
			if ch.scheme == want {
				return ch
			}
		}
	}
	return challenge{}
}

func parseChallenges(h string) []challenge {
	var out []challenge
	s := strings.TrimSpace(h)
	for s != "" {
		i := strings.IndexAny(s, " \t")
		scheme := s
		if i >= 0 {
			scheme, s = s[:i], strings.TrimLeft(s[i:], " \t")
		} else {
			s = ""
		}
		ch := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
		for s != "" {
			s = strings.TrimLeft(s, " \t,")
			eq := strings.IndexByte(s, '=')
			sp := strings.IndexAny(s, " \t,")
			if eq < 0 || sp >= 0 && sp < eq {
				break // the next challenge's scheme
			}
			key := strings.ToLower(strings.TrimSpace(s[:eq]))
			s = s[eq+1:]
			var val string
			if strings.HasPrefix(s, `"`) {
				var b strings.Builder
				j := 1
				for ; j < len(s) && s[j] != '"'; j++ {
					if s[j] == '\\' && j+1 < len(s) {
						j++
					}
					b.WriteByte(s[j])
				}
				val, s = b.String(), s[min(j+1, len(s)):]
			} else {
				j := strings.IndexByte(s, ',')
				if j < 0 {
					j = len(s)
				}
				val, s = strings.TrimSpace(s[:j]), s[j:]
			}
			ch.params[key] = val
		}
		out = append(out, ch)
	}
	return out
}
