package registry

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// debugLog prints HTTP exchanges for --debug: a teaching aid, so it shows
// the headers that carry the protocol and never a secret. A nil *debugLog
// prints nothing.
type debugLog struct {
	mu sync.Mutex
	w  io.Writer
}

// The headers shown, in this order. Authorization is shown by scheme only.
var (
	requestHeaders  = []string{"Authorization", "Accept", "Content-Type", "Content-Length", "Content-Range", "Range"}
	responseHeaders = []string{"Content-Type", "Content-Length", "Docker-Content-Digest", "Location",
		"Www-Authenticate", "Retry-After", "Range", "Content-Range", "Docker-Upload-Uuid", "Link"}
)

func (d *debugLog) request(req *http.Request) {
	if d == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, redactURL(req.URL.String()))
	for _, k := range requestHeaders {
		v := req.Header.Values(k)
		if k == "Content-Length" && req.ContentLength > 0 {
			v = []string{fmt.Sprint(req.ContentLength)}
		}
		if len(v) == 0 {
			continue
		}
		val := strings.Join(v, ", ")
		if k == "Authorization" {
			scheme, _, _ := strings.Cut(val, " ")
			val = scheme + " [redacted]"
		}
		fmt.Fprintf(&b, ">   %s: %s\n", k, val)
	}
	d.write(b.String())
}

func (d *debugLog) response(resp *http.Response) {
	if d == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< %s\n", resp.Status)
	for _, k := range responseHeaders {
		for _, v := range resp.Header.Values(k) {
			if k == "Location" {
				v = redactURL(v)
			}
			fmt.Fprintf(&b, "<   %s: %s\n", k, v)
		}
	}
	d.write(b.String())
}

func (d *debugLog) note(format string, args ...any) {
	if d == nil {
		return
	}
	d.write("* " + fmt.Sprintf(format, args...) + "\n")
}

func (d *debugLog) write(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	io.WriteString(d.w, s)
}

// safeQuery are the query parameters the API defines and that hold no
// secret; any other value (a signed URL's signature, an upload's state,
// a refresh token) prints as [redacted].
var safeQuery = map[string]bool{"scope": true, "service": true, "digest": true, "mount": true,
	"from": true, "n": true, "last": true, "account": true}

// redactURL is u with user info and unknown query values hidden.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "[unparsable URL]"
	}
	if p.User != nil {
		p.User = url.User("[redacted]")
	}
	if p.RawQuery == "" {
		return p.String()
	}
	var parts []string
	for _, kv := range strings.Split(p.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err == nil && safeQuery[key] {
			if val, err := url.QueryUnescape(v); err == nil {
				v = val // shown as read: sha256:..., not sha256%3A...
			}
			parts = append(parts, key+"="+v)
		} else {
			parts = append(parts, k+"=[redacted]")
		}
	}
	p.RawQuery = ""
	return p.String() + "?" + strings.Join(parts, "&")
}
