package mount

import "testing"

// ForceLegacy is forceLegacy for the external tests.
func ForceLegacy(t testing.TB) { forceLegacy(t) }
