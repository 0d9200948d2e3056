package testscript

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ts "github.com/rogpeppe/go-internal/testscript"

	"github.com/minidocker/minidocker/network"
	"github.com/minidocker/minidocker/network/nettest"
)

// stateRoot is where a transcript's minidocker keeps its state when the
// transcript names no --root: $WORK/.minidocker (MINIDOCKER_ROOT), never
// the machine's /var/lib/minidocker.
const stateRoot = ".minidocker"

// setup prepares a transcript: the leak checks, and its own state root.
// At its end (deferred, so in the reverse order): the cleaners finish,
// then the processes and mounts are checked, then the network.
func setup(e *ts.Env) error {
	e.Setenv("MINIDOCKER_ROOT", filepath.Join(e.WorkDir, stateRoot))
	if err := watchNetwork(e); err != nil {
		return err
	}
	if err := watchLeaks(e); err != nil {
		return err
	}
	work := e.WorkDir
	e.Defer(func() { waitCleaners(work) })
	return nil
}

// watchNetwork makes a transcript fail if it left a user-defined
// network's bridge or a veth of a root in $WORK on the host, and removes
// them (with their rules, putting ip_forward back): $WORK and the state
// that could clean them go with the transcript. The default network's
// bridge is no leak: it stays between containers, as docker0 does, and is
// removed here as `network prune` would. Where the test binary has a network namespace of its
// own (MainNetns), the whole of the namespace's network state must be as
// before: links, addresses, routes, nftables and iptables rules, sysctls.
func watchNetwork(e *ts.Env) error {
	var before nettest.State
	if nettest.Private() {
		var err error
		if before, err = nettest.Snapshot(); err != nil {
			return err
		}
	}
	work := e.WorkDir
	e.Defer(func() {
		removed, err := network.CleanHost(work)
		var leaks []string
		for _, r := range removed {
			if !r.Default {
				leaks = append(leaks, "network: left behind, removed: "+r.String())
			}
		}
		if err != nil {
			leaks = append(leaks, "network: clean up: "+err.Error())
		}
		if before != nil {
			after, err := nettest.Snapshot()
			if err != nil {
				leaks = append(leaks, err.Error())
			}
			leaks = append(leaks, nettest.Diff(before, after)...)
		}
		if len(leaks) > 0 {
			e.T().Fatal("leak check: the transcript left the host's network changed:\n\t" + strings.Join(leaks, "\n\t"))
		}
	})
	return nil
}

// MainNetns is Main for tests that change the host's network: the test
// binary runs in a network namespace of its own, which stands in for the
// host (nettest.Main), and its transcripts one at a time, so that each
// can be checked to leave that namespace's network exactly as it was.
func MainNetns(m *testing.M) {
	if f := testingFlag("test.parallel"); f != nil {
		f.Value.Set("1")
	}
	ts.Main(netnsM{m}, programs)
}

type netnsM struct{ m *testing.M }

func (n netnsM) Run() int { return nettest.Run(n.m) }

// cmdFetch GETs a URL from the host and writes the body to stdout; it
// tries again for a while if nothing listens yet (a container starting
// in the background): fetch [-in NETNS] URL. With -in, the connection is
// made in the network namespace NETNS (a /proc/PID/ns/net: $REMOTE).
func cmdFetch(s *ts.TestScript, neg bool, args []string) {
	var in string
	if len(args) == 3 && args[0] == "-in" {
		in, args = args[1], args[2:]
	}
	if len(args) != 1 {
		s.Fatalf("usage: fetch [-in NETNS] URL")
	}
	c := http.Client{Timeout: 5 * time.Second}
	if in != "" {
		c.Transport = &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialIn(in, network, addr)
		}}
	}
	var body []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var resp *http.Response
		resp, err = c.Get(args[0])
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("%s", resp.Status)
			}
			break
		}
		var op *net.OpError
		if !errors.As(err, &op) || time.Now().After(deadline) || neg {
			break
		}
	}
	switch {
	case err != nil && !neg:
		s.Fatalf("fetch %s: %v", args[0], err)
	case err == nil && neg:
		s.Fatalf("fetch %s: answered, want no answer", args[0])
	}
	s.Stdout().Write(body)
}

// cmdNetstate writes the host's network state to FILE: links, addresses,
// routes, nftables and iptables rules, the forwarding sysctls, as the
// usual tools print them: netstate FILE. Two files compare with cmp.
func cmdNetstate(s *ts.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		s.Fatalf("usage: netstate FILE")
	}
	st, err := nettest.Snapshot()
	if err != nil {
		s.Fatalf("netstate: %v", err)
	}
	var keys []string
	for k := range st {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "## %s\n%s\n", k, strings.TrimRight(st[k], "\n"))
	}
	if err := os.WriteFile(s.MkAbs(args[0]), []byte(b.String()), 0o644); err != nil {
		s.Fatalf("netstate: %v", err)
	}
}
