// Package images is the engine's image store, containerd's in shape: a
// name ("127.0.0.1:5000/busybox:latest") maps to a manifest's descriptor,
// the blobs live in oci/content, and the layers are unpacked into unionfs
// snapshots named by their chain IDs, which a container's snapshot is
// prepared on.
//
// Pull is a pipeline: the layers download at once (three at a time, as
// docker's max-concurrent-downloads), each into the content store, and
// each is extracted into its snapshot while it downloads, reading the
// blob's file as it grows; the extractor checks the digest and the diff
// ID as it goes. No temporary tarball: the blob, kept for a push, is the
// buffer. The image is named only when every blob is verified and every
// layer committed; a pull that fails removes what it made.
//
// For the engine, a container of an image is:
//
//	img, err := store.Get(ctx, "busybox")         // or Pull it when ErrNotFound
//	err = store.Unpack(ctx, img)                  // its snapshots, if a driver change lost them
//	mounts, err := store.Snapshotter().Prepare(ctx, containerID, img.TopLayer())
//	// img.Config.Config: Entrypoint, Cmd, Env, WorkingDir, User, as docker applies them
//
// and rmi refuses an image a container uses through RemoveOptions.InUse;
// a layer a container's snapshot stands on is never removed (unionfs
// refuses, ErrInUse), whatever the store is asked.
package images
