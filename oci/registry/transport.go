package registry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// request is one API call: replayable, so that it can be tried again.
type request struct {
	method string
	url    string
	header http.Header
	body   func() (io.ReadCloser, error) // nil: none; called once per try
	size   int64                         // the body's length, -1 unknown
	scopes []string                      // token scopes it needs
	expect []int                         // statuses that are success
}

// maxRedirects bounds a chain of redirects, as net/http does.
const maxRedirects = 10

// authorizer gives a request its Authorization header, and says whether
// a 401's challenge is worth one more try (a new token for new scopes).
type authorizer interface {
	authorization(ctx context.Context) (string, error)
	challenged(ch challenge) bool
}

// do sends q to the repository's registry, pinging it first, with the
// credentials q's scopes need.
func (r *Repository) do(ctx context.Context, q *request) (*http.Response, error) {
	if err := r.c.ping(ctx, r.scheme, r.host); err != nil {
		return nil, err
	}
	return r.c.do(ctx, q, r.scheme+"://"+r.host, &scopedAuth{c: r.c, host: r.host, scopes: q.scopes})
}

// do sends q, with auth's header to origin (nil: none), follows
// redirects, answers a 401 challenge when auth wants to, and tries again
// after a 5xx, a 429 or a dropped connection. A status outside q.expect
// is returned as an *Error.
func (c *Client) do(ctx context.Context, q *request, origin string, auth authorizer) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		header := ""
		if auth != nil {
			var err error
			if header, err = auth.authorization(ctx); err != nil {
				return nil, err
			}
		}
		resp, err := c.send(ctx, q, header, origin)
		if err != nil {
			if attempt < c.retries && retryable(ctx, err) {
				if err := c.wait(ctx, c.backoff(attempt), "after "+shortErr(err)); err != nil {
					return nil, err
				}
				continue
			}
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // its message repeats the method and URL
			}
			return nil, fmt.Errorf("%s %s: %w", q.method, redactURL(q.url), err)
		}
		switch s := resp.StatusCode; {
		case s == http.StatusUnauthorized && auth != nil && !slices.Contains(q.expect, s):
			// The token did not cover this (a new scope), or expired: the
			// challenge says what to ask for.
			ch := parseChallenge(resp.Header.Values("WWW-Authenticate"))
			if ch.scheme == "" || !auth.challenged(ch) {
				return nil, responseError(q, resp)
			}
			discard(resp)
			attempt--
			continue
		case (s == http.StatusTooManyRequests || s >= 500 && s != http.StatusNotImplemented) && attempt < c.retries:
			d := c.backoff(attempt)
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				d = ra
			}
			discard(resp)
			if d > maxRetryAfter {
				return nil, fmt.Errorf("%s %s: %d %s: the registry asks to wait %s, more than %s", q.method, redactURL(q.url), s, strings.ToLower(http.StatusText(s)), d, maxRetryAfter)
			}
			if err := c.wait(ctx, d, fmt.Sprintf("after %d %s", s, http.StatusText(s))); err != nil {
				return nil, err
			}
			continue
		}
		if slices.Contains(q.expect, resp.StatusCode) {
			return resp, nil
		}
		return nil, responseError(q, resp)
	}
}

// maxRetryAfter is the longest Retry-After obeyed; a registry asking for
// more fails the request.
const maxRetryAfter = time.Minute

func (c *Client) wait(ctx context.Context, d time.Duration, why string) error {
	c.debug.note("retrying in %s (%s)", d, why)
	return c.sleep(ctx, d)
}

// send makes one try of q: the request and the redirects it leads to.
// auth goes only to origin: a redirect to another host (a CDN, a bucket)
// gets no Authorization header, as its URL carries its own signature.
func (c *Client) send(ctx context.Context, q *request, auth, origin string) (*http.Response, error) {
	u, err := url.Parse(q.url)
	if err != nil {
		return nil, err
	}
	method, body, size := q.method, q.body, q.size
	for hop := 0; ; hop++ {
		var rd io.ReadCloser
		if body != nil {
			if rd, err = body(); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			if rd != nil {
				rd.Close()
			}
			return nil, err
		}
		if rd != nil && size >= 0 {
			req.ContentLength = size
		}
		for k, v := range q.header {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", c.userAgent)
		if auth != "" && u.Scheme+"://"+u.Host == origin {
			req.Header.Set("Authorization", auth)
		}
		c.debug.request(req)
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		c.debug.response(resp)
		if !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
			return resp, nil
		}
		discard(resp)
		if hop == maxRedirects {
			return nil, fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		next, err := u.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, fmt.Errorf("redirect: %w", err)
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, fmt.Errorf("redirect to %s: %w", redactURL(next.String()), ErrProtocol)
		}
		if u.Scheme == "https" && next.Scheme == "http" {
			return nil, fmt.Errorf("redirect from https to %s: refused", redactURL(next.String()))
		}
		if s := resp.StatusCode; s == http.StatusSeeOther || (s == http.StatusFound || s == http.StatusMovedPermanently) && method != http.MethodHead {
			if method != http.MethodHead {
				method = http.MethodGet
			}
			body, size = nil, 0
		}
		u = next
	}
}

func isRedirect(s int) bool {
	switch s {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// retryable says whether err is worth another try: a connection that
// dropped or timed out. A refused connection, a TLS failure, a cancelled
// context are not.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var cert x509.UnknownAuthorityError
	var host x509.HostnameError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &cert), errors.As(err, &host), errors.As(err, &record),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed")
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func shortErr(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "connection closed"
	}
	return err.Error()
}

// discard drains a little of a response and closes it, so the
// connection can be used again.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

// responseError reads a registry's error body into an *Error.
func responseError(q *request, resp *http.Response) error {
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode, Method: q.method, URL: redactURL(q.url)}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
		Details string `json:"details"` // token servers say it so
	}
	if json.Unmarshal(b, &body) == nil {
		if len(body.Errors) > 0 {
			e.Code, e.Message = body.Errors[0].Code, body.Errors[0].Message
		} else if body.Details != "" {
			e.Message = body.Details
		}
	} else if resp.StatusCode != http.StatusNotFound && len(b) > 0 && len(b) < 200 && !bytes.ContainsAny(b, "<\n") {
		e.Message = string(b)
	}
	return e
}
