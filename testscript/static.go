package testscript

import (
	"debug/elf"
	"errors"
	"fmt"
)

// staticELF reports whether path is an ELF executable without a program
// interpreter (PT_INTERP): one that runs in a root filesystem with no
// dynamic loader and no libc. Other formats (Mach-O on a Mac) are not.
func staticELF(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return false, nil
		}
		return false, fmt.Errorf("read ELF headers of %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}
