package testscript

import "flag"

// testingFlag finds one of the testing package's flags (test.parallel),
// registered by the time TestMain runs.
func testingFlag(name string) *flag.Flag { return flag.Lookup(name) }
