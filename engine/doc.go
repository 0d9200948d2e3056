// Package engine is minidocker's engine as a library: what dockerd does
// for a docker CLI, called in-process. It keeps containers on disk under
// one root (a store of config and state, with locks so that concurrent
// commands never corrupt it), starts each container under a small monitor
// process of its own (the minidocker binary again: `minidocker monitor`,
// containerd's shim in Docker) that owns the container's stdio, writes its
// logs and records its exit, enters running containers for exec, and
// keeps named volumes.
//
// Under the root (--root, /var/lib/minidocker by default):
//
//	containers/ID/config.json     what the container was created with
//	containers/ID/state.json      created, running, paused or exited; PIDs, exit code, times
//	containers/ID/lock            flock'ed to change state.json
//	containers/ID/monitor.lock    flock'ed by the monitor for as long as it lives
//	containers/ID/ID-json.log     its output, in docker's json-file format
//	containers/ID/rootfs          where the container's init mounts its layers
//	containers.lock               flock'ed to create or remove a container (names) or a volume
//	volumes/NAME/_data            a named volume's files
//	volumes/NAME/volume.json      its metadata
//	overlay/, vfs/                the snapshot store (unionfs)
package engine
