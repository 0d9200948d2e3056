package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/network"
)

// testDaemon serves a daemon on an engine in a temporary root, with
// its image store (empty), over a real HTTP server.
func testDaemon(t *testing.T) (*httptest.Server, *engine.Engine) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	s, err := images.Open(root, images.WithDriver("vfs", nil))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.Open(root, engine.WithImages(EngineImages(s)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { network.CleanHost(root) }) // a default bridge a test's container made
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := New(ctx, e, WithImages(s), WithVersion("test"))
	srv := httptest.NewServer(d.Handler())
	t.Cleanup(srv.Close)
	return srv, e
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The ping a client starts with: OK, and the headers that say which API
// to speak; HEAD the same without a body.
func TestPing(t *testing.T) {
	srv, _ := testDaemon(t)
	for _, m := range []string{"GET", "HEAD"} {
		resp, body := do(t, srv, m, "/_ping", "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s /_ping: %d", m, resp.StatusCode)
		}
		want := map[string]string{"Api-Version": api.Version, "Docker-Experimental": "false", "Ostype": "linux",
			"Cache-Control": "no-cache, no-store, must-revalidate"}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s /_ping: %s = %q, want %q", m, k, got, v)
			}
		}
		if wantBody := map[string]string{"GET": "OK", "HEAD": ""}[m]; body != wantBody {
			t.Errorf("%s /_ping: body %q, want %q", m, body, wantBody)
		}
	}
}

// A version in the path is spoken if it is in range, refused as dockerd
// refuses it otherwise; no version is the daemon's own.
func TestVersionNegotiation(t *testing.T) {
	srv, _ := testDaemon(t)
	for _, c := range []struct {
		path   string
		status int
		msg    string
	}{
		{"/version", 200, ""},
		{"/v1.41/version", 200, ""},
		{"/v1.24/version", 200, ""},
		{"/v1.30/_ping", 200, ""},
		{"/v1.12/version", 400, "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"},
		{"/v1.50/version", 400, "client version 1.50 is too new. Maximum supported API version is 1.43"},
		{"/v1.4.1/version", 400, "invalid API version: API version \"1.4.1\": want MAJOR.MINOR"},
	} {
		resp, body := do(t, srv, "GET", c.path, "")
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.path, resp.StatusCode, c.status, body)
			continue
		}
		if c.status == 200 {
			if strings.HasSuffix(c.path, "/version") {
				var v api.VersionResponse
				if err := json.Unmarshal([]byte(body), &v); err != nil || v.APIVersion != api.Version || v.MinAPIVersion != api.MinVersion || v.Version != "test" {
					t.Errorf("%s: %s (%v)", c.path, body, err)
				}
			}
			continue
		}
		var e api.ErrorResponse
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Message != c.msg {
			t.Errorf("%s: body %s, want message %q", c.path, body, c.msg)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", c.path, ct)
		}
	}
}

// Errors are {"message": ...} with the status of their kind, as the
// docker CLI expects to print them.
func TestErrors(t *testing.T) {
	srv, _ := testDaemon(t)
	for _, c := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/v1.41/containers/nosuch/json", "", 404, "No such container: nosuch"},
		{"POST", "/v1.41/containers/nosuch/start", "", 404, "No such container: nosuch"},
		{"DELETE", "/v1.41/containers/nosuch", "", 404, "No such container: nosuch"},
		{"GET", "/v1.41/nothing/here", "", 404, "page not found"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox"}`, 404, "No such image: busybox:latest"},
		{"POST", "/v1.41/containers/create", `{"Image":`, 400, "invalid JSON body: unexpected EOF"},
		{"POST", "/v1.41/containers/create", `{}`, 400, "config cannot be empty in order to create a container: no image"},
		{"POST", "/v1.41/containers/create?name=a%2Fb", `{"Image":"busybox"}`, 400, ""},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","HostConfig":{"NetworkMode":"nosuch"}}`, 400, "network nosuch not found"},
		{"GET", "/v1.41/images/nosuch/json", "", 404, "No such image: nosuch:latest"},
		{"DELETE", "/v1.41/images/nosuch", "", 404, "No such image: nosuch:latest"},
		{"GET", "/v1.41/volumes/nosuch", "", 404, "get nosuch: no such volume"},
		{"GET", "/v1.41/containers/json?filters=%7B%22color%22%3A%5B%22red%22%5D%7D", "", 400, "invalid filter 'color'"},
		{"GET", "/v1.41/containers/json?filters=%7Bnot", "", 400, ""},
		{"GET", "/v1.41/exec/nosuch/json", "", 404, "No such exec instance: nosuch"},
		{"DELETE", "/v1.41/networks/none", "", 403, "none is a pre-defined network and cannot be removed"},
		{"GET", "/v1.41/networks/nosuch", "", 404, "network nosuch not found"},
	} {
		resp, body := do(t, srv, c.method, c.path, c.body)
		var e api.ErrorResponse
		err := json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != c.status || err != nil || c.msg != "" && e.Message != c.msg || e.Message == "" {
			t.Errorf("%s %s: %d %s, want %d %q", c.method, c.path, resp.StatusCode, body, c.status, c.msg)
		}
	}
}

func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("get x: %w", engine.ErrNoSuchContainer), 404},
		{fmt.Errorf("x: %w", engine.ErrNameInUse), 409},
		{fmt.Errorf("x: %w", engine.ErrRunning), 409},
		{fmt.Errorf("x: %w", engine.ErrVolumeInUse), 409},
		{fmt.Errorf("x: %w", engine.ErrInvalid), 400},
		{imageError(fmt.Errorf("%w: x", images.ErrNotFound)), 404},
		{imageError(fmt.Errorf("%w: x", images.ErrConflict)), 409},
		{errors.New("disk on fire"), 500},
	} {
		if got := statusOf(c.err); got != c.want {
			t.Errorf("statusOf(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

// Volumes: created, listed, inspected, removed; and each change is an
// event on GET /events, streamed as it happens.
func TestVolumesAndEvents(t *testing.T) {
	srv, _ := testDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+`/v1.41/events?filters={"type":["volume"]}`, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := bufio.NewScanner(resp.Body)
	// The stream follows from now on: let its reader get to the end.
	time.Sleep(100 * time.Millisecond)
	r, body := do(t, srv, "POST", "/v1.41/volumes/create", `{"Name":"data","Labels":{"k":"v"}}`)
	var v api.Volume
	if r.StatusCode != 201 || json.Unmarshal([]byte(body), &v) != nil || v.Name != "data" || v.Driver != "local" || v.Labels["k"] != "v" {
		t.Fatalf("create: %d %s", r.StatusCode, body)
	}
	_, body = do(t, srv, "GET", "/v1.41/volumes", "")
	var list api.VolumeList
	if json.Unmarshal([]byte(body), &list) != nil || len(list.Volumes) != 1 || list.Volumes[0].Mountpoint != v.Mountpoint {
		t.Fatalf("list: %s", body)
	}
	_, body = do(t, srv, "GET", `/v1.41/volumes?filters={"label":["k=w"]}`, "")
	if json.Unmarshal([]byte(body), &list) != nil || len(list.Volumes) != 0 {
		t.Errorf("label filter k=w: %s", body)
	}
	if r, body = do(t, srv, "DELETE", "/v1.41/volumes/data", ""); r.StatusCode != 204 {
		t.Fatalf("rm: %d %s", r.StatusCode, body)
	}
	for _, want := range []string{"create", "destroy"} {
		if !events.Scan() {
			t.Fatalf("events ended: %v", events.Err())
		}
		var ev api.Event
		if err := json.Unmarshal(events.Bytes(), &ev); err != nil || ev.Type != "volume" || ev.Action != want || ev.Actor.ID != "data" || ev.TimeNano == 0 {
			t.Errorf("event %s, want volume %s data", events.Bytes(), want)
		}
	}
	// since: the history, then until: the end of the stream.
	now := time.Now().Unix() + 1
	_, body = do(t, srv, "GET", fmt.Sprintf("/v1.41/events?since=1&until=%d", now), "")
	if n := strings.Count(body, `"Type":"volume"`); n != 2 {
		t.Errorf("since=1&until=now: %d volume events in %s", n, body)
	}
}

// The network endpoints without a bridge made: the predefined networks,
// lookups, filters, and what is refused before the host is touched, each
// with dockerd's status and words.
func TestNetworks(t *testing.T) {
	srv, _ := testDaemon(t)
	_, body := do(t, srv, "GET", "/v1.43/networks", "")
	var nets []api.Network
	if err := json.Unmarshal([]byte(body), &nets); err != nil || len(nets) != 3 {
		t.Fatalf("networks: %s", body)
	}
	for i, want := range []string{"bridge", "host", "none"} {
		if nets[i].Name != want || len(nets[i].ID) != 64 || nets[i].Scope != "local" {
			t.Errorf("network %d: %+v, want %s", i, nets[i], want)
		}
	}
	if nets[0].Driver != "bridge" || nets[1].Driver != "host" || nets[2].Driver != "null" {
		t.Errorf("drivers: %s %s %s", nets[0].Driver, nets[1].Driver, nets[2].Driver)
	}
	for _, c := range []struct {
		filters string
		want    int
	}{
		{`{"type":{"builtin":true}}`, 3}, {`{"type":{"custom":true}}`, 0}, {`{"name":{"os":true}}`, 1},
		{`{"driver":{"null":true}}`, 1}, {`{"id":{"` + nets[1].ID[:10] + `":true}}`, 1}, {`{"dangling":{"true":true}}`, 0},
		{`{"label":{"k":true}}`, 0}, {`{"scope":{"local":true}}`, 3},
	} {
		r, body := do(t, srv, "GET", "/v1.43/networks?filters="+c.filters, "")
		var got []api.Network
		if r.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got) != c.want {
			t.Errorf("filters %s: %d %s, want %d networks", c.filters, r.StatusCode, body, c.want)
		}
	}
	r, body := do(t, srv, "GET", "/v1.43/networks/"+nets[2].ID[:12], "")
	if r.StatusCode != 200 || !strings.Contains(body, `"Name":"none"`) || !strings.Contains(body, `"Containers":{}`) {
		t.Errorf("by ID prefix: %d %s", r.StatusCode, body)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		message            string
	}{
		{"GET", `/networks?filters={"nosuch":{"x":true}}`, "", 400, "invalid filter 'nosuch'"},
		{"GET", `/networks?filters={"type":{"x":true}}`, "", 400, "invalid filter: 'type'='x'"},
		{"GET", "/networks/nosuch", "", 404, "network nosuch not found"},
		{"POST", "/networks/create", `{"Name":"bridge"}`, 403, "operation is not permitted on predefined bridge network"},
		{"POST", "/networks/create", `{"Name":"n1","Driver":"foo"}`, 404, `plugin "foo" not found`},
		{"POST", "/networks/create", `{"Name":"n1","Driver":"overlay"}`, 400, `network driver "overlay": minidocker has only the bridge driver`},
		{"POST", "/networks/create", `{"Name":"n1","IPAM":{"Driver":"x"}}`, 404, `plugin "x" not found`},
		{"POST", "/networks/create", `{"Name":"n1","IPAM":{"Config":[{"Subnet":"bogus"}]}}`, 400, "invalid subnet bogus: want an IPv4 network in CIDR notation"},
		{"POST", "/networks/create", `{"Name":"n1","IPAM":{"Config":[{"Subnet":"10.9.0.0/24","IPRange":"10.9.0.0/25"}]}}`, 400, "--ip-range and --aux-address are not supported"},
		{"POST", "/networks/create", `{"Name":"n1","EnableIPv6":true,"Internal":true}`, 400, "EnableIPv6 (--ipv6), Internal (--internal) not supported"},
		{"POST", "/networks/create", `{"Name":"bad name"}`, 400, `network name "bad name": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`},
		{"POST", "/networks/create", `{"Name":"n1","Options":{"mtu":"9000"}}`, 400, `network option "mtu"`},
		{"DELETE", "/networks/bridge", "", 403, "bridge is a pre-defined network and cannot be removed"},
		{"DELETE", "/networks/nosuch", "", 404, "network nosuch not found"},
		{"POST", "/networks/nosuch/connect", `{"Container":"c"}`, 404, "network nosuch not found"},
		{"POST", "/networks/host/connect", `{"Container":"c"}`, 404, "No such container: c"},
		{"POST", "/networks/bridge/disconnect", `{"Container":"c"}`, 404, "No such container: c"},
		{"POST", `/networks/prune?filters={"until":{"24h":true}}`, "", 400, "filters (until, label) are not supported"},
		{"POST", "/containers/create", `{"Image":"busybox","HostConfig":{"NetworkMode":"nosuch"}}`, 400, "network nosuch not found"},
		{"POST", "/containers/create", `{"Image":"busybox","HostConfig":{"PortBindings":{"80/sctp":[{}]}}}`, 400, `protocol "sctp": want tcp or udp`},
		{"POST", "/containers/create", `{"Image":"busybox","HostConfig":{"DnsSearch":["example.com"]}}`, 400, "--dns-option and --dns-search are not supported"},
		{"POST", "/containers/create", `{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"a":{},"b":{}}}}`, 400, "Container cannot be connected to network endpoints: a, b"},
		{"POST", "/containers/create", `{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["x"]}}}}`, 400, "network-scoped alias is supported only for containers in user defined networks"},
		{"POST", "/containers/create", `{"Image":"busybox","HostConfig":{"NetworkMode":"n2"},"NetworkingConfig":{"EndpointsConfig":{"n2":{"IPAMConfig":{"IPv4Address":"x"}}}}}`, 400, "invalid IPv4 address: x"},
	} {
		r, body := do(t, srv, c.method, "/v1.43"+c.path, c.body)
		var e api.ErrorResponse
		if r.StatusCode != c.status || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Message, c.message) {
			t.Errorf("%s %s %s: %d %s, want %d %q", c.method, c.path, c.body, r.StatusCode, body, c.status, c.message)
		}
	}
}

func TestParseFilters(t *testing.T) {
	for _, s := range []string{`{"status":{"exited":true}}`, `{"status":["exited"]}`} {
		f, err := parseFilters(s)
		if err != nil || len(f["status"]) != 1 || f["status"][0] != "exited" {
			t.Errorf("parseFilters(%s) = %v, %v", s, f, err)
		}
	}
	f, _ := parseFilters(`{"status":{"exited":false}}`)
	if len(f["status"]) != 0 {
		t.Errorf("a value set to false is not a filter: %v", f)
	}
}
