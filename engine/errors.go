package engine

import (
	"errors"
	"fmt"
)

var (
	// ErrNoSuchContainer is a name or ID that names no container.
	ErrNoSuchContainer = errors.New("No such container")
	// ErrAmbiguous is an ID prefix that more than one container has.
	ErrAmbiguous = errors.New("multiple containers match")
	// ErrNameInUse is a name another container has.
	ErrNameInUse = errors.New("name is already in use")
	// ErrNotRunning is a command that needs a running container.
	ErrNotRunning = errors.New("is not running")
	// ErrRunning is a command that needs a container that is not running.
	ErrRunning = errors.New("is running")
	// ErrPaused is a command a paused container cannot take.
	ErrPaused = errors.New("is paused")
	// ErrNoSuchVolume is a volume name that names no volume.
	ErrNoSuchVolume = errors.New("no such volume")
	// ErrVolumeInUse is a volume a container still uses.
	ErrVolumeInUse = errors.New("volume is in use")
	// ErrInvalid is a bad argument: a name, a mount, a signal.
	ErrInvalid = errors.New("invalid argument")
	// ErrNoCgroup is a command (pause, stats) that needs the container's cgroup.
	ErrNoCgroup = errors.New("the container has no cgroup")
)

// invalid is a bad argument in docker's own words: errors.Is sees
// ErrInvalid (the daemon answers 400), the message has no prefix.
type invalid struct{ msg string }

func (e *invalid) Error() string        { return e.msg }
func (e *invalid) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error { return &invalid{fmt.Sprintf(format, args...)} }
