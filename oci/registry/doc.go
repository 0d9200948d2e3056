// Package registry is a client of the OCI distribution API (the Docker
// Registry HTTP API v2): manifests and blobs pulled and pushed over HTTP,
// as docker, containerd and go-containerregistry do it.
//
// A Client holds what outlives one request: the HTTP transport, the
// credentials (a Keychain, e.g. ~/.docker/config.json), the tokens the
// registries granted, and the retry policy. A Repository is one
// repository of one registry:
//
//	GET  /v2/                              ping: 200, or 401 with WWW-Authenticate
//	GET  /v2/NAME/manifests/REF            a manifest or index (Accept: every type we read)
//	HEAD /v2/NAME/manifests/REF            its digest, type and size
//	GET  /v2/NAME/blobs/DIGEST             a blob (Range: bytes=N- to resume)
//	HEAD /v2/NAME/blobs/DIGEST             is it there?
//	POST /v2/NAME/blobs/uploads/           start an upload (?mount=&from= to mount)
//	PATCH, PUT LOCATION?digest=            send it, in chunks or at once
//	PUT  /v2/NAME/manifests/TAG            name the manifest
//
// Every blob and manifest read is checked against its digest; a request
// that fails on 5xx, 429 or a dropped connection is retried with backoff;
// redirects are followed without carrying the Authorization header to
// another host; and WithDebug prints each exchange, secrets left out.
package registry
