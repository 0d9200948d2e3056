package minidocker

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/minidocker/minidocker/images"
)

// progress shows a pull's or a push's events as docker does: on a
// terminal, a line per layer redrawn in place with a bar; otherwise a
// plain line for each change of status, the moving ones (Downloading,
// Extracting, Pushing) left out.
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line map[string]int // the row of each layer's line, from the first
	rows int
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && isTerminal(f), line: map[string]int{}}
}

func (p *progress) update(e images.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	moving := e.Total > 0 && e.Status != images.StatusPushed
	if !p.tty {
		if !moving {
			fmt.Fprintf(p.w, "%s: %s\n", e.ID, e.Status)
		}
		return
	}
	text := e.ID + ": " + e.Status
	if moving {
		text += " " + progressBar(e.Current, e.Total)
	}
	i, ok := p.line[e.ID]
	if !ok {
		p.line[e.ID] = p.rows
		p.rows++
		fmt.Fprintf(p.w, "\x1b[2K%s\n", text)
		return
	}
	// Up to the layer's line, rewrite it, back down.
	up := p.rows - i
	fmt.Fprintf(p.w, "\x1b[%dA\x1b[2K\r%s\x1b[%dB\r", up, text, up)
}

func (p *progress) done() {}

// progressBar is docker's: [=====>     ]  1.2MB/2.22MB.
func progressBar(cur, total int64) string {
	n := min(int(float64(cur)/float64(total)*100)/2, 50)
	return fmt.Sprintf("[%s>%s] %8v/%v", strings.Repeat("=", n), strings.Repeat(" ", 50-n),
		humanSize(uint64(cur)), humanSize(uint64(total)))
}
