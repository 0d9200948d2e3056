package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/minidocker/minidocker/api"
)

// Version is GET /version.
func (c *Client) Version(ctx context.Context) (*api.VersionResponse, error) {
	var v api.VersionResponse
	return &v, c.call(ctx, "GET", "/version", nil, nil, &v)
}

// ContainerCreate is POST /containers/create.
func (c *Client) ContainerCreate(ctx context.Context, name string, req *api.CreateRequest) (string, error) {
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	var resp api.CreateResponse
	if err := c.call(ctx, "POST", "/containers/create", q, req, &resp); err != nil {
		return "", err
	}
	return resp.ID, nil
}

// ContainerStart is POST /containers/ID/start.
func (c *Client) ContainerStart(ctx context.Context, id string) error {
	return c.call(ctx, "POST", "/containers/"+id+"/start", nil, nil, nil)
}

// ContainerStop is POST /containers/ID/stop; a container that was not
// running is no error (304).
func (c *Client) ContainerStop(ctx context.Context, id string, timeout *int) error {
	q := url.Values{}
	if timeout != nil {
		q.Set("t", strconv.Itoa(*timeout))
	}
	return c.call(ctx, "POST", "/containers/"+id+"/stop", q, nil, nil)
}

// ContainerKill is POST /containers/ID/kill.
func (c *Client) ContainerKill(ctx context.Context, id, signal string) error {
	q := url.Values{}
	if signal != "" {
		q.Set("signal", signal)
	}
	return c.call(ctx, "POST", "/containers/"+id+"/kill", q, nil, nil)
}

// ContainerRemove is DELETE /containers/ID.
func (c *Client) ContainerRemove(ctx context.Context, id string, force, volumes bool) error {
	q := url.Values{}
	if force {
		q.Set("force", "1")
	}
	if volumes {
		q.Set("v", "1")
	}
	return c.call(ctx, "DELETE", "/containers/"+id, q, nil, nil)
}

// ContainerInspect is GET /containers/ID/json.
func (c *Client) ContainerInspect(ctx context.Context, id string) (*api.ContainerJSON, error) {
	var j api.ContainerJSON
	return &j, c.call(ctx, "GET", "/containers/"+id+"/json", nil, nil, &j)
}

// ContainerInspectRaw is GET /containers/ID/json as the daemon wrote it.
func (c *Client) ContainerInspectRaw(ctx context.Context, id string) (json.RawMessage, error) {
	var j json.RawMessage
	return j, c.call(ctx, "GET", "/containers/"+id+"/json", nil, nil, &j)
}

// ContainerList is GET /containers/json.
func (c *Client) ContainerList(ctx context.Context, all bool) ([]api.Container, error) {
	q := url.Values{}
	if all {
		q.Set("all", "1")
	}
	var list []api.Container
	return list, c.call(ctx, "GET", "/containers/json", q, nil, &list)
}

// Wait is POST /containers/ID/wait?condition=. The status line comes at
// once; the result, on the channel, when the condition is met: send it
// before the start, so that no exit goes unseen.
func (c *Client) ContainerWait(ctx context.Context, id, condition string) (<-chan api.WaitResponse, error) {
	q := url.Values{}
	if condition != "" {
		q.Set("condition", condition)
	}
	resp, err := c.request(ctx, "POST", "/containers/"+id+"/wait", q, nil, nil)
	if err != nil {
		return nil, err
	}
	ch := make(chan api.WaitResponse, 1)
	go func() {
		defer resp.Body.Close()
		var w api.WaitResponse
		if err := json.NewDecoder(resp.Body).Decode(&w); err != nil {
			w = api.WaitResponse{StatusCode: -1, Error: &api.WaitError{Message: err.Error()}}
		}
		ch <- w
	}()
	return ch, nil
}

// ContainerAttach is POST /containers/ID/attach on a hijacked
// connection.
func (c *Client) ContainerAttach(ctx context.Context, id string, stdin, stdout, stderr bool) (*Hijacked, error) {
	q := url.Values{"stream": {"1"}}
	for k, v := range map[string]bool{"stdin": stdin, "stdout": stdout, "stderr": stderr} {
		if v {
			q.Set(k, "1")
		}
	}
	return c.hijack(ctx, "/containers/"+id+"/attach", q, nil)
}

// ContainerResize is POST /containers/ID/resize.
func (c *Client) ContainerResize(ctx context.Context, id string, rows, cols uint16) error {
	q := url.Values{"h": {strconv.Itoa(int(rows))}, "w": {strconv.Itoa(int(cols))}}
	return c.call(ctx, "POST", "/containers/"+id+"/resize", q, nil, nil)
}

// ContainerLogs is GET /containers/ID/logs: the stream, framed unless
// the container has a terminal.
func (c *Client) ContainerLogs(ctx context.Context, id string, q url.Values) (io.ReadCloser, error) {
	resp, err := c.request(ctx, "GET", "/containers/"+id+"/logs", q, nil, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ExecCreate is POST /containers/ID/exec.
func (c *Client) ExecCreate(ctx context.Context, id string, cfg *api.ExecConfig) (string, error) {
	var resp api.CreateResponse
	if err := c.call(ctx, "POST", "/containers/"+id+"/exec", nil, cfg, &resp); err != nil {
		return "", err
	}
	return resp.ID, nil
}

// ExecStart is POST /exec/ID/start on a hijacked connection.
func (c *Client) ExecStart(ctx context.Context, id string, tty bool) (*Hijacked, error) {
	return c.hijack(ctx, "/exec/"+id+"/start", nil, api.ExecStartConfig{Tty: tty})
}

// ExecInspect is GET /exec/ID/json.
func (c *Client) ExecInspect(ctx context.Context, id string) (*api.ExecInspect, error) {
	var ei api.ExecInspect
	return &ei, c.call(ctx, "GET", "/exec/"+id+"/json", nil, nil, &ei)
}

// ImageList is GET /images/json.
func (c *Client) ImageList(ctx context.Context) ([]api.ImageSummary, error) {
	var list []api.ImageSummary
	return list, c.call(ctx, "GET", "/images/json", nil, nil, &list)
}

// ImagePull is POST /images/create: each message of the pull's stream
// goes to fn; an error message ends it with that error.
func (c *Client) ImagePull(ctx context.Context, image, tag string, auth *api.AuthConfig, fn func(api.JSONMessage)) error {
	q := url.Values{"fromImage": {image}}
	if tag != "" {
		q.Set("tag", tag)
	}
	h := http.Header{}
	if auth != nil {
		b, _ := json.Marshal(auth)
		h.Set("X-Registry-Auth", base64.URLEncoding.EncodeToString(b))
	}
	resp, err := c.request(ctx, "POST", "/images/create", q, nil, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var m api.JSONMessage
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read the pull's progress: %w", err)
		}
		if m.Error != "" {
			return &api.Error{StatusCode: 500, Message: m.Error}
		}
		fn(m)
	}
}

// ImageRemove is DELETE /images/NAME.
func (c *Client) ImageRemove(ctx context.Context, name string, force bool) ([]api.ImageDelete, error) {
	q := url.Values{}
	if force {
		q.Set("force", "1")
	}
	var out []api.ImageDelete
	return out, c.call(ctx, "DELETE", "/images/"+name, q, nil, &out)
}
