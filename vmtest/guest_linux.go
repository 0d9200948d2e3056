package vmtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// GuestMain is the guest's /init (vmtest/vminit). It gives the guest a
// tmpfs root, the kernel file systems and cgroup2 at /sys/fs/cgroup, then
// runs the jobs of /vmtest/jobs.json, each output line on the serial
// console behind a marker, or, with vmtest.mode=shell, a shell; then it
// powers the VM off.
func GuestMain() {
	if err := setupGuest(); err != nil {
		fmt.Printf("vmtest: setup failed: %v\n", err)
		powerOff()
	}
	cmdline, _ := os.ReadFile("/proc/cmdline")
	if strings.Contains(string(cmdline), "vmtest.mode=shell") {
		shell()
	} else {
		runJobs()
	}
	powerOff()
}

// setupGuest moves the initramfs's files onto a tmpfs and makes that the
// root: the initramfs's own root ("rootfs") cannot be pivoted away from,
// and a container's pivot_root needs an old root that can be.
func setupGuest() error {
	if err := os.MkdirAll("/newroot", 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", "/newroot", "tmpfs", 0, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs root: %w", err)
	}
	err := filepath.WalkDir("/", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "/" {
			return err
		}
		if p == "/newroot" || p == "/proc" || p == "/sys" || p == "/dev" {
			return fs.SkipDir
		}
		dst := "/newroot" + p
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(dst, info.Mode().Perm())
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		case info.Mode().IsRegular():
			// Move, not copy: the initramfs's memory is freed as we go.
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, src); err != nil {
				out.Close()
				return err
			}
			os.Remove(p)
			return out.Close()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("move initramfs to tmpfs: %w", err)
	}
	if err := os.Chdir("/newroot"); err != nil {
		return err
	}
	if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move tmpfs root to /: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	os.Chdir("/")
	for _, m := range []struct{ src, dst, fstype, data string }{
		{"proc", "/proc", "proc", ""},
		{"sysfs", "/sys", "sysfs", ""},
		{"devtmpfs", "/dev", "devtmpfs", ""},
		{"devpts", "/dev/pts", "devpts", "newinstance,ptmxmode=0666"},
		{"tmpfs", "/dev/shm", "tmpfs", ""},
		{"cgroup2", "/sys/fs/cgroup", "cgroup2", ""},
		{"tmpfs", "/tmp", "tmpfs", ""},
		{"tmpfs", "/run", "tmpfs", ""},
	} {
		os.MkdirAll(m.dst, 0o755)
		if err := unix.Mount(m.src, m.dst, m.fstype, unix.MS_NOSUID, m.data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, m.dst, err)
		}
	}
	if out, err := exec.Command("/bin/busybox", "--install", "-s", "/bin").CombinedOutput(); err != nil {
		return fmt.Errorf("busybox --install: %w: %s", err, out)
	}
	os.Setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin")
	os.Setenv("HOME", "/root")
	os.MkdirAll("/root", 0o700)
	// Bring up lo: containers' network namespaces do not need it, tests may.
	exec.Command("/bin/ip", "link", "set", "lo", "up").Run()
	return loadModules()
}

// loadModules loads the modules listed in modulesFile, each after what it
// needs (from modules.dep, as modprobe does), with finit_module(2): the
// kernel reads the file itself and checks its signature against Debian's
// key, built into the image. Each listed module loads beside the others:
// under emulation ext4 alone takes 0.4 s, about what all the rest take.
func loadModules() error {
	data, err := os.ReadFile(modulesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return err
	}
	dir := "/lib/modules/" + unix.ByteSliceToString(uts.Release[:])
	dep, err := os.ReadFile(dir + "/modules.dep")
	if err != nil {
		return fmt.Errorf("load modules: %w", err)
	}
	deps := parseModulesDep(string(dep))
	start := time.Now()
	var loaded atomic.Int32
	load := func(path, params string) error {
		f, err := os.Open(dir + "/" + path)
		if err != nil {
			return fmt.Errorf("load module: %w", err)
		}
		defer f.Close()
		// EEXIST: loaded already, by another of the listed modules'
		// loaders (the kernel makes a second load wait for the first).
		switch err := unix.FinitModule(int(f.Fd()), params, 0); err {
		case nil:
			loaded.Add(1)
		case unix.EEXIST:
		default:
			return fmt.Errorf("load module %s: finit_module: %w", path, err)
		}
		return nil
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	errs := make([]error, len(lines))
	var wg sync.WaitGroup
	for i, line := range lines {
		path, params, _ := strings.Cut(line, " ")
		list, ok := deps[path]
		if !ok {
			errs[i] = fmt.Errorf("load module %s: not in %s/modules.dep", path, dir)
			continue
		}
		wg.Go(func() {
			for j := len(list) - 1; j >= 0; j-- { // modules.dep lists them last first
				if errs[i] = load(list[j], ""); errs[i] != nil {
					return
				}
			}
			errs[i] = load(path, params)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Printf("vmtest: loaded %d modules in %v\n", loaded.Load(), time.Since(start).Round(time.Millisecond))
	return nil
}

// Job is a command the guest runs, in order, reporting its output.
type Job struct {
	Name string
	Args []string
	Env  []string
	Dir  string
}

const jobsFile = "/vmtest/jobs.json"

// Markers on the serial console: the host's Boot finds the jobs' output
// between the kernel's own messages by them.
const (
	markBegin = "vmtest-begin "
	markLine  = "vmtest-out "
	markEnd   = "vmtest-end "
)

var consoleMu sync.Mutex

func say(format string, a ...any) {
	consoleMu.Lock()
	defer consoleMu.Unlock()
	fmt.Printf(format+"\n", a...)
}

func runJobs() {
	data, err := os.ReadFile(jobsFile)
	var jobs []Job
	if err == nil {
		err = json.Unmarshal(data, &jobs)
	}
	if err != nil {
		say("vmtest: read jobs: %v", err)
		return
	}
	for _, j := range jobs {
		say("%s%s", markBegin, j.Name)
		code := runJob(j)
		say("%s%s exit=%d", markEnd, j.Name, code)
	}
}

func runJob(j Job) int {
	cmd := exec.Command(j.Args[0], j.Args[1:]...)
	cmd.Env = append(os.Environ(), j.Env...)
	cmd.Dir = j.Dir
	pr, pw, err := os.Pipe()
	if err != nil {
		say("%s%s %v", markLine, j.Name, err)
		return -1
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pw.Close()
		say("%s%s start: %v", markLine, j.Name, err)
		return -1
	}
	pw.Close()
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		say("%s%s %s", markLine, j.Name, sc.Text())
	}
	cmd.Wait()
	return cmd.ProcessState.ExitCode()
}

// shell gives the console to an interactive shell (make vm-shell).
func shell() {
	fmt.Println("vmtest: a shell in the guest; cgroup2 with every controller at /sys/fs/cgroup; exit or Ctrl-D powers off")
	cmd := exec.Command("/bin/setsid", "/bin/cttyhack", "/bin/sh", "-l")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "PS1=vm# ")
	cmd.Run()
}

func powerOff() {
	unix.Sync()
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	// Without power-off support init's exit panics the kernel, and
	// panic=-1 with qemu -no-reboot ends the VM.
	os.Exit(1)
}
