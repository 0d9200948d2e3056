package netlink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Conn is a NETLINK_ROUTE socket in one network namespace: the one it was
// made in, for as long as it lives, whatever thread uses it later.
type Conn struct {
	fd  int
	seq atomic.Uint32
}

// Dial opens a socket in the caller's network namespace.
func Dial() (*Conn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind netlink socket: %w", err)
	}
	// Extended acks: a refusal comes with the kernel's reason in words.
	// CAP_ACK: the error echoes only the request's header, not all of it.
	unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)
	unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	return &Conn{fd: fd}, nil
}

// DialNetns opens a socket in the network namespace at path
// (/proc/PID/ns/net): made on a thread that joins the namespace for the
// socket call only. A socket keeps the namespace it was made in, so the
// rest of the program never leaves its own.
func DialNetns(path string) (*Conn, error) {
	ns, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	defer ns.Close()
	var c *Conn
	err = InNetns(ns, func() error {
		c, err = Dial()
		return err
	})
	return c, err
}

// InNetns runs fn on a thread that is in the network namespace ns for the
// duration: fn's sockets are made there, and a process it starts is born
// there. The thread goes back to the program's namespace after, or, if it
// cannot, exits with its goroutine instead of serving others in the wrong
// namespace.
func InNetns(ns *os.File, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- fmt.Errorf("open own network namespace: %w", err)
			return
		}
		defer own.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter network namespace: %w", err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("leave network namespace: %w", err))
			return // still locked: the thread ends with the goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Close closes the socket.
func (c *Conn) Close() error { return unix.Close(c.fd) }

// request sends one message and waits for the kernel's answer: the
// acknowledgement, or with NLM_F_DUMP every reply up to NLMSG_DONE, whose
// bodies it returns.
func (c *Conn) request(typ, flags uint16, body []byte) ([][]byte, error) {
	seq := c.seq.Add(1)
	hdr := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	binary.NativeEndian.PutUint32(hdr[0:], uint32(unix.NLMSG_HDRLEN+len(body)))
	binary.NativeEndian.PutUint16(hdr[4:], typ)
	// A dump ends with NLMSG_DONE instead of an ack. (NLM_F_DUMP is two
	// bits, one of them NLM_F_EXCL's on a NEW request: test both.)
	if flags&unix.NLM_F_DUMP != unix.NLM_F_DUMP {
		flags |= unix.NLM_F_ACK
	}
	binary.NativeEndian.PutUint16(hdr[6:], flags|unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(hdr[8:], seq)
	if err := unix.Sendto(c.fd, append(hdr, body...), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	var replies [][]byte
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			l := int(binary.NativeEndian.Uint32(b))
			if l < unix.NLMSG_HDRLEN || l > len(b) {
				return nil, errors.New("netlink: truncated message")
			}
			mtyp := binary.NativeEndian.Uint16(b[4:])
			mflags := binary.NativeEndian.Uint16(b[6:])
			mseq := binary.NativeEndian.Uint32(b[8:])
			m := b[unix.NLMSG_HDRLEN:l]
			if align4(l) >= len(b) {
				b = nil
			} else {
				b = b[align4(l):]
			}
			if mseq != seq {
				continue // a late answer to an earlier request
			}
			switch mtyp {
			case unix.NLMSG_DONE:
				if mflags&unix.NLM_F_DUMP_INTR != 0 {
					return nil, errDumpInterrupted
				}
				return replies, nil
			case unix.NLMSG_ERROR:
				return replies, ackError(m)
			default:
				replies = append(replies, append([]byte(nil), m...)) // buf is read into again
			}
		}
	}
}

var errDumpInterrupted = errors.New("netlink: dump interrupted by a change, try again")

// dump is a request with NLM_F_DUMP, tried again if a change in the middle
// made the kernel flag it inconsistent.
func (c *Conn) dump(typ uint16, body []byte) ([][]byte, error) {
	for i := 0; ; i++ {
		r, err := c.request(typ, unix.NLM_F_DUMP, body)
		if err != errDumpInterrupted || i == 4 {
			return r, err
		}
	}
}

// ackError reads an NLMSG_ERROR: a negative errno (0 is the ack), the
// request's header, and with extended acks the kernel's message.
func ackError(m []byte) error {
	if len(m) < 4 {
		return errors.New("netlink: short error message")
	}
	errno := -int32(binary.NativeEndian.Uint32(m))
	if errno == 0 {
		return nil
	}
	err := error(syscall.Errno(errno))
	// struct nlmsgerr is the errno and the request's header (capped:
	// NETLINK_CAP_ACK), then the extended ack's attributes.
	if len(m) >= unix.SizeofNlMsgerr {
		if as, perr := parseAttrs(m[unix.SizeofNlMsgerr:]); perr == nil {
			if msg := as.str(unix.NLMSGERR_ATTR_MSG); msg != "" {
				err = &kernelError{errno: syscall.Errno(errno), msg: msg}
			}
		}
	}
	return err
}

// kernelError is an errno with the kernel's explanation of it.
type kernelError struct {
	errno syscall.Errno
	msg   string
}

func (e *kernelError) Error() string { return e.errno.Error() + " (" + e.msg + ")" }
func (e *kernelError) Unwrap() error { return e.errno }
