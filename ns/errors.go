package ns

import "errors"

// Exit codes as docker uses them.
const (
	ExitEngine       = 125 // minidocker itself failed
	ExitCannotInvoke = 126 // the command exists but cannot be executed
	ExitNotFound     = 127 // the command does not exist
)

var (
	ErrNotFound     = errors.New("executable file not found in $PATH")
	ErrNoSuchUser   = errors.New("no matching entries in passwd file")
	ErrNoSuchGroup  = errors.New("no matching entries in group file")
	ErrInitInternal = errors.New("init is started by minidocker run, not by hand")

	errInitGone   = errors.New("container init exited before it started")
	errParentGone = errors.New("minidocker exited before the container started")
)

// StartError is the container's init failing before the command ran: the
// message it sent back and the exit code docker would give.
type StartError struct {
	Code int
	Msg  string
}

func (e *StartError) Error() string { return e.Msg }
