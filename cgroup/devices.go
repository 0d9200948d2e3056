package cgroup

import (
	"encoding/binary"
	"fmt"
)

// DeviceRule allows a kind of device access, as a line of cgroup v1's
// devices.allow ("c 1:3 rwm"): Type 'c' or 'b', Major and Minor -1 for any,
// Access a subset of "rwm" (read, write, mknod).
type DeviceRule struct {
	Type         byte
	Major, Minor int64
	Access       string
}

func (r DeviceRule) String() string {
	num := func(n int64) string {
		if n < 0 {
			return "*"
		}
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), r.Access)
}

// DefaultDevices is docker's allow list for a container that is not
// --privileged: create any device node, but open only these (moby's
// oci/defaults.go and daemon/oci_linux.go). Everything else is refused,
// so root in a container with CAP_MKNOD can make a node for the host's disk
// but not open it.
var DefaultDevices = []DeviceRule{
	{'c', -1, -1, "m"}, {'b', -1, -1, "m"}, // mknod of anything
	{'c', 1, 3, "rwm"},    // /dev/null
	{'c', 1, 5, "rwm"},    // /dev/zero
	{'c', 1, 7, "rwm"},    // /dev/full
	{'c', 1, 8, "rwm"},    // /dev/random
	{'c', 1, 9, "rwm"},    // /dev/urandom
	{'c', 5, 0, "rwm"},    // /dev/tty
	{'c', 5, 1, "rwm"},    // /dev/console
	{'c', 5, 2, "rwm"},    // /dev/ptmx
	{'c', 136, -1, "rwm"}, // /dev/pts/N
	{'c', 10, 200, "rwm"}, // /dev/net/tun
}

// cgroup v2 has no devices.allow: a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the cgroup decides each open and mknod. It gets a struct
// bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where
// access_type is type (1 block, 2 char) | access (1 mknod, 2 read, 4
// write) << 16, and returns 1 to allow, 0 to refuse (EPERM).

// bpfInsn is struct bpf_insn: opcode, dst and src registers, offset, immediate.
type bpfInsn struct {
	code     uint8
	dst, src uint8
	off      int16
	imm      int32
}

// The opcodes the filter uses (<linux/bpf_common.h>, <linux/bpf.h>).
const (
	opLdxW    = 0x61 // dst = *(u32 *)(src + off)
	opMovReg  = 0xbf // dst = src (64-bit)
	opMovImm  = 0xb7 // dst = imm
	opAndImm  = 0x57 // dst &= imm
	opRshImm  = 0x77 // dst >>= imm
	opJneImm  = 0x55 // if dst != imm goto pc + 1 + off
	opExit    = 0x95 // return r0
	devBlock  = 1
	devChar   = 2
	accMknod  = 1
	accRead   = 2
	accWrite  = 4
	regCtx    = 1 // r1: the context
	regType   = 2
	regAccess = 3
	regMajor  = 4
	regMinor  = 5
	regTmp    = 6
)

// deviceFilter compiles rules into the program: the first rule that
// matches allows; none matching refuses.
func deviceFilter(rules []DeviceRule) ([]bpfInsn, error) {
	p := []bpfInsn{
		{code: opLdxW, dst: regType, src: regCtx, off: 0},
		{code: opMovReg, dst: regAccess, src: regType},
		{code: opAndImm, dst: regType, imm: 0xffff},
		{code: opRshImm, dst: regAccess, imm: 16},
		{code: opLdxW, dst: regMajor, src: regCtx, off: 4},
		{code: opLdxW, dst: regMinor, src: regCtx, off: 8},
	}
	for _, r := range rules {
		var typ int32
		switch r.Type {
		case 'c':
			typ = devChar
		case 'b':
			typ = devBlock
		default:
			return nil, fmt.Errorf("device rule %v: %w: type must be c or b", r, ErrInvalid)
		}
		var access int32
		for _, a := range r.Access {
			switch a {
			case 'r':
				access |= accRead
			case 'w':
				access |= accWrite
			case 'm':
				access |= accMknod
			default:
				return nil, fmt.Errorf("device rule %v: %w: access must be of r, w, m", r, ErrInvalid)
			}
		}
		// Each test jumps past the rest of this rule's block when it fails.
		var block []bpfInsn
		block = append(block, bpfInsn{code: opJneImm, dst: regType, imm: typ})
		if r.Major >= 0 {
			block = append(block, bpfInsn{code: opJneImm, dst: regMajor, imm: int32(r.Major)})
		}
		if r.Minor >= 0 {
			block = append(block, bpfInsn{code: opJneImm, dst: regMinor, imm: int32(r.Minor)})
		}
		// Every access asked for must be allowed: (asked &^ allowed) == 0.
		block = append(block,
			bpfInsn{code: opMovReg, dst: regTmp, src: regAccess},
			bpfInsn{code: opAndImm, dst: regTmp, imm: ^access & 7},
			bpfInsn{code: opJneImm, dst: regTmp, imm: 0},
			bpfInsn{code: opMovImm, dst: 0, imm: 1},
			bpfInsn{code: opExit},
		)
		for i := range block {
			if block[i].code == opJneImm {
				block[i].off = int16(len(block) - i - 1)
			}
		}
		p = append(p, block...)
	}
	return append(p, bpfInsn{code: opMovImm, dst: 0, imm: 0}, bpfInsn{code: opExit}), nil
}

// encode is the program as the kernel reads it: 8 bytes an instruction.
func encode(p []bpfInsn) []byte {
	b := make([]byte, 0, 8*len(p))
	for _, in := range p {
		b = append(b, in.code, in.dst|in.src<<4)
		b = binary.LittleEndian.AppendUint16(b, uint16(in.off))
		b = binary.LittleEndian.AppendUint32(b, uint32(in.imm))
	}
	return b
}
