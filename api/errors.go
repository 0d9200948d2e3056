package api

import "errors"

var (
	// ErrBadVersion is an API version that is not MAJOR.MINOR.
	ErrBadVersion = errors.New("invalid API version")
	// ErrBadFrame is a multiplexed stream that does not parse.
	ErrBadFrame = errors.New("bad stream frame")
)

// ErrorResponse is the body of every error the API returns, with a status
// code that says what kind it is (400 a bad parameter, 404 no such
// object, 409 a conflict, 500 the daemon's own failure). The docker CLI
// prints it as "Error response from daemon: MESSAGE".
type ErrorResponse struct {
	Message string `json:"message"`
}

// Error is an error response as a client receives it.
type Error struct {
	StatusCode int
	Message    string
}

func (e *Error) Error() string { return e.Message }
