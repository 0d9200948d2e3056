package testscript

import "testing"

func TestConditionErrors(t *testing.T) {
	for _, cond := range []string{"bogus", "cgroup2:", "root:x"} {
		if _, err := condition(cond); err == nil {
			t.Errorf("condition %q: no error", cond)
		}
	}
}
