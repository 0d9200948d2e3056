package daemon

import (
	"errors"
	"net/http"

	"github.com/minidocker/minidocker/api"
	"github.com/minidocker/minidocker/engine"
	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/network/ipam"
)

var (
	// errNoSuchExec is an exec ID the daemon does not know.
	errNoSuchExec = errors.New("No such exec instance")
	// errNoImages is an image endpoint of a daemon without an image store.
	errNoImages = errors.New("this daemon has no image store")
	// errNoCommand is an exec without a command.
	errNoCommand = errors.New("No exec command specified")
)

// statusError is an error with the status the API answers it with.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func badRequest(err error) error { return &statusError{http.StatusBadRequest, err.Error()} }

// statusOf is the status code the API gives err, by what kind of error it
// is: dockerd's errdefs classes (NotFound 404, Conflict 409,
// InvalidParameter 400, NotModified 304, the rest 500).
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	for _, c := range statusClasses {
		for _, target := range c.errs {
			if errors.Is(err, target) {
				return c.code
			}
		}
	}
	return http.StatusInternalServerError
}

// statusClasses are the engine's and the image store's sentinel errors,
// by status. imageErrors adds the image store's (see images.go).
var statusClasses = []struct {
	code int
	errs []error
}{
	{http.StatusNotFound, []error{engine.ErrNoSuchContainer, engine.ErrNoSuchVolume, errNoSuchExec, network.ErrNotFound, network.ErrNoContainer}},
	{http.StatusConflict, []error{engine.ErrNameInUse, engine.ErrRunning, engine.ErrNotRunning, engine.ErrPaused, engine.ErrVolumeInUse,
		network.ErrExists, network.ErrNameInUse, network.ErrPortAllocated, network.ErrBridgeTaken, ipam.ErrInUse}},
	// libnetwork's are Forbidden: a network in use, a predefined one, no
	// address or subnet left.
	{http.StatusForbidden, []error{network.ErrActiveEndpoints, network.ErrPredefined, network.ErrSubnetInUse, network.ErrNoSubnet, ipam.ErrExhausted}},
	{http.StatusBadRequest, []error{engine.ErrInvalid, engine.ErrAmbiguous, api.ErrBadVersion, network.ErrBadSpec, network.ErrDisabled, ipam.ErrOutOfRange}},
	{http.StatusNotImplemented, []error{errNoImages}},
}

// writeError answers err as the API does: its status and
// {"message": "..."}; a HEAD gets the status alone.
func writeError(w http.ResponseWriter, err error) {
	code := statusOf(err)
	if code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, api.ErrorResponse{Message: err.Error()})
}
