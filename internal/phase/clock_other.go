//go:build !linux

package phase

import "time"

var start = time.Now()

func now() int64 { return int64(time.Since(start)) }
