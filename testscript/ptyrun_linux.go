package testscript

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const ptyrunUsage = "usage: ptyrun [-size ROWSxCOLS] [-resize ROWSxCOLS] [-input TEXT] CMD [ARGS...]"

// ptyrunTimeout bounds a run: a command that waits for input it never
// gets must not hang the test.
const ptyrunTimeout = 60 * time.Second

// ptyrun runs CMD on a new pseudo-terminal, as if typed at one: its output
// comes from the terminal (with "\r\n" made "\n" again), -input is typed
// after its first output, and -resize changes the window size after its
// first line that says "ready".
func ptyrun(args []string) int {
	fl := flag.NewFlagSet("ptyrun", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	size := fl.String("size", "24x80", "")
	resize := fl.String("resize", "", "")
	input := fl.String("input", "", "")
	if err := fl.Parse(args); err != nil || fl.NArg() == 0 {
		if err != nil {
			fmt.Fprintf(os.Stderr, "ptyrun: %v\n", err)
		}
		fmt.Fprintln(os.Stderr, ptyrunUsage)
		return 2
	}
	ws, err := parseWinsize(*size)
	var newWS *unix.Winsize
	if err == nil && *resize != "" {
		newWS, err = parseWinsize(*resize)
	}
	var text string
	if err == nil {
		text, err = unquoteInput(*input)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ptyrun: %v\n%s\n", err, ptyrunUsage)
		return 2
	}

	master, mfd, slave, err := openPTY()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ptyrun: %v\n", err)
		return 125
	}
	if err := unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, ws); err != nil {
		fmt.Fprintf(os.Stderr, "ptyrun: set window size: %v\n", err)
		return 125
	}
	cmd := exec.Command(fl.Arg(0), fl.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// A session of its own with the pty as controlling terminal, so ^C,
	// SIGWINCH and SIGHUP reach it as at a real terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	slave.Close() // EIO on the master then means CMD's side is all closed
	if err != nil {
		return childExit("ptyrun", err)
	}

	copied := make(chan struct{})
	go func() {
		relay(master, mfd, text, newWS)
		close(copied)
	}()

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	timedOut := false
	select {
	case err = <-waited:
	case <-time.After(ptyrunTimeout):
		timedOut = true
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
	}
	// What CMD wrote before it exited is still to be read; a child of CMD
	// that keeps the terminal open must not hold us.
	select {
	case <-copied:
	case <-time.After(2 * time.Second):
	}
	if timedOut {
		fmt.Fprintf(os.Stderr, "ptyrun: killed %s after %v\n", fl.Arg(0), ptyrunTimeout)
		return 124
	}
	return childExit("ptyrun", err)
}

// relay copies the terminal's output to stdout until CMD's side is
// closed, types text after the first output (a prompt without a newline
// counts) and sets the window size newWS after the first line that says
// "ready".
func relay(master *os.File, mfd int, text string, newWS *unix.Winsize) {
	out := crlfWriter{w: os.Stdout}
	defer out.Flush()
	var line []byte
	typed, resized := text == "", newWS == nil
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if n > 0 && !typed {
			typed = true
			go master.Write([]byte(text)) // not to stop reading if it blocks
		}
		for _, b := range buf[:n] {
			if resized {
				break
			}
			if b != '\n' {
				line = append(line, b)
				continue
			}
			if bytes.Contains(line, []byte("ready")) {
				resized = true
				unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, newWS)
			}
			line = line[:0]
		}
		if err != nil { // EIO once the last holder of the slave closed it
			return
		}
	}
}

// openPTY opens a new pseudo-terminal pair, as posix_openpt, unlockpt and
// ptsname do. mfd is the master's descriptor for ioctls: master.Fd()
// would switch it to blocking mode.
func openPTY() (master *os.File, mfd int, slave *os.File, err error) {
	mfd, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	master = os.NewFile(uintptr(mfd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, 0, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(mfd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, 0, nil, fmt.Errorf("get pty number: %w", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.FormatUint(uint64(n), 10), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, 0, nil, fmt.Errorf("open pty: %w", err)
	}
	return master, mfd, slave, nil
}

// parseWinsize reads ROWSxCOLS.
func parseWinsize(s string) (*unix.Winsize, error) {
	r, c, ok := strings.Cut(s, "x")
	rows, err1 := strconv.ParseUint(r, 10, 16)
	cols, err2 := strconv.ParseUint(c, 10, 16)
	if !ok || err1 != nil || err2 != nil || rows == 0 || cols == 0 {
		return nil, fmt.Errorf("window size %q is not ROWSxCOLS", s)
	}
	return &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}, nil
}

// unquoteInput decodes Go escapes (\n, \r, \x03, ...) in s, which the
// transcript passes in single quotes, as the body of a Go string.
func unquoteInput(s string) (string, error) {
	var q strings.Builder
	q.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			q.WriteString(s[i : i+2])
			i++
		case s[i] == '"':
			q.WriteString(`\"`)
		default:
			q.WriteByte(s[i])
		}
	}
	q.WriteByte('"')
	text, err := strconv.Unquote(q.String())
	if err != nil {
		return "", fmt.Errorf("input %q: bad escape", s)
	}
	return text, nil
}

// crlfWriter turns the terminal's line ends back into "\n": "\r\n", and
// "\r\r\n" too, which a program that writes "\r\n" to a terminal with
// ONLCR set shows on screen just the same. A chunk may end between them.
type crlfWriter struct {
	w  io.Writer
	cr int // '\r's seen and not yet written
}

func (c *crlfWriter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+c.cr)
	for _, b := range p {
		switch {
		case b == '\r':
			c.cr++
			continue
		case b != '\n':
			out = append(out, bytes.Repeat([]byte{'\r'}, c.cr)...)
		}
		c.cr = 0
		out = append(out, b)
	}
	_, err := c.w.Write(out)
	return len(p), err
}

// Flush writes the '\r's held back at the end.
func (c *crlfWriter) Flush() error {
	if c.cr == 0 {
		return nil
	}
	_, err := c.w.Write(bytes.Repeat([]byte{'\r'}, c.cr))
	c.cr = 0
	return err
}
