package ns

// message is what the container's init sends its parent over the sync
// socket. A close of the socket without a message means the command was
// executed (the socket is close-on-exec).
type message struct {
	Type  string `json:"type"`            // "error", "pty" (the terminal's master fd rides along) or "exec" (waits for a byte back)
	Code  int    `json:"code,omitempty"`  // exit code for an error
	Error string `json:"error,omitempty"` // one line, for the user
}
