package cgroup

import (
	"errors"
	"testing"
)

// run interprets the filter for one access, as the kernel would.
func run(t *testing.T, p []bpfInsn, typ, access, major, minor uint32) uint64 {
	var r [11]uint64
	ctx := [3]uint32{typ | access<<16, major, minor}
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		switch in.code {
		case opLdxW:
			r[in.dst] = uint64(ctx[in.off/4])
		case opMovReg:
			r[in.dst] = r[in.src]
		case opMovImm:
			r[in.dst] = uint64(int64(in.imm))
		case opAndImm:
			r[in.dst] &= uint64(int64(in.imm))
		case opRshImm:
			r[in.dst] >>= uint(in.imm)
		case opJneImm:
			if r[in.dst] != uint64(int64(in.imm)) {
				pc += int(in.off)
			}
		case opExit:
			return r[0]
		default:
			t.Fatalf("unknown opcode %#x", in.code)
		}
	}
	t.Fatal("fell off the end of the program")
	return 0
}

func TestDeviceFilter(t *testing.T) {
	p, err := deviceFilter(DefaultDevices)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                      string
		typ, access, major, minor uint32
		allow                     bool
	}{
		{"read /dev/null", devChar, accRead, 1, 3, true},
		{"write /dev/null", devChar, accWrite, 1, 3, true},
		{"read and write /dev/zero", devChar, accRead | accWrite, 1, 5, true},
		{"a pty", devChar, accRead | accWrite, 136, 7, true},
		{"mknod a disk", devBlock, accMknod, 8, 0, true},
		{"read a disk", devBlock, accRead, 8, 0, false},
		{"write a disk", devBlock, accWrite, 254, 0, false},
		{"read /dev/mem", devChar, accRead, 1, 1, false},
		{"read /dev/kmsg", devChar, accRead, 1, 11, false},
		{"fuse", devChar, accRead, 10, 229, false},
	} {
		if got := run(t, p, tc.typ, tc.access, tc.major, tc.minor) == 1; got != tc.allow {
			t.Errorf("%s: allowed = %v, want %v", tc.name, got, tc.allow)
		}
	}
	if _, err := deviceFilter([]DeviceRule{{'x', 1, 1, "r"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a rule of type x: %v", err)
	}
	if _, err := deviceFilter([]DeviceRule{{'c', 1, 1, "rx"}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a rule with access x: %v", err)
	}
	if got := encode(p[:1]); len(got) != 8 || got[0] != opLdxW || got[1] != regType|regCtx<<4 {
		t.Errorf("encode = %x", got)
	}
}
