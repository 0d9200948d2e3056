package daemon

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/minidocker/minidocker/engine"
)

// errStop ends a walk of the events early, without an error.
var errStop = errors.New("stop")

// hub follows the engine's events for the daemon's own use: a wait
// learns a container's exit code from its die event (a --rm container
// has no state left to read after it), an attach learns when to stop.
// Every process on the root writes events, so the hub sees containers
// the daemonless command line starts too.
type hub struct {
	mu   sync.Mutex
	subs map[chan engine.Event]string // to the container ID it is for
	n    int                          // GET /events listeners, for docker info
}

func newHub(ctx context.Context, e *engine.Engine) *hub {
	h := &hub{subs: map[chan engine.Event]string{}}
	go func() {
		for ctx.Err() == nil {
			e.Events(ctx, time.Time{}, true, func(ev engine.Event) error {
				h.publish(ev)
				return nil
			})
			select { // the file could not be read: try again
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return h
}

// subscribe returns a channel of the events about container id, from
// now on, and how to stop them.
func (h *hub) subscribe(id string) (<-chan engine.Event, func()) {
	ch := make(chan engine.Event, 64)
	h.mu.Lock()
	h.subs[ch] = id
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

func (h *hub) publish(ev engine.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, id := range h.subs {
		if id != ev.ID {
			continue
		}
		select {
		case ch <- ev:
		default: // a subscriber that does not read loses events, nobody else does
		}
	}
}

func (h *hub) addListener(n int) {
	h.mu.Lock()
	h.n += n
	h.mu.Unlock()
}

func (h *hub) listeners() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// contextUntil is ctx ended at t.
func contextUntil(ctx context.Context, t time.Time) (context.Context, func()) {
	return context.WithDeadline(ctx, t)
}
