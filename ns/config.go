// Package ns starts a process in new Linux namespaces on its own root
// filesystem: the part of Docker that libcontainer (runc) does.
//
// The parent side (Start) clones the container's init with namespace flags;
// the init is the minidocker binary re-executed with a hidden "init"
// subcommand (Init), which sets up the root filesystem, the hostname and the
// user, then executes the container's command in place of itself.
package ns

import (
	"os"

	"github.com/minidocker/minidocker/unionfs/mount"
)

// Config is everything the container's init needs. The parent sends it to the
// child over the sync socket as JSON.
type Config struct {
	Rootfs   string   // root filesystem directory on the host
	Args     []string // command and arguments, Args[0] looked up in PATH
	Env      []string // KEY=VALUE
	Cwd      string   // working directory inside the container, created if missing
	User     string   // "uid[:gid]" or "name[:group]", resolved in the container's /etc/passwd
	Hostname string
	Tty      bool // the command gets a new pseudo-terminal from the container's devpts
	// ConsoleSize is the terminal's size when the command starts, with Tty
	// (as OCI's process.consoleSize): set later, the change would reach the
	// command as a SIGWINCH it did not ask for.
	ConsoleSize ConsoleSize
	Init        bool // run a small reaper as PID 1 that forwards signals and reaps zombies
	ReadOnly    bool // mount the root filesystem read-only

	// Capabilities bound what the command may hold: exactly these, by name
	// (CAP_CHOWN, ...). DefaultCapabilities are Docker's.
	Capabilities []string

	// Rootless is set when the caller is not root: a user namespace maps the
	// caller to root inside and device nodes are bind-mounted from the host.
	Rootless bool
	UIDMap   []IDMap
	GIDMap   []IDMap

	MaskedPaths   []string // made unreadable: /dev/null over files, an empty read-only tmpfs over dirs
	ReadonlyPaths []string // bind-mounted read-only

	// RootfsMounts make the root filesystem on Rootfs (an empty directory
	// then): the image's layers as an overlay, from the snapshot store.
	// The init performs them in the container's mount namespace, so they
	// go away with it and never show on the host.
	RootfsMounts []mount.Mount `json:",omitempty"`
	// Mounts are the container's volumes, binds and tmpfs mounts, made
	// after pivot_root (mountVolumes).
	Mounts []Mount `json:",omitempty"`
	// HostNetwork shares the caller's network namespace (--network host)
	// instead of a new one.
	HostNetwork bool `json:",omitempty"`
	// Cgroup, if set, is the cgroup the init is born in (the parent's side:
	// not sent to the init). Start clones straight into it.
	Cgroup Cgroup `json:"-"`
	// BeforeExec, if set, runs in the parent when the init is done with
	// its own work and about to exec the command (for limits the init's Go
	// runtime would trip over, such as pids.max, which counts its threads).
	BeforeExec func() error `json:"-"`
	// Prestart, if set, runs in the parent with the init's PID at the same
	// moment, before BeforeExec: the container's namespaces exist, its
	// command has not started. It is OCI's prestart hook, where
	// libnetwork gives the container its interfaces; so does minidocker.
	Prestart func(pid int) error `json:"-"`
	// Keeper, if set, makes the init the child of a process forked for
	// it, which outlives the caller: see Keeper.
	Keeper *Keeper `json:"-"`
	// WaitBeforeExec tells the init to wait for BeforeExec (set by Start).
	WaitBeforeExec bool
}

// Cgroup is a cgroup a container's init is placed in before it runs
// anything: *cgroup.Cgroup.
type Cgroup interface {
	Open() (*os.File, error) // its directory, for clone3's CLONE_INTO_CGROUP
	AddProc(pid int) error   // where the kernel lacks CLONE_INTO_CGROUP
}

// ConsoleSize is a terminal's size in characters; zero is unknown.
type ConsoleSize struct {
	Rows, Cols uint16
}

// IDMap is one line of /proc/PID/uid_map or gid_map.
type IDMap struct {
	ContainerID, HostID, Size int
}

// DefaultMaskedPaths and DefaultReadonlyPaths are Docker's (moby oci/defaults.go):
// kernel interfaces that leak host information or let a container change the host.
var (
	DefaultMaskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
	DefaultReadonlyPaths = []string{
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	}
)

// DefaultPath is the PATH docker gives a container whose image sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
