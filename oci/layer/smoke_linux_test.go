package layer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestExtractGNUTarTree(t *testing.T) {
	src := "/usr/share/doc"
	out := filepath.Join(t.TempDir(), "l.tar")
	if b, err := exec.Command("tar", "-cf", out, "-C", src, ".").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	b, _ := os.ReadFile(out)
	dst := t.TempDir()
	res, err := Extract(context.Background(), bytes.NewReader(b), dst)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if o, err := exec.Command("diff", "-r", "--no-dereference", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, o)
	}
}
