// Package content is a content-addressable blob store: a blob is named
// by its digest (sha256 or sha512), and the store never holds a wrong
// byte under a name. A write streams into a temporary file while the size
// and digest are checked, fsyncs it and renames it into place, so a crash
// mid-write leaves nothing that looks complete; a read checks the digest
// again as the blob is read. The layout on disk is an OCI image layout's
// blobs/ directory (blobs/ALG/HEX), so the store's root can be one.
package content
