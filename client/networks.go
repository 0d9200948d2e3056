package client

import (
	"context"
	"net/url"

	"github.com/minidocker/minidocker/api"
)

// NetworkList is GET /networks.
func (c *Client) NetworkList(ctx context.Context) ([]api.Network, error) {
	var list []api.Network
	return list, c.call(ctx, "GET", "/networks", nil, nil, &list)
}

// NetworkInspect is GET /networks/ID.
func (c *Client) NetworkInspect(ctx context.Context, ref string) (*api.Network, error) {
	var n api.Network
	return &n, c.call(ctx, "GET", "/networks/"+url.PathEscape(ref), nil, nil, &n)
}

// NetworkCreate is POST /networks/create; it returns the new network's
// ID.
func (c *Client) NetworkCreate(ctx context.Context, req *api.NetworkCreateRequest) (string, error) {
	var resp api.NetworkCreateResponse
	if err := c.call(ctx, "POST", "/networks/create", nil, req, &resp); err != nil {
		return "", err
	}
	return resp.ID, nil
}

// NetworkRemove is DELETE /networks/ID.
func (c *Client) NetworkRemove(ctx context.Context, ref string) error {
	return c.call(ctx, "DELETE", "/networks/"+url.PathEscape(ref), nil, nil, nil)
}

// NetworkConnect is POST /networks/ID/connect.
func (c *Client) NetworkConnect(ctx context.Context, ref string, req *api.NetworkConnectRequest) error {
	return c.call(ctx, "POST", "/networks/"+url.PathEscape(ref)+"/connect", nil, req, nil)
}

// NetworkDisconnect is POST /networks/ID/disconnect.
func (c *Client) NetworkDisconnect(ctx context.Context, ref, container string, force bool) error {
	return c.call(ctx, "POST", "/networks/"+url.PathEscape(ref)+"/disconnect", nil, &api.NetworkDisconnectRequest{Container: container, Force: force}, nil)
}

// NetworksPrune is POST /networks/prune; it returns the names of the
// networks removed.
func (c *Client) NetworksPrune(ctx context.Context) ([]string, error) {
	var r api.NetworksPruneReport
	return r.NetworksDeleted, c.call(ctx, "POST", "/networks/prune", nil, nil, &r)
}
