package vmtest

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
)

// fakeModule is the smallest ELF object with a module's .modinfo: enough
// for modinfoDepends, which is all Kernel reads of a module.
func fakeModule(t *testing.T, depends string) []byte {
	t.Helper()
	modinfo := []byte("license=GPL\x00depends=" + depends + "\x00vermagic=6.1.0 SMP\x00")
	shstrtab := []byte("\x00.modinfo\x00.shstrtab\x00")
	const ehsize, shentsize = 64, 64
	shoff := ehsize + len(modinfo) + len(shstrtab)
	var b bytes.Buffer
	hdr := elf.Header64{
		Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Shoff: uint64(shoff), Ehsize: ehsize, Shentsize: shentsize, Shnum: 3, Shstrndx: 2,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	sections := []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_PROGBITS), Off: ehsize, Size: uint64(len(modinfo)), Addralign: 1},
		{Name: 10, Type: uint32(elf.SHT_STRTAB), Off: uint64(ehsize + len(modinfo)), Size: uint64(len(shstrtab)), Addralign: 1},
	}
	for _, v := range []any{hdr, modinfo, shstrtab, sections} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestModinfoDepends(t *testing.T) {
	for depends, want := range map[string][]string{"": nil, "llc": {"llc"}, "jbd2,mbcache,crc16": {"jbd2", "mbcache", "crc16"}, "snd-pcm": {"snd_pcm"}} {
		got, err := modinfoDepends(fakeModule(t, depends))
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("depends=%q: %q, %v; want %q", depends, got, err, want)
		}
	}
	if _, err := modinfoDepends([]byte("not an ELF")); err == nil {
		t.Error("modinfoDepends of a file that is not ELF: no error")
	}
}

func TestModuleName(t *testing.T) {
	for file, want := range map[string]string{
		"kernel/net/bridge/bridge.ko": "bridge", "kernel/arch/x86/events/amd/amd-uncore.ko.xz": "amd_uncore",
		"kernel/fs/ext4/ext4.ko.zst": "ext4", "kernel/lib/crc16.ko.gz": "crc16",
	} {
		if got := moduleName(file); got != want {
			t.Errorf("moduleName(%s) = %s, want %s", file, got, want)
		}
	}
}

// TestModulesDep: modules.dep in depmod's format (every dependency,
// direct or not, the first to load last), read back into a load order.
func TestModulesDep(t *testing.T) {
	const br, stp, llc, veth = "kernel/net/bridge/bridge.ko", "kernel/net/802/stp.ko", "kernel/net/llc/llc.ko", "kernel/drivers/net/veth.ko"
	dep := formatModulesDep(map[string][]string{br: {llc, stp}, stp: {llc}, llc: {}, veth: {}})
	want := veth + ":\n" + stp + ": " + llc + "\n" + br + ": " + stp + " " + llc + "\n" + llc + ":\n"
	if dep != want {
		t.Errorf("modules.dep:\n%s\nwant:\n%s", dep, want)
	}
	order, err := loadOrder(parseModulesDep(dep), []string{"veth", "bridge", "stp"})
	if want := []string{veth, llc, stp, br}; err != nil || !cmp.Equal(order, want) {
		t.Errorf("load order %q, %v; want %q", order, err, want)
	}
	if _, err := loadOrder(parseModulesDep(dep), []string{"overlay"}); err == nil || !strings.Contains(err.Error(), "overlay") {
		t.Errorf("a module missing from modules.dep: %v, want an error naming it", err)
	}
	if _, err := loadOrder(parseModulesDep(br+": "+stp+"\n"), []string{"bridge"}); err == nil {
		t.Error("a dependency missing from modules.dep: no error")
	}
}

// compressed writes data to file as the suffix says, with Go or the
// host's xz.
func compressed(t *testing.T, file string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	switch {
	case strings.HasSuffix(file, ".ko"):
		b.Write(data)
	case strings.HasSuffix(file, ".gz"):
		z := gzip.NewWriter(&b)
		z.Write(data)
		z.Close()
	case strings.HasSuffix(file, ".zst"):
		z, _ := zstd.NewWriter(&b)
		z.Write(data)
		z.Close()
	case strings.HasSuffix(file, ".xz"):
		if _, err := exec.LookPath("xz"); err != nil {
			t.Skip("needs xz (apt-get install xz-utils) to make a .ko.xz")
		}
		cmd := exec.Command("xz", "-c")
		cmd.Stdin, cmd.Stdout = bytes.NewReader(data), &b
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadModule(t *testing.T) {
	dir := t.TempDir()
	data := fakeModule(t, "llc")
	for _, s := range moduleSuffixes {
		file := filepath.Join(dir, "m"+s)
		compressed(t, file, data)
		got, err := readModule(file)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("readModule(m%s) = %d bytes, %v; want the %d bytes written", s, len(got), err, len(data))
		}
	}
	os.WriteFile(filepath.Join(dir, "bad.ko.xz"), []byte("not xz"), 0o644)
	if _, err := readModule(filepath.Join(dir, "bad.ko.xz")); err == nil || !strings.Contains(err.Error(), "bad.ko.xz") {
		t.Errorf("readModule of a bad .ko.xz: %v, want an error naming it", err)
	}
}

// TestKeepKernel: from an unpacked kernel package with compressed modules,
// the image and the modules asked for with their dependencies are kept,
// decompressed, with a modules.dep; the cache they make is complete for
// those modules, and incomplete (to be fetched again) for another, or
// once a module file or the modules.dep is gone: as in a cache made
// before the modules were kept.
func TestKeepKernel(t *testing.T) {
	const rel = "6.1.0-9-amd64"
	pkg, keep := t.TempDir(), t.TempDir()
	mods := filepath.Join(pkg, "lib", "modules", rel)
	compressed(t, filepath.Join(pkg, "boot", "vmlinuz-"+rel), []byte("image"))
	modules := map[string]string{ // file: depends
		"kernel/net/bridge/bridge.ko.xz": "llc,stp", "kernel/net/802/stp.ko.zst": "llc", "kernel/net/llc/llc.ko.gz": "",
		"kernel/drivers/block/brd.ko": "", "kernel/fs/ext4/ext4.ko": "crc16", "kernel/lib/crc16.ko": "",
	}
	for f, deps := range modules {
		compressed(t, filepath.Join(mods, f), fakeModule(t, deps))
	}
	if err := keepKernel(pkg, keep, []string{"bridge", "brd"}); err != nil {
		t.Fatal(err)
	}
	k, err := cachedKernel(keep, []string{"bridge", "brd"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kernel/net/llc/llc.ko", "kernel/net/802/stp.ko", "kernel/net/bridge/bridge.ko", "kernel/drivers/block/brd.ko"}
	if k.Release != rel || !cmp.Equal(k.Modules, want) {
		t.Errorf("kept %s with %q, want %s with %q", k.Release, k.Modules, rel, want)
	}
	for _, m := range k.Modules {
		data, err := os.ReadFile(filepath.Join(k.Dir, m))
		if _, derr := modinfoDepends(data); err != nil || derr != nil {
			t.Errorf("kept %s: %v, %v; want a plain module", m, err, derr)
		}
	}
	if _, err := os.Stat(filepath.Join(k.Dir, "kernel/fs/ext4/ext4.ko")); err == nil {
		t.Error("kept ext4, which was not asked for")
	}
	if _, err := cachedKernel(keep, []string{"bridge", "ext4"}); err == nil {
		t.Error("a cache without ext4 is complete for ext4")
	}
	os.Remove(filepath.Join(k.Dir, "kernel/net/802/stp.ko"))
	if _, err := cachedKernel(keep, []string{"bridge"}); err == nil {
		t.Error("a cache without stp.ko is complete for bridge")
	}
	os.Remove(filepath.Join(k.Dir, "modules.dep"))
	if _, err := cachedKernel(keep, nil); err == nil || !strings.Contains(err.Error(), "no modules kept") {
		t.Errorf("a cache with no modules.dep: %v, want it incomplete", err)
	}
	if err := keepKernel(pkg, t.TempDir(), []string{"veth"}); err == nil || !strings.Contains(err.Error(), "no module veth") {
		t.Errorf("keeping a module the package lacks: %v, want an error naming it", err)
	}
}
