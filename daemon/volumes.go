package daemon

import (
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
