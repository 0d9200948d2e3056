package testscript

import "testing"

func TestConditionErrors(t *testing.T) {
	for _, cond := range []string{"bogus", "cgroup2:", "root:x"} {
		if _, err := condition(cond); err == nil {
			t.Errorf("condition %q: no error", cond)
		}
	}
}

// TestRamdiskCondition: [ramdisk] holds only for a ramdisk named by
// MINIDOCKER_TEST_RAMDISK (the VM tier's guest has them); never for
// another device or file, which a transcript would overwrite.
func TestRamdiskCondition(t *testing.T) {
	for _, dev := range []string{"", "/dev/null", "/nonexistent", t.TempDir()} {
		t.Setenv(RamdiskEnv, dev)
		if ok, err := condition("ramdisk"); ok || err != nil {
			t.Errorf("%s=%q: [ramdisk] = %v, %v; want false", RamdiskEnv, dev, ok, err)
		}
	}
}
