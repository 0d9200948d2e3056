package api

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is the newest API version the daemon speaks (Docker 24's), and
// MinVersion the oldest it accepts (Docker 25 raised it to 1.24). 1.42 is
// where a client may send its terminal's size with the create and the
// exec: the docker CLI drops it for an older daemon and resizes after
// the start, when the command may already have looked.
// A client asks for a version in the path (/v1.43/containers/json), or
// for the daemon's own by giving none; the docker CLI pings first, reads
// the API-Version header and speaks the lower of its version and that.
const (
	Version    = "1.43"
	MinVersion = "1.24"
)

// CompareVersions compares two API versions ("1.41", "1.9") number by
// number: -1 if a < b, 0 if equal, 1 if a > b.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// ParseVersion checks that v looks like an API version: numbers
// separated by dots.
func ParseVersion(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) != 2 {
		return fmt.Errorf("%w: API version %q: want MAJOR.MINOR", ErrBadVersion, v)
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return fmt.Errorf("%w: API version %q: want MAJOR.MINOR", ErrBadVersion, v)
		}
	}
	return nil
}
