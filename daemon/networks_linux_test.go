package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minidocker/minidocker/api"
)

// A user-defined network through the API, with real containers: create
// it, run a web server on it published on a host port the engine picks,
// fetch the page from the host, reach the server by its alias from a
// second container, connect and disconnect, and remove the network only
// once no container is on it; the events say what happened.
func TestNetworkLifecycle(t *testing.T) {
	srv, _ := realDaemon(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("needs nft (apt-get install nftables)")
	}
	since := time.Now().Unix()
	code, b := call(t, srv, "POST", "/v1.43/networks/create", map[string]any{"Name": "app", "CheckDuplicate": true,
		"IPAM": map[string]any{"Config": []map[string]string{{"Subnet": "10.77.0.0/24"}}}, "Labels": map[string]string{"k": "v"}})
	var nc api.NetworkCreateResponse
	if code != 201 || json.Unmarshal(b, &nc) != nil || len(nc.ID) != 64 {
		t.Fatalf("network create: %d %s", code, b)
	}
	if code, b := call(t, srv, "POST", "/v1.43/networks/create", map[string]any{"Name": "app"}); code != 409 || !strings.Contains(string(b), "network with name app already exists") {
		t.Errorf("create again: %d %s", code, b)
	}
	if n := networks(t, srv, `{"label":{"k=v":true},"dangling":{"true":true}}`); len(n) != 1 || n[0].Name != "app" ||
		n[0].IPAM.Config[0].Subnet != "10.77.0.0/24" || n[0].IPAM.Config[0].Gateway != "10.77.0.1" {
		t.Errorf("ls label=k=v dangling=true: %+v", n)
	}

	web := create(t, srv, map[string]any{"Image": "busybox", "Cmd": []string{"sh", "-c", "echo hello > /tmp/index.html; exec httpd -f -p 80 -h /tmp"},
		"ExposedPorts": map[string]any{"80/tcp": map[string]any{}},
		"HostConfig":   map[string]any{"NetworkMode": "app", "PortBindings": map[string]any{"80/tcp": []map[string]string{{"HostIp": "", "HostPort": ""}}}},
		"NetworkingConfig": map[string]any{"EndpointsConfig": map[string]any{"app": map[string]any{
			"Aliases": []string{"www"}, "IPAMConfig": map[string]string{"IPv4Address": "10.77.0.10"}}}},
	}, "web")
	if code, b := call(t, srv, "POST", "/v1.43/containers/"+web+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	j := inspectJSON(t, srv, web)
	ep := j.NetworkSettings.Networks["app"]
	if ep == nil || ep.IPAddress != "10.77.0.10" || ep.IPPrefixLen != 24 || ep.Gateway != "10.77.0.1" || ep.NetworkID != nc.ID ||
		fmt.Sprint(ep.Aliases) != "[www]" || ep.IPAMConfig == nil || ep.IPAMConfig.IPv4Address != "10.77.0.10" || ep.MacAddress != "02:42:0a:4d:00:0a" {
		t.Fatalf("inspect: Networks[app] = %+v", ep)
	}
	if j.NetworkSettings.IPAddress != "" || j.HostConfig.NetworkMode != "app" {
		t.Errorf("inspect: IPAddress %q (the default bridge's only), NetworkMode %q", j.NetworkSettings.IPAddress, j.HostConfig.NetworkMode)
	}
	ports := j.NetworkSettings.Ports["80/tcp"]
	if len(ports) != 1 || ports[0].HostIP != "0.0.0.0" || ports[0].HostPort == "" || j.HostConfig.PortBindings["80/tcp"][0].HostPort != "" {
		t.Fatalf("inspect: Ports %+v, PortBindings %+v", j.NetworkSettings.Ports, j.HostConfig.PortBindings)
	}
	if body := fetch(t, "http://127.0.0.1:"+ports[0].HostPort+"/"); body != "hello\n" {
		t.Errorf("GET the published port: %q", body)
	}

	var list []api.Container
	code, b = call(t, srv, "GET", `/v1.43/containers/json?filters={"network":{"app":true},"publish":{"`+ports[0].HostPort+`":true}}`, nil)
	if code != 200 || json.Unmarshal(b, &list) != nil || len(list) != 1 || len(list[0].Ports) != 1 ||
		fmt.Sprint(list[0].Ports[0].PublicPort) != ports[0].HostPort || list[0].Ports[0].PrivatePort != 80 || list[0].Ports[0].IP != "0.0.0.0" ||
		list[0].NetworkSettings.Networks["app"].IPAddress != "10.77.0.10" || list[0].HostConfig.NetworkMode != "app" {
		t.Errorf("ps --filter network=app: %d %s", code, b)
	}
	if code, b = call(t, srv, "GET", `/v1.43/containers/json?filters={"network":{"bridge":true}}`, nil); string(b) != "[]\n" {
		t.Errorf("ps --filter network=bridge: %d %s", code, b)
	}

	// A second container, on the default network at first, connected
	// before it starts: it finds the server by its alias.
	client := create(t, srv, map[string]any{"Image": "busybox", "Cmd": []string{"wget", "-q", "-O-", "http://www/"}}, "client")
	if code, b := call(t, srv, "POST", "/v1.43/networks/app/connect", map[string]any{"Container": "client"}); code != 200 {
		t.Fatalf("connect: %d %s", code, b)
	}
	if code, b := call(t, srv, "POST", "/v1.43/networks/app/connect", map[string]any{"Container": "client"}); code != 403 ||
		!strings.Contains(string(b), "endpoint with name client already exists in network app") {
		t.Errorf("connect again: %d %s", code, b)
	}
	if n := inspectJSON(t, srv, client).NetworkSettings.Networks; len(n) != 2 || n["bridge"] == nil || n["app"] == nil || n["app"].IPAddress != "10.77.0.2" {
		t.Errorf("client's networks: %s", must(json.Marshal(n)))
	}
	if code, b := call(t, srv, "POST", "/v1.43/containers/"+client+"/start", nil); code != 204 {
		t.Fatalf("start client: %d %s", code, b)
	}
	if code, b := call(t, srv, "POST", "/v1.43/containers/"+client+"/wait", nil); code != 200 || !strings.Contains(string(b), `"StatusCode":0`) {
		t.Errorf("client's wait: %d %s", code, b)
	}
	_, b = call(t, srv, "GET", "/v1.43/containers/"+client+"/logs?stdout=1&stderr=1", nil)
	var stdout, stderr bytes.Buffer
	api.Demux(&stdout, &stderr, bytes.NewReader(b))
	if stdout.String() != "hello\n" {
		t.Errorf("client fetched %q, stderr %q", stdout.String(), stderr.String())
	}
	if code, b := call(t, srv, "POST", "/v1.43/networks/app/disconnect", map[string]any{"Container": client}); code != 200 {
		t.Errorf("disconnect: %d %s", code, b)
	}
	if code, b := call(t, srv, "POST", "/v1.43/networks/app/disconnect", map[string]any{"Container": client}); code != 400 ||
		!strings.Contains(string(b), "is not connected to network app") {
		t.Errorf("disconnect again: %d %s", code, b)
	}

	code, b = call(t, srv, "GET", "/v1.43/networks/app", nil)
	var n api.Network
	if code != 200 || json.Unmarshal(b, &n) != nil || len(n.Containers) != 1 || n.Containers[web].Name != "web" ||
		n.Containers[web].IPv4Address != "10.77.0.10/24" || n.Labels["k"] != "v" {
		t.Errorf("network inspect: %d %s", code, b)
	}
	if code, b := call(t, srv, "DELETE", "/v1.43/networks/app", nil); code != 403 ||
		string(b) != `{"message":"error while removing network: network app id `+nc.ID+` has active endpoints"}`+"\n" {
		t.Errorf("rm while web is on it: %d %s", code, b)
	}
	if code, b := call(t, srv, "DELETE", "/v1.43/containers/web?force=1", nil); code != 204 {
		t.Fatalf("rm -f web: %d %s", code, b)
	}
	if code, b := call(t, srv, "DELETE", "/v1.43/networks/app", nil); code != 204 {
		t.Errorf("rm: %d %s", code, b)
	}
	if code, _ := call(t, srv, "GET", "/v1.43/networks/app", nil); code != 404 {
		t.Errorf("inspect after rm: %d", code)
	}

	_, b = call(t, srv, "GET", fmt.Sprintf(`/v1.43/events?since=%d&until=%d&filters={"type":{"network":true}}`, since, time.Now().Unix()+1), nil)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ev api.Event
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Actor.ID == nc.ID && ev.Actor.Attributes["name"] == "app" && ev.Actor.Attributes["type"] == "bridge" {
			got = append(got, ev.Action+map[bool]string{true: " client", false: ""}[ev.Actor.Attributes["container"] == client])
		}
	}
	if want := "[create connect client disconnect client destroy]"; fmt.Sprint(got) != want {
		t.Errorf("network events %v, want %s (from %s)", got, want, b)
	}
}

func networks(t *testing.T, srv *httptest.Server, filters string) []api.Network {
	t.Helper()
	code, b := call(t, srv, "GET", "/v1.43/networks?filters="+filters, nil)
	var out []api.Network
	if code != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("networks %s: %d %s", filters, code, b)
	}
	return out
}

func inspectJSON(t *testing.T, srv *httptest.Server, id string) api.ContainerJSON {
	t.Helper()
	code, b := call(t, srv, "GET", "/v1.43/containers/"+id+"/json", nil)
	var j api.ContainerJSON
	if code != 200 || json.Unmarshal(b, &j) != nil {
		t.Fatalf("inspect %s: %d %s", id, code, b)
	}
	return j
}

// fetch GETs url from the host, trying again while the server starts.
func fetch(t *testing.T, url string) string {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Second}
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var resp *http.Response
		if resp, err = c.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(b)
		}
	}
	t.Fatalf("GET %s: %v", url, err)
	return ""
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
