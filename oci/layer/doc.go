// Package layer unpacks an image layer (a tar stream, gzip- or
// zstd-compressed or plain) into a directory, in one pass: the blob's
// digest and the uncompressed stream's diff ID are checked while the
// files are written, and every path is resolved inside the target
// directory by the kernel (openat2 RESOLVE_IN_ROOT), so no entry can
// create, change or link anything outside it.
//
// Whiteouts (".wh.NAME", ".wh..wh..opq") are either applied, deleting in
// the target (for a copying snapshotter that extracts each layer over a
// copy of its parent), or converted to overlayfs's own form (0/0 character
// devices and the opaque xattr) for an overlay lower directory.
package layer
