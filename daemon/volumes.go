package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
)

func apiVolume(v *engine.Volume) api.Volume {
	return api.Volume{CreatedAt: v.CreatedAt.Format(time.RFC3339), Driver: v.Driver, Labels: v.Labels,
		Mountpoint: v.Mountpoint, Name: v.Name, Options: v.Options, Scope: v.Scope}
}

func (d *Daemon) listVolumes(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	if err := f.check("name", "driver", "label", "dangling"); err != nil {
		return err
	}
	vols, err := d.engine.Volumes()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	if _, ok := f["dangling"]; ok {
		all, err := d.engine.List()
		if err != nil {
			return err
		}
		for _, c := range all {
			for _, m := range c.Mounts {
				if m.Type == "volume" {
					used[m.Name] = true
				}
			}
		}
	}
	out := api.VolumeList{Volumes: []api.Volume{}, Warnings: []string{}}
	for _, v := range vols {
		ok := f.match("name", func(s string) bool { return strings.Contains(v.Name, s) }) &&
			f.match("driver", func(s string) bool { return s == v.Driver }) &&
			f.match("label", func(s string) bool {
				k, val, hasVal := strings.Cut(s, "=")
				got, has := v.Labels[k]
				return has && (!hasVal || got == val)
			}) &&
			f.match("dangling", func(s string) bool { return (s == "true" || s == "1") == !used[v.Name] })
		if ok {
			out.Volumes = append(out.Volumes, apiVolume(v))
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (d *Daemon) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req api.VolumeCreateRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.Driver != "" && req.Driver != "local" {
		return &statusError{http.StatusNotFound, fmt.Sprintf("error looking up volume plugin %s: plugin %q not found", req.Driver, req.Driver)}
	}
	if len(req.DriverOpts) > 0 {
		return badRequest(fmt.Errorf("volume options (-o) are not supported: the local driver here makes a directory"))
	}
	v, err := d.engine.CreateVolume(req.Name, req.Labels)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, apiVolume(v))
}

func (d *Daemon) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	v, err := d.engine.Volume(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apiVolume(v))
}

func (d *Daemon) removeVolume(w http.ResponseWriter, r *http.Request) error {
	if err := d.engine.RemoveVolume(r.PathValue("name"), boolValue(r, "force")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// The networks a container can have today: "none", a network namespace
// of its own with a loopback device, which is what every container
// gets. Bridges (docker's default "bridge"), "host" and user-defined
// networks come with chapter 09's network part of the engine.
var builtinNetworks = []string{"none"}

func networkID(name string) string {
	h := sha256.Sum256([]byte("minidocker network " + name))
	return hex.EncodeToString(h[:])
}

func apiNetwork(name string, started time.Time) api.Network {
	n := api.Network{Name: name, ID: networkID(name), Created: dockerTime(started), Scope: "local", Driver: "null",
		IPAM:       api.IPAM{Driver: "default", Options: map[string]string{}, Config: []api.IPAMConfig{}},
		Containers: map[string]any{}, Options: map[string]string{}, Labels: map[string]string{}}
	return n
}

func (d *Daemon) listNetworks(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	out := []api.Network{}
	for _, name := range builtinNetworks {
		n := apiNetwork(name, d.started)
		if f.match("name", func(s string) bool { return strings.Contains(name, s) }) &&
			f.match("id", func(s string) bool { return strings.HasPrefix(n.ID, s) }) &&
			f.match("driver", func(s string) bool { return s == n.Driver }) &&
			f.match("type", func(s string) bool { return s == "builtin" }) {
			out = append(out, n)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (d *Daemon) network(ref string) (api.Network, error) {
	for _, name := range builtinNetworks {
		if n := apiNetwork(name, d.started); ref == name || len(ref) >= 3 && strings.HasPrefix(n.ID, ref) {
			return n, nil
		}
	}
	return api.Network{}, &statusError{http.StatusNotFound, fmt.Sprintf("network %s not found", ref)}
}

func (d *Daemon) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	n, err := d.network(r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

// createNetwork and removeNetwork answer what is true today: the engine
// has no networks of its own to make or remove yet.
func (d *Daemon) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req api.NetworkCreateRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if _, err := d.network(req.Name); err == nil {
		return &statusError{http.StatusConflict, fmt.Sprintf("network with name %s already exists", req.Name)}
	}
	return &statusError{http.StatusNotImplemented, fmt.Sprintf("network create %s: this engine has no network drivers yet (containers get a loopback-only network namespace, \"none\")", req.Name)}
}

func (d *Daemon) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	n, err := d.network(r.PathValue("id"))
	if err != nil {
		return err
	}
	return &statusError{http.StatusForbidden, fmt.Sprintf("%s is a pre-defined network and cannot be removed", n.Name)}
}
