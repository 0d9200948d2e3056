package engine

import (
	"fmt"
	"time"
)

// StatusText is docker ps' STATUS: "Up 3 seconds", "Exited (0) 2
// minutes ago", "Created". The command line and the daemon print it.
func (c *Container) StatusText(now time.Time) string {
	st := c.State
	switch st.Status {
	case Running:
		return "Up " + HumanDuration(now.Sub(st.StartedAt))
	case Paused:
		return "Up " + HumanDuration(now.Sub(st.StartedAt)) + " (Paused)"
	case Exited:
		if st.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", st.ExitCode) // never ran: a start that failed
		}
		return fmt.Sprintf("Exited (%d) %s ago", st.ExitCode, HumanDuration(now.Sub(st.FinishedAt)))
	case Dead:
		return "Dead"
	}
	return "Created"
}

// HumanDuration is go-units' HumanDuration, docker's "2 weeks" (ago).
func HumanDuration(d time.Duration) string {
	switch s := int(d.Seconds()); {
	case s < 1:
		return "Less than a second"
	case s == 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	}
	switch m := int(d.Minutes()); {
	case m == 1:
		return "About a minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	}
	switch h := int(d.Hours() + 0.5); {
	case h == 1:
		return "About an hour"
	case h < 48:
		return fmt.Sprintf("%d hours", h)
	case h < 24*7*2:
		return fmt.Sprintf("%d days", h/24)
	case h < 24*30*2:
		return fmt.Sprintf("%d weeks", h/24/7)
	case h < 24*365*2:
		return fmt.Sprintf("%d months", h/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}
