package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/daemon"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/images"
	"github.com/minidocker/minidocker/minidocker"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/network/nettest"
	"github.com/minidocker/minidocker/oci/reference"
	"github.com/minidocker/minidocker/testscript"
)

// The engine re-executes its binary as "minidocker" (the init, the
// monitor, exec's init): in this test, that is the test binary. The
// tests run in a network namespace of their own, which stands in for the
// host: containers get the default bridge, and networks are made.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "minidocker" {
		os.Exit(minidocker.Main(os.Args))
	}
	os.Exit(nettest.Run(m))
}

// realDaemon is a daemon over a root with a busybox image (busybox-
// static's files, imported as docker import would), running real
// containers: root only.
func realDaemon(t *testing.T) (srv *httptest.Server, e *engine.Engine) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("runs containers: needs root")
	}
	nettest.Unchanged(t)
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	if err := testscript.MkRootfs(rootfs); err != nil {
		t.Skipf("no busybox rootfs: %v", err)
	}
	root := filepath.Join(dir, "root")
	s, err := images.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	tarball, err := exec.Command("tar", "--numeric-owner", "-C", rootfs, "-cf", "-", ".").Output()
	if err != nil {
		t.Skipf("tar: %v", err)
	}
	ref, _ := reference.Parse("busybox")
	if _, err := s.Import(context.Background(), bytes.NewReader(tarball), ref, images.ImportOptions{Changes: []string{`CMD ["sh"]`}}); err != nil {
		t.Fatal(err)
	}
	if e, err = engine.Open(root, engine.WithImages(daemon.EngineImages(s))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv = httptest.NewServer(daemon.New(ctx, e, daemon.WithImages(s)).Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		all, _ := e.List()
		for _, c := range all {
			if err := e.Remove(context.Background(), c.ID, engine.RemoveOptions{Force: true, Volumes: true}); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		// The default network's bridge and rules stay after its last
		// container, as docker0 does: take them off the host (and a
		// network a failed test left).
		if _, err := network.CleanHost(root); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return srv, e
}

func call(t *testing.T, srv *httptest.Server, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// create makes a container, named name[0] if given.
func create(t *testing.T, srv *httptest.Server, req map[string]any, name ...string) string {
	t.Helper()
	path := "/v1.41/containers/create"
	if len(name) > 0 {
		path += "?name=" + name[0]
	}
	code, b := call(t, srv, "POST", path, req)
	var cr api.CreateResponse
	if code != 201 || json.Unmarshal(b, &cr) != nil {
		t.Fatalf("create: %d %s", code, b)
	}
	return cr.ID
}

// hijacked is a client's side of a hijacked connection: the request
// sent as the docker CLI sends it, the status line and headers read.
type hijacked struct {
	net.Conn
	r      *bufio.Reader
	status string
	header http.Header
}

func hijackPost(t *testing.T, srv *httptest.Server, path string, body any) *hijacked {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	b := []byte{}
	if body != nil {
		b, _ = json.Marshal(body)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", path, len(b), b)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &hijacked{Conn: conn, r: r, status: resp.Status, header: resp.Header}
}

// docker run without -d, as the CLI does it: create, attach (hijacked),
// wait, start; the output arrives framed by stream, the exit code in the
// wait's answer.
func TestRunAttached(t *testing.T) {
	srv, _ := realDaemon(t)
	id := create(t, srv, map[string]any{"Image": "busybox", "Cmd": []string{"sh", "-c", "echo out; echo err >&2; exit 3"}})
	h := hijackPost(t, srv, "/v1.41/containers/"+id+"/attach?stream=1&stdout=1&stderr=1", nil)
	defer h.Close()
	if h.status != "101 UPGRADED" || h.header.Get("Upgrade") != "tcp" || h.header.Get("Content-Type") != "application/vnd.docker.raw-stream" {
		t.Fatalf("attach: %s %v", h.status, h.header)
	}
	wait := make(chan api.WaitResponse, 1)
	req, _ := http.NewRequest("POST", srv.URL+"/v1.41/containers/"+id+"/wait?condition=next-exit", nil)
	resp, err := srv.Client().Do(req) // the status line comes at once
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("wait: %v %v", resp, err)
	}
	go func() {
		var w api.WaitResponse
		json.NewDecoder(resp.Body).Decode(&w)
		resp.Body.Close()
		wait <- w
	}()
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	var stdout, stderr bytes.Buffer
	h.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := api.Demux(&stdout, &stderr, h.r); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	select {
	case w := <-wait:
		if w.StatusCode != 3 || w.Error != nil {
			t.Errorf("wait: %+v", w)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait: no answer")
	}
	// Started again, it is already running: 304; stopped, logs have it all.
	code, b := call(t, srv, "GET", "/v1.41/containers/"+id+"/logs?stdout=1&stderr=1", nil)
	stdout.Reset()
	stderr.Reset()
	api.Demux(&stdout, &stderr, bytes.NewReader(b))
	if code != 200 || stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("logs: %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
}

// With a terminal there is one stream, raw: no frames.
func TestAttachTTY(t *testing.T) {
	srv, _ := realDaemon(t)
	id := create(t, srv, map[string]any{"Image": "busybox", "Tty": true, "Cmd": []string{"sh", "-c", "tty >/dev/null && echo on-a-tty"}})
	h := hijackPost(t, srv, "/v1.41/containers/"+id+"/attach?stream=1&stdout=1&stderr=1", nil)
	defer h.Close()
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	h.SetReadDeadline(time.Now().Add(20 * time.Second))
	out, err := io.ReadAll(h.r)
	if err != nil || string(out) != "on-a-tty\r\n" {
		t.Errorf("tty stream %q, %v", out, err)
	}
}

// docker run -i: stdin through the monitor's FIFO, and with StdinOnce
// the client's EOF is the container's.
func TestAttachStdin(t *testing.T) {
	srv, _ := realDaemon(t)
	id := create(t, srv, map[string]any{"Image": "busybox", "OpenStdin": true, "StdinOnce": true, "AttachStdin": true, "Cmd": []string{"sh", "-c", "cat; echo done"}})
	h := hijackPost(t, srv, "/v1.41/containers/"+id+"/attach?stream=1&stdin=1&stdout=1&stderr=1", nil)
	defer h.Close()
	h.Write([]byte("typed\n")) // before the start: it waits in the socket
	h.Conn.(*net.TCPConn).CloseWrite()
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	var stdout, stderr bytes.Buffer
	h.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := api.Demux(&stdout, &stderr, h.r); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "typed\ndone\n" {
		t.Errorf("stdout %q (stderr %q)", stdout.String(), stderr.String())
	}
}

// A client that goes away mid-attach leaves the container running and
// the daemon serving; --rm's wait condition=removed has the exit code of
// a container whose directory is gone.
func TestAttachGoneAndWaitRemoved(t *testing.T) {
	srv, e := realDaemon(t)
	id := create(t, srv, map[string]any{"Image": "busybox", "Cmd": []string{"sh", "-c", "trap 'exit 5' TERM; while true; do echo tick; sleep 0.1; done"},
		"HostConfig": map[string]any{"AutoRemove": true}})
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	h := hijackPost(t, srv, "/v1.41/containers/"+id+"/attach?stream=1&stdout=1", nil)
	line := make([]byte, 8+5)
	h.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.ReadFull(h.r, line); err != nil || string(line[8:]) != "tick\n" {
		t.Fatalf("attach: %q %v", line, err)
	}
	h.Close()
	time.Sleep(1500 * time.Millisecond) // the follower looks for a gone client each second
	c, err := e.Get(id)
	if err != nil || !c.Running() {
		t.Fatalf("after the client left: %v %v", c, err)
	}
	wait := make(chan api.WaitResponse, 1)
	req, _ := http.NewRequest("POST", srv.URL+"/v1.41/containers/"+id+"/wait?condition=removed", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		var w api.WaitResponse
		json.NewDecoder(resp.Body).Decode(&w)
		resp.Body.Close()
		wait <- w
	}()
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/stop?t=5", nil); code != 204 {
		t.Fatalf("stop: %d %s", code, b)
	}
	select {
	case w := <-wait:
		if w.StatusCode != 5 {
			t.Errorf("wait removed: %+v", w)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait removed: no answer")
	}
	if code, _ := call(t, srv, "GET", "/v1.41/containers/"+id+"/json", nil); code != 404 {
		t.Errorf("after --rm: inspect %d, want 404", code)
	}
}

// docker exec -i: created, started on a hijacked connection with stdin
// going in and framed output coming out, the exit code in its inspect.
func TestExec(t *testing.T) {
	srv, _ := realDaemon(t)
	id := create(t, srv, map[string]any{"Image": "busybox", "Cmd": []string{"sleep", "30"}})
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 204 {
		t.Fatalf("start: %d %s", code, b)
	}
	code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/exec", map[string]any{"AttachStdin": true, "AttachStdout": true, "AttachStderr": true,
		"Cmd": []string{"sh", "-c", "read x; echo got $x; echo oops >&2; exit 4"}})
	var ex api.CreateResponse
	if code != 201 || json.Unmarshal(b, &ex) != nil {
		t.Fatalf("exec create: %d %s", code, b)
	}
	h := hijackPost(t, srv, "/v1.41/exec/"+ex.ID+"/start", map[string]any{"Detach": false, "Tty": false})
	defer h.Close()
	h.Write([]byte("hello\n"))
	h.Conn.(*net.TCPConn).CloseWrite()
	var stdout, stderr bytes.Buffer
	h.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := api.Demux(&stdout, &stderr, h.r); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "got hello\n" || stderr.String() != "oops\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	code, b = call(t, srv, "GET", "/v1.41/exec/"+ex.ID+"/json", nil)
	var ei api.ExecInspect
	if code != 200 || json.Unmarshal(b, &ei) != nil || ei.Running || ei.ExitCode == nil || *ei.ExitCode != 4 {
		t.Errorf("exec inspect: %d %s", code, b)
	}
	// A command that is not there: told on the stream, exit code 127.
	_, b = call(t, srv, "POST", "/v1.41/containers/"+id+"/exec", map[string]any{"AttachStdout": true, "AttachStderr": true, "Cmd": []string{"nosuch"}})
	json.Unmarshal(b, &ex)
	h2 := hijackPost(t, srv, "/v1.41/exec/"+ex.ID+"/start", map[string]any{})
	defer h2.Close()
	stdout.Reset()
	stderr.Reset()
	h2.SetReadDeadline(time.Now().Add(20 * time.Second))
	api.Demux(&stdout, &stderr, h2.r)
	_, b = call(t, srv, "GET", "/v1.41/exec/"+ex.ID+"/json", nil)
	json.Unmarshal(b, &ei)
	if !strings.Contains(stderr.String(), "executable file not found") || ei.ExitCode == nil || *ei.ExitCode != 127 {
		t.Errorf("exec nosuch: stderr %q, inspect %s", stderr.String(), b)
	}
	// The container's own errors as the API gives them.
	if code, b := call(t, srv, "DELETE", "/v1.41/containers/"+id, nil); code != 409 || !strings.Contains(string(b), "is running") {
		t.Errorf("rm running: %d %s", code, b)
	}
	if code, _ := call(t, srv, "POST", "/v1.41/containers/"+id+"/start", nil); code != 304 {
		t.Errorf("start running: %d, want 304", code)
	}
	if code, _ := call(t, srv, "POST", "/v1.41/containers/"+id+"/kill?signal=KILL", nil); code != 204 {
		t.Errorf("kill: %d", code)
	}
	call(t, srv, "POST", "/v1.41/containers/"+id+"/wait", nil)
	if code, b := call(t, srv, "POST", "/v1.41/containers/"+id+"/kill", nil); code != 409 || !strings.Contains(string(b), "is not running") {
		t.Errorf("kill stopped: %d %s", code, b)
	}
	if code, _ := call(t, srv, "POST", "/v1.41/containers/"+id+"/stop", nil); code != 304 {
		t.Errorf("stop stopped: %d, want 304", code)
	}
	code, b = call(t, srv, "GET", `/v1.41/containers/json?all=1&filters={"status":["exited"]}`, nil)
	var list []api.Container
	if json.Unmarshal(b, &list) != nil || len(list) != 1 || list[0].ID != id || !strings.HasPrefix(list[0].Status, "Exited (137)") {
		t.Errorf("ps -a -f status=exited: %d %s", code, b)
	}
}
