package minidocker

import (
	"strings"
	"testing"
)

func TestProgressBar(t *testing.T) {
	if got := progressBar(500_000, 1_000_000); got != "["+strings.Repeat("=", 25)+">"+strings.Repeat(" ", 25)+"]    500kB/1MB" {
		t.Errorf("half: %q", got)
	}
	if got := progressBar(2, 1); !strings.HasPrefix(got, "["+strings.Repeat("=", 50)+">]") {
		t.Errorf("over: %q", got)
	}
}

func TestListFormat(t *testing.T) {
	rows := []any{imageRow{Repository: "busybox", Tag: "<none>", ID: "abc"}}
	for f, want := range map[string]string{
		"":                            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\nbusybox      <none>    abc                  \n",
		"{{.Repository}}:{{.Tag}}":    "busybox:<none>\n",
		"table {{.ID}}":               "IMAGE ID\nabc\n",
		`{{json .Tag}} {{upper .ID}}`: "\"<none>\" ABC\n",
	} {
		lf, err := newListFormat(f, imagesTable)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := lf.write(&b, imageHeaders, rows); err != nil || b.String() != want {
			t.Errorf("%q: %q %v, want %q", f, b.String(), err, want)
		}
	}
	if _, err := newListFormat("{{.X", imagesTable); err == nil || !strings.HasPrefix(err.Error(), "template parsing error: ") {
		t.Errorf("a bad template: %v", err)
	}
	lf, _ := newListFormat("{{.Nope}}", imagesTable)
	if err := lf.write(&strings.Builder{}, imageHeaders, rows); err == nil {
		t.Error("a field images does not have")
	}
}
