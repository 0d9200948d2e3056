package networks

import (
	"testing"

	"github.com/minidocker/minidocker/testscript"
)

// The transcripts change the host's network: bridges, veth pairs, rules,
// ip_forward. They run in a network namespace of the test binary's own,
// which stands in for the host, one at a time, and each must leave it as
// it found it (MainNetns).
func TestMain(m *testing.M) { testscript.MainNetns(m) }

// TestTranscripts runs testdata/*.txtar: the chapter's claims, each a line
// that fails if the claim stops being true.
func TestTranscripts(t *testing.T) { testscript.Run(t, "testdata") }
