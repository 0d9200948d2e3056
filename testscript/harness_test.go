package testscript

import (
	"runtime"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// TestHarness runs testdata/*.txtar: each command, program and condition
// of this package against ordinary host programs.
func TestHarness(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the harness's programs and checks are Linux's")
	}
	Run(t, "testdata")
}
