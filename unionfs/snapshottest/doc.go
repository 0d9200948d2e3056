// Package snapshottest is the conformance suite every unionfs storage
// driver runs, like containerd's SnapshotterSuite: real mounts of real
// layers, checked through the mounted tree. It needs Linux and root (each
// test skips with the reason otherwise); every mount it makes is undone in
// t.Cleanup, on failure too.
package snapshottest
