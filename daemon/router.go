package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"strings"

	"github.com/minidocker/minidocker/api"
)

// Handler is the API: every route at /PATH and at /vMAJOR.MINOR/PATH.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				d.logf("%s %s: %d %v", r.Method, r.URL.Path, statusOf(err), err)
				writeError(w, err)
			}
		})
	}
	route("GET /_ping", d.ping)
	route("HEAD /_ping", d.ping)
	route("GET /version", d.getVersion)
	route("GET /info", d.info)
	route("GET /events", d.getEvents)

	route("POST /containers/create", d.createContainer)
	route("GET /containers/json", d.listContainers)
	route("GET /containers/{id}/json", d.inspectContainer)
	route("POST /containers/{id}/start", d.startContainer)
	route("POST /containers/{id}/stop", d.stopContainer)
	route("POST /containers/{id}/restart", d.restartContainer)
	route("POST /containers/{id}/kill", d.killContainer)
	route("POST /containers/{id}/pause", d.pauseContainer)
	route("POST /containers/{id}/unpause", d.unpauseContainer)
	route("POST /containers/{id}/wait", d.waitContainer)
	route("DELETE /containers/{id}", d.removeContainer)
	route("GET /containers/{id}/top", d.topContainer)
	route("GET /containers/{id}/logs", d.containerLogs)
	route("POST /containers/{id}/attach", d.attachContainer)
	route("POST /containers/{id}/resize", d.resizeContainer)
	route("POST /containers/{id}/exec", d.createExec)
	route("POST /exec/{id}/start", d.startExec)
	route("POST /exec/{id}/resize", d.resizeExec)
	route("GET /exec/{id}/json", d.inspectExec)

	route("POST /auth", d.auth)
	route("POST /images/create", d.pullImage)
	route("GET /images/json", d.listImages)
	route("GET /images/{name...}", d.imageByName) // NAME/json, NAME may hold slashes
	route("POST /images/{name...}", d.imagePost)  // NAME/tag, NAME/push
	route("DELETE /images/{name...}", d.removeImage)

	route("GET /volumes", d.listVolumes)
	route("POST /volumes/create", d.createVolume)
	route("GET /volumes/{name}", d.inspectVolume)
	route("DELETE /volumes/{name}", d.removeVolume)

	route("GET /networks", d.listNetworks)
	route("GET /networks/{id}", d.inspectNetwork)
	route("POST /networks/create", d.createNetwork)
	route("DELETE /networks/{id}", d.removeNetwork)
	route("POST /networks/{id}/connect", d.connectNetwork)
	route("POST /networks/{id}/disconnect", d.disconnectNetwork)
	route("POST /networks/prune", d.pruneNetworks)

	return d.versioned(mux)
}

// versionedPath is /v1.43/rest: the version a client asks for.
var versionedPath = regexp.MustCompile(`^/v([0-9]+(?:\.[0-9]+)*)(/.*)$`)

type versionKey struct{}

// apiVersion is the version the request speaks: the one in its path, or
// the daemon's own.
func apiVersion(r *http.Request) string {
	if v, ok := r.Context().Value(versionKey{}).(string); ok {
		return v
	}
	return api.Version
}

// versioned strips /vN.N from the path, refuses a version out of range
// as dockerd does (400, with the range in the message), and answers an
// unknown route with the API's 404.
func (d *Daemon) versioned(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.logf("%s %s", r.Method, r.URL.RequestURI())
		v := api.Version
		if m := versionedPath.FindStringSubmatch(r.URL.Path); m != nil {
			v = m[1]
			if err := api.ParseVersion(v); err != nil {
				writeError(w, badRequest(err))
				return
			}
			if api.CompareVersions(v, api.Version) > 0 {
				writeError(w, badRequest(fmt.Errorf("client version %s is too new. Maximum supported API version is %s", v, api.Version)))
				return
			}
			if api.CompareVersions(v, api.MinVersion) < 0 {
				writeError(w, badRequest(fmt.Errorf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", v, api.MinVersion)))
				return
			}
			r2 := r.Clone(context.WithValue(r.Context(), versionKey{}, v))
			r2.URL.Path = m[2]
			r2.URL.RawPath = ""
			r = r2
		}
		w.Header().Set("Api-Version", api.Version)
		w.Header().Set("Server", "minidocker/"+d.version+" ("+runtime.GOOS+")")
		if _, pattern := mux.Handler(r); pattern == "" {
			writeError(w, &statusError{http.StatusNotFound, "page not found"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request's body into v; an empty body leaves v as
// it is.
func readJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	err := json.NewDecoder(r.Body).Decode(v)
	if err != nil && err.Error() != "EOF" {
		return badRequest(fmt.Errorf("invalid JSON body: %w", err))
	}
	return nil
}

// boolValue reads a query flag as dockerd does: absent, "", "0", "no",
// "false" and "none" are false, anything else true.
func boolValue(r *http.Request, name string) bool {
	s := strings.ToLower(strings.TrimSpace(r.URL.Query().Get(name)))
	return !(s == "" || s == "0" || s == "no" || s == "false" || s == "none")
}

// flush sends what has been written so far: streams (pull, logs -f,
// events, wait) are read while they are written.
func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
