// Package archive imports and exports image archives: `docker save`
// tarballs (manifest.json, in the legacy layout of Docker ≤ 24 and the
// OCI one of Docker 25+) and OCI archives (an image layout in a tar), to
// and from an OCI image layout. Every blob is checked against its digest
// on the way in.
package archive
