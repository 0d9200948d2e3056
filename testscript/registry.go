package testscript

import (
	"flag"
	"fmt"
	"os"
	"strings"

	ts "github.com/rogpeppe/go-internal/testscript"

	"github.com/minidocker/minidocker/oci/registry/registrytest"
)

// cmdRegistry starts a real registry (Debian's docker-registry) for the
// transcript, on 127.0.0.1 at a free port, with its storage in $WORK,
// stopped by PID when the transcript ends:
//
//	registry start [-basic] [VAR]
//
// sets $VAR (default REGISTRY) to its host:port. With -basic it wants
// Basic auth, and $VAR_USER and $VAR_PASSWORD are the user it made.
func cmdRegistry(s *ts.TestScript, neg bool, args []string) {
	if neg {
		s.Fatalf("unsupported: ! registry")
	}
	fs := flag.NewFlagSet("registry", flag.ContinueOnError)
	basic := fs.Bool("basic", false, "Basic auth, with a provisioned user")
	if len(args) == 0 || args[0] != "start" || fs.Parse(args[1:]) != nil || fs.NArg() > 1 {
		s.Fatalf("usage: registry start [-basic] [VAR]")
	}
	name := "REGISTRY"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	dir := s.MkAbs(".registry-" + strings.ToLower(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.Fatalf("registry: %v", err)
	}
	r, err := registrytest.Run(dir, registrytest.Options{Basic: *basic})
	if err != nil {
		s.Fatalf("registry: %v", err)
	}
	s.Defer(func() {
		if err := r.Stop(); err != nil {
			s.Logf("registry: %v", err)
		}
	})
	s.Setenv(name, r.Addr)
	if *basic {
		s.Setenv(name+"_USER", r.User)
		s.Setenv(name+"_PASSWORD", r.Password)
	}
	s.Logf("%s serves on %s (pid %s)", registrytest.Program, r.Addr, fmt.Sprint(r.PID()))
}
