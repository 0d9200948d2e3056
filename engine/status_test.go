package engine

import (
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
		0:                      "Less than a second",
		59 * time.Second:       "59 seconds",
		61 * time.Minute:       "About an hour",
		72 * time.Hour:         "3 days",
		15 * 24 * time.Hour:    "2 weeks",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}
