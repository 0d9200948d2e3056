package daemon

import (
	"testing"

	"github.com/minidocker/minidocker/testscript"
)

// The daemon's containers get the default bridge, and the networks
// transcript makes more: the transcripts run in a network namespace of
// the test binary's own, which stands in for the host, one at a time,
// and each must leave it as it found it (MainNetns), as chapter 09's.
func TestMain(m *testing.M) { testscript.MainNetns(m) }

// TestTranscripts runs testdata/*.txtar: the chapter's claims, each a line
// that fails if the claim stops being true.
func TestTranscripts(t *testing.T) { testscript.Run(t, "testdata") }
