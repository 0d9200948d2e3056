// Package vmtest boots Debian's kernel under QEMU (TCG: no KVM needed) with
// a small initramfs, runs commands in the guest and reports their output
// back: a machine with pure cgroup v2 and every controller, for the tests
// this host's hybrid cgroups cannot run. One boot runs every job, in order.
//
// The guest is the kernel, an initramfs holding vminit as /init, a static
// busybox, the kernel's modules of GuestModules and the files the jobs
// need; vminit gives it a tmpfs root, /proc, /sys, /dev and cgroup2 at
// /sys/fs/cgroup, loads the modules (ramdisks, loop, ext4, overlay, veth,
// bridge), and reports each job's output on the serial console between
// markers. README.md says how to use it from another package.
package vmtest

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoQEMU is a machine without qemu-system-x86_64.
var ErrNoQEMU = errors.New("qemu-system-x86_64 not found (apt-get install qemu-system-x86, or make deps as root)")

// Config is one boot of the guest.
type Config struct {
	Kernel  *Kernel // the image and its modules (FindKernel finds or fetches them)
	Init    string  // the vminit binary, static
	Busybox string  // a static busybox (Busybox finds one)
	Files   []Entry // more files for the initramfs
	Jobs    []Job   // run in order; ignored with Shell
	Shell   bool    // an interactive shell on this terminal instead of jobs
	Memory  int     // MiB; 768 if 0
	CPUs    int     // 2 if 0
	Console io.Writer
}

// Result is a job's output and exit code; Exit is -1 if the guest never
// reported its end.
type Result struct {
	Name   string
	Output []string
	Exit   int
	Start  time.Duration // from the boot to the job's start, seen on the console
	Took   time.Duration // from the job's start to its end
}

// Run boots the guest, runs the jobs and powers it off.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return nil, ErrNoQEMU
	}
	dir, err := os.MkdirTemp("", "vmtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	initrd := filepath.Join(dir, "initrd")
	if err := cfg.writeInitramfs(initrd); err != nil {
		return nil, err
	}
	mode := "run"
	if cfg.Shell {
		mode = "shell"
	}
	mem, cpus := cfg.Memory, cfg.CPUs
	if mem == 0 {
		mem = 768
	}
	if cpus == 0 {
		cpus = 2
	}
	// q35, not microvm: microvm's only clock under TCG is the jiffy, and
	// its boot hung now and then calibrating the TSC; q35's HPET does not.
	cmd := exec.CommandContext(ctx, qemu,
		"-M", "q35", "-m", strconv.Itoa(mem), "-smp", strconv.Itoa(cpus),
		"-kernel", cfg.Kernel.Image, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet loglevel=1 vmtest.mode="+mode,
		"-nographic", "-no-reboot", "-nic", "none")
	cmd.Stderr = os.Stderr
	if cfg.Shell {
		cmd.Stdin, cmd.Stdout = os.Stdin, os.Stdout
		return nil, cmd.Run()
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", qemu, err)
	}
	results, tail := parseConsole(out, cfg.Console, time.Now())
	if err := cmd.Wait(); err != nil {
		return results, fmt.Errorf("qemu: %w; the console ended with:\n%s", err, strings.Join(tail, "\n"))
	}
	if len(results) < len(cfg.Jobs) || len(results) > 0 && results[len(results)-1].Exit == -1 {
		return results, fmt.Errorf("the guest stopped before its jobs ended; the console ended with:\n%s", strings.Join(tail, "\n"))
	}
	return results, nil
}

// parseConsole reads the serial console: the jobs' lines behind markers,
// and the last lines of everything, for errors.
func parseConsole(r io.Reader, copyTo io.Writer, boot time.Time) (results []Result, tail []string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	byName := map[string]int{} // index in results
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if copyTo != nil {
			fmt.Fprintln(copyTo, line)
		}
		if tail = append(tail, line); len(tail) > 40 {
			tail = tail[1:]
		}
		// The firmware's escape codes or a kernel message may precede a
		// marker on its line.
		for _, m := range []string{markBegin, markLine, markEnd} {
			if i := strings.Index(line, m); i > 0 {
				line = line[i:]
			}
		}
		switch {
		case strings.HasPrefix(line, markBegin):
			name := strings.TrimPrefix(line, markBegin)
			byName[name] = len(results)
			results = append(results, Result{Name: name, Exit: -1, Start: time.Since(boot)})
		case strings.HasPrefix(line, markLine):
			name, text, _ := strings.Cut(strings.TrimPrefix(line, markLine), " ")
			if i, ok := byName[name]; ok {
				results[i].Output = append(results[i].Output, text)
			}
		case strings.HasPrefix(line, markEnd):
			name, code, _ := strings.Cut(strings.TrimPrefix(line, markEnd), " exit=")
			if i, ok := byName[name]; ok {
				results[i].Exit, _ = strconv.Atoi(code)
				results[i].Took = time.Since(boot) - results[i].Start
			}
		}
	}
	return results, tail
}

func (cfg *Config) writeInitramfs(file string) error {
	jobs, err := json.Marshal(cfg.Jobs)
	if err != nil {
		return err
	}
	entries := append([]Entry{
		{Name: "init", Mode: modeFile | 0o755, HostPath: cfg.Init},
		{Name: "bin/busybox", Mode: modeFile | 0o755, HostPath: cfg.Busybox},
		{Name: "bin/sh", Mode: modeSymlink | 0o777, Data: []byte("busybox")},
		// The kernel opens /dev/console for init's stdio before /dev exists.
		{Name: "dev/console", Mode: modeChar | 0o600, Major: 5, Minor: 1},
		{Name: "vmtest/jobs.json", Mode: modeFile | 0o644, Data: jobs},
		{Name: "proc", Mode: modeDir | 0o755},
		{Name: "sys", Mode: modeDir | 0o755},
		{Name: "tmp", Mode: modeDir | 0o1777},
	}, cfg.Files...)
	entries = append(entries, cfg.Kernel.entries()...)
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := WriteCpio(f, entries); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Busybox finds a static busybox for the guest (Debian's busybox-static).
func Busybox() (string, error) {
	p, err := exec.LookPath("busybox")
	if err != nil {
		return "", errors.New("busybox not found: apt-get install busybox-static")
	}
	static, err := StaticELF(p)
	if err != nil || !static {
		return "", fmt.Errorf("%s is not a static binary: apt-get install busybox-static", p)
	}
	return p, nil
}

// StaticELF reports whether path is an ELF executable with no program
// interpreter: one that runs in the guest with no libc.
func StaticELF(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}
