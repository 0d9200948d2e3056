package daemon

import (
	"testing"

	"github.com/minidocker/minidocker/testscript"
)

func TestMain(m *testing.M) { testscript.Main(m) }

// TestTranscripts runs testdata/*.txtar: the chapter's claims, each a line
// that fails if the claim stops being true.
func TestTranscripts(t *testing.T) { testscript.Run(t, "testdata") }
