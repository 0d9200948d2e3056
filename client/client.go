// Package client is a client of the Docker Engine API over a unix
// socket: what minidocker -H uses to be the command line of a daemon,
// minidocker's or dockerd. It negotiates the version as the docker CLI
// does (ping, then the lower of the daemon's and its own), and speaks
// JSON, streams and hijacked connections.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/minidocker/minidocker/api"
)

// Client talks to one daemon.
type Client struct {
	sock    string
	http    *http.Client
	version string // negotiated: the path prefix of every request
}

// New makes a client of the daemon at host (unix:///PATH) and
// negotiates the API version with it.
func New(ctx context.Context, host string) (*Client, error) {
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok || path == "" {
		return nil, fmt.Errorf("host %q: want unix:///PATH (minidocker speaks to daemons on unix sockets only)", host)
	}
	c := &Client{sock: path}
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	v, err := c.Ping(ctx)
	if err != nil {
		return nil, err
	}
	c.version = api.Version
	if api.CompareVersions(v, c.version) < 0 {
		c.version = v
	}
	return c, nil
}

// APIVersion is the version negotiated.
func (c *Client) APIVersion() string { return c.version }

// Ping asks the daemon which API version it speaks.
func (c *Client) Ping(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("cannot connect to the daemon at unix://%s: is it running? (%w)", c.sock, unwrapURL(err))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	v := resp.Header.Get("API-Version")
	if v == "" {
		v = "1.24" // a daemon too old to say
	}
	return v, nil
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) url(path string, q url.Values) string {
	u := "http://docker/v" + c.version + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// request sends one request; an answer of 400 or more is an *api.Error
// with the daemon's message.
func (c *Client) request(ctx context.Context, method, path string, q url.Values, body any, header http.Header) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, unwrapURL(err))
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e api.ErrorResponse
		if json.Unmarshal(b, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(b))
		}
		return nil, &api.Error{StatusCode: resp.StatusCode, Message: e.Message}
	}
	return resp, nil
}

// call sends a request and decodes its JSON answer into out (nil: the
// answer is dropped).
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	resp, err := c.request(ctx, method, path, q, body, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	return nil
}

// Hijacked is a connection the daemon has taken over for a container's
// streams: read its output from Reader, write its input to Conn.
type Hijacked struct {
	Conn   net.Conn
	Reader *bufio.Reader
	// Multiplexed says the output is framed (see api.Demux).
	Multiplexed bool
}

// CloseWrite ends the input: the container's stdin gets EOF.
func (h *Hijacked) CloseWrite() error {
	if cw, ok := h.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (h *Hijacked) Close() error { return h.Conn.Close() }

// hijack sends a request that upgrades the connection, as the docker
// CLI does (Upgrade: tcp), and returns the connection after the 101.
func (c *Client) hijack(ctx context.Context, path string, q url.Values, body any) (*Hijacked, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.sock)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	b := []byte{}
	if body != nil {
		if b, err = json.Marshal(body); err != nil {
			conn.Close()
			return nil, err
		}
	}
	u := "/v" + c.version + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", u, len(b))
	conn.Write(b)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols && resp.StatusCode != http.StatusOK {
		defer conn.Close()
		msg, _ := io.ReadAll(resp.Body)
		var e api.ErrorResponse
		if json.Unmarshal(msg, &e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(msg))
		}
		return nil, &api.Error{StatusCode: resp.StatusCode, Message: e.Message}
	}
	return &Hijacked{Conn: conn, Reader: r, Multiplexed: resp.Header.Get("Content-Type") == "application/vnd.docker.multiplexed-stream"}, nil
}
