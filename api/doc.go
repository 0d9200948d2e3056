// Package api is the Docker Engine API as minidocker speaks it: the
// versions, the JSON shapes of requests and responses, the errors, and
// the framing of a container's streams on a hijacked connection. The
// daemon (package daemon) serves it and the client (package client)
// reads it; the stock docker CLI reads it too, so the field names are
// docker's, written here from the API's reference
// (docs.docker.com/engine/api/v1.43) with the fields minidocker has.
package api
