package engine

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Events written by several writers at once arrive whole, each once, in
// the order of the file, across a rotation.
func TestEventsFollowAcrossRotation(t *testing.T) {
	e, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan Event, 100)
	started := make(chan struct{})
	go e.Events(ctx, time.Time{}, true, func(ev Event) error {
		if ev.Action == "ready" {
			close(started)
			return nil
		}
		got <- ev
		return nil
	})
	// The follower starts at the end: wait until it reads.
	for done := false; !done; {
		e.record(Event{Time: time.Now(), Type: "container", Action: "ready"})
		select {
		case <-started:
			done = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Fill the file near the limit so the writers below rotate it.
	big := make([]byte, eventsMax-4096)
	for i := range big {
		big[i] = ' '
	}
	f, _ := os.OpenFile(e.eventsPath(), os.O_WRONLY|os.O_APPEND, 0)
	f.Write(append(big, '\n'))
	f.Close()
	const writers, each = 4, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				e.record(Event{Time: time.Now(), Type: "container", Action: "start", ID: fmt.Sprintf("%d-%d", w, i)})
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for len(seen) < writers*each {
		select {
		case ev := <-got:
			if seen[ev.ID] {
				t.Fatalf("event %s twice", ev.ID)
			}
			seen[ev.ID] = true
		case <-timeout:
			t.Fatalf("got %d of %d events", len(seen), writers*each)
		}
	}
	if _, err := os.Stat(e.eventsPath() + ".1"); err != nil {
		t.Errorf("not rotated: %v", err)
	}
	// Since the start: the rotated file's events come too.
	var n int
	e.Events(ctx, time.Unix(1, 0), false, func(ev Event) error {
		if ev.Action == "start" {
			n++
		}
		return nil
	})
	if n != writers*each {
		t.Errorf("since: %d start events, want %d", n, writers*each)
	}
}
