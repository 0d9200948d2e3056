package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetEnv(t *testing.T) {
	t.Setenv("FROM_HOST", "h")
	got := SetEnv([]string{"PATH=/bin", "A=1"}, "A=2", "FROM_HOST", "UNSET_ON_HOST", "B=")
	want := []string{"PATH=/bin", "A=2", "FROM_HOST=h", "B="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}
