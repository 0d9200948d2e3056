package mount

import (
	"slices"
	"testing"
)

func TestLowers(t *testing.T) {
	m := Mount{Type: "overlay", Options: []string{"index=off", `lowerdir=/a:/b\:c:/d`}}
	if got, want := m.Lowers(), []string{"/a", "/b:c", "/d"}; !slices.Equal(got, want) {
		t.Errorf("Lowers() = %q, want %q", got, want)
	}
	if got := escapeLower("/b:c,d"); got != `/b\:c\,d` {
		t.Errorf("escapeLower = %q", got)
	}
	if !(Mount{Options: []string{"rbind", "ro"}}).ReadOnly() || (Mount{Options: []string{"rw"}}).ReadOnly() {
		t.Error("ReadOnly wrong")
	}
}
