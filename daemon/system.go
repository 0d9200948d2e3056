package daemon

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
)

// ping is GET and HEAD /_ping: "OK", and in its headers what a client
// needs before it says anything else: the API version to speak (the
// docker CLI takes the lower of its own and this), the OS, whether
// experimental features are on.
func (d *Daemon) ping(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("API-Version", api.Version)
	h.Set("Docker-Experimental", "false")
	h.Set("OSType", runtime.GOOS)
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte("OK"))
	return err
}

func (d *Daemon) getVersion(w http.ResponseWriter, r *http.Request) error {
	kernel := kernelVersion()
	v := api.VersionResponse{Version: d.version, APIVersion: api.Version, MinAPIVersion: api.MinVersion,
		GitCommit: "minidocker", GoVersion: runtime.Version(), Os: runtime.GOOS, Arch: runtime.GOARCH,
		KernelVersion: kernel}
	v.Platform.Name = "minidocker"
	v.Components = []api.ComponentVersion{{Name: "Engine", Version: d.version, Details: map[string]string{
		"ApiVersion": api.Version, "MinAPIVersion": api.MinVersion, "GitCommit": "minidocker",
		"GoVersion": runtime.Version(), "Os": runtime.GOOS, "Arch": runtime.GOARCH,
		"KernelVersion": kernel, "Experimental": "false"}}}
	return writeJSON(w, http.StatusOK, v)
}

func (d *Daemon) info(w http.ResponseWriter, r *http.Request) error {
	all, err := d.engine.List()
	if err != nil {
		return err
	}
	driver := d.driver
	if driver == "" {
		driver = "overlay"
	}
	info := api.Info{ID: d.engine.Root, Driver: driver, LoggingDriver: "json-file",
		CgroupDriver: "cgroupfs", CgroupVersion: cgroupVersion(), KernelVersion: kernelVersion(),
		OperatingSystem: osName(), OSVersion: osVersionID(), OSType: runtime.GOOS,
		Architecture: archName(), NCPU: runtime.NumCPU(), MemTotal: memTotal(),
		DockerRootDir: d.engine.Root, Name: hostname(), ServerVersion: d.version,
		IndexServerAddress: "https://index.docker.io/v1/", NGoroutines: runtime.NumGoroutine(),
		SystemTime: time.Now().Format(time.RFC3339Nano), DefaultRuntime: "minidocker",
		Runtimes: map[string]api.Runtime{"minidocker": {Path: "minidocker init"}},
		Plugins:  api.PluginsInfo{Volume: []string{"local"}, Network: []string{"null"}, Log: []string{"json-file"}},
		Labels:   []string{}, SecurityOptions: []string{"name=seccomp,profile=unconfined"}, Warnings: []string{},
		RegistryConfig: &api.RegistryConfig{InsecureRegistryCIDRs: []string{"127.0.0.0/8"}, IndexConfigs: map[string]api.IndexInfo{}, Mirrors: []string{}},
		DriverStatus:   [][2]string{}}
	if os.Geteuid() != 0 {
		info.SecurityOptions = append(info.SecurityOptions, "name=rootless")
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		info.NFd = len(fds)
	}
	info.NEventsListener = d.events.listeners()
	for _, c := range all {
		info.Containers++
		switch c.State.Status {
		case engine.Running:
			info.ContainersRunning++
		case engine.Paused:
			info.ContainersPaused++
		default:
			info.ContainersStopped++
		}
	}
	if d.images != nil {
		if list, err := d.images.List(r.Context()); err == nil {
			info.Images = len(list)
		}
	}
	return writeJSON(w, http.StatusOK, info)
}

// getEvents is GET /events: what happened, as a stream of JSON objects,
// one per line, from ?since= (or now) until ?until= (or the client goes
// away), for the objects ?filters= names.
func (d *Daemon) getEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	since, err := parseEventTime(q.Get("since"))
	if err != nil {
		return err
	}
	until, err := parseEventTime(q.Get("until"))
	if err != nil {
		return err
	}
	f, err := parseFilters(q.Get("filters"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flush(w)
	enc := json.NewEncoder(w)
	ctx := r.Context()
	if !until.IsZero() {
		var cancel func()
		ctx, cancel = contextUntil(ctx, until)
		defer cancel()
	}
	d.events.addListener(1)
	defer d.events.addListener(-1)
	return d.engine.Events(ctx, since, true, func(ev engine.Event) error {
		if !until.IsZero() && ev.Time.After(until) {
			return errStop
		}
		m := apiEvent(ev)
		if !f.matchEvent(m) {
			return nil
		}
		if err := enc.Encode(m); err != nil {
			return err
		}
		flush(w)
		return nil
	})
}

// apiEvent is an engine event as the API shows it.
func apiEvent(ev engine.Event) api.Event {
	m := api.Event{Type: ev.Type, Action: ev.Action, Actor: api.Actor{ID: ev.ID, Attributes: ev.Attributes},
		Scope: "local", Time: ev.Time.Unix(), TimeNano: ev.Time.UnixNano()}
	if ev.Type == "container" {
		m.Status, m.ID, m.From = ev.Action, ev.ID, ev.Attributes["image"]
	}
	if m.Actor.Attributes == nil {
		m.Actor.Attributes = map[string]string{}
	}
	return m
}

// parseEventTime reads since and until: Unix seconds, with a fraction
// (what the docker CLI sends), or RFC 3339.
func parseEventTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if sec, frac, ok := strings.Cut(s, "."); ok || !strings.ContainsAny(s, "-:T") {
		n, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			nsec := int64(0)
			if ok {
				frac = (frac + "000000000")[:9]
				nsec, err = strconv.ParseInt(frac, 10, 64)
			}
			if err == nil {
				return time.Unix(n, nsec), nil
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badRequest(fmt.Errorf("invalid time %q: want Unix seconds or RFC 3339", s))
	}
	return t, nil
}

func kernelVersion() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}

func osRelease(key string) string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func osName() string {
	if n := osRelease("PRETTY_NAME"); n != "" {
		return n
	}
	return runtime.GOOS
}

func osVersionID() string { return osRelease("VERSION_ID") }

// archName is the machine's name for its architecture, as uname -m.
func archName() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

func memTotal() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cgroupVersion is "2" where the cgroup2 file system is mounted at
// /sys/fs/cgroup, "1" otherwise (a hybrid host has both; docker names it
// by the root's).
func cgroupVersion() string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return "2"
	}
	return "1"
}
