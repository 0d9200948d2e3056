package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

var (
	// ErrNotFound: the registry has no such manifest, blob or repository.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the registry wants credentials, or refused them.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrDenied: the credentials do not allow this (a pull of a private
	// repository, a push to someone else's).
	ErrDenied = errors.New("denied")
	// ErrDigestMismatch: the bytes served do not hash to the digest asked
	// for: nothing of them may be kept.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrSizeMismatch: more or fewer bytes than the descriptor says.
	ErrSizeMismatch = errors.New("size mismatch")
	// ErrNoPlatform: an index without a manifest for the platform asked.
	ErrNoPlatform = errors.New("no matching manifest")
	// ErrTooLarge: a manifest over MaxManifestSize.
	ErrTooLarge = errors.New("manifest too large")
	// ErrProtocol: a response the API does not allow (no Location after an
	// upload started, a Content-Range that does not start where asked).
	ErrProtocol = errors.New("registry protocol error")
)

// Error is a registry's error response: the HTTP status and the first of
// the errors in its JSON body ({"errors":[{"code":..,"message":..}]}).
// errors.Is matches it against ErrNotFound, ErrUnauthorized, ErrDenied.
type Error struct {
	Status  int
	Code    string // MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, UNAUTHORIZED, DENIED, ...
	Message string
	Method  string
	URL     string
}

func (e *Error) Error() string {
	msg := strings.ToLower(strings.ReplaceAll(e.Code, "_", " "))
	if e.Message != "" && !strings.EqualFold(e.Message, msg) {
		msg += ": " + e.Message
	}
	if msg == "" {
		msg = strings.ToLower(http.StatusText(e.Status))
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, msg)
}

func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound || strings.HasSuffix(e.Code, "_UNKNOWN")
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Code == "UNAUTHORIZED"
	case ErrDenied:
		return e.Status == http.StatusForbidden || e.Code == "DENIED"
	}
	return false
}
