package minidocker

import (
	"strings"
	"testing"
	"time"
)

// TestHumanDuration: go-units' HumanDuration, which docker's CREATED
// column prints.
func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "Less than a second",
		time.Second:            "1 second",
		45 * time.Second:       "45 seconds",
		90 * time.Second:       "About a minute",
		47 * time.Minute:       "47 minutes",
		65 * time.Minute:       "About an hour",
		30 * time.Hour:         "30 hours",
		5 * 24 * time.Hour:     "5 days",
		20 * 24 * time.Hour:    "2 weeks",
		90 * 24 * time.Hour:    "3 months",
		800 * 24 * time.Hour:   "2 years",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}

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
