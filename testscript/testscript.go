// Package testscript runs the chapters' transcripts: go-internal's
// testscript with the commands, conditions and helper programs a container
// engine's tests need, and a check after every transcript that it left no
// mount and no process behind.
package testscript

import (
	"flag"
	"os"
	"runtime"
	"testing"

	ts "github.com/rogpeppe/go-internal/testscript"

	"github.com/minidocker/minidocker/minidocker"
)

var update = flag.Bool("update", false, "rewrite golden files in testscript transcripts")

// programs are the test binary's other personalities, picked by the base
// name of argv[0]. "minidocker" must be one: the runtime re-executes
// /proc/self/exe as argv[0]="minidocker" init, and in a test that is the
// test binary.
var programs = map[string]func(){
	"minidocker": func() { os.Exit(minidocker.Main(os.Args)) },
	"sigafter":   func() { os.Exit(sigafter(os.Args[1:])) },
	"ptyrun":     func() { os.Exit(ptyrun(os.Args[1:])) },
	"unpriv":     func() { os.Exit(unpriv(os.Args[1:])) },
	"breakout":   func() { os.Exit(breakout(os.Args[1:])) },
	"layer":      func() { os.Exit(layerProg(os.Args[1:])) },
}

// Main runs the tests, or one of the programs when the binary was started
// under its name. Call it from TestMain.
func Main(m *testing.M) { ts.Main(m, programs) }

// Run runs every dir/*.txtar transcript as a subtest.
func Run(t *testing.T, dir string) {
	needStatic(t)
	ts.Run(t, params(dir, workRoot(t)))
}

// needStatic stops a run whose test binary is linked dynamically (cgo):
// the transcripts run it inside containers, as their init and for exec,
// and a root filesystem of busybox has no dynamic loader. Without it, each
// exec fails with a bare "no such file or directory".
func needStatic(t *testing.T) {
	if runtime.GOOS != "linux" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ok, err := staticELF(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("the test binary %s is dynamically linked (cgo), and runs inside containers, which have no dynamic loader: run go test with CGO_ENABLED=0, as make test does", exe)
	}
}

// workRoot is a directory for the transcripts' work directories, removed
// after the test. (go-internal removes its own root only once every
// transcript ran, so -run with one of them left a /tmp/go-test-script*.)
// Its name tells the leak check whose mounts are whose (otherWork).
func workRoot(t testing.TB) string {
	dir, err := os.MkdirTemp("", workRootPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

const workRootPrefix = "minidocker-scripts"

// params are the harness's settings, with work directories under workRoot.
func params(dir, workRoot string) ts.Params {
	return ts.Params{
		Dir:           dir,
		WorkdirRoot:   workRoot,
		UpdateScripts: *update,
		Setup: func(e *ts.Env) error {
			if dev := testRamdisk(); dev != "" {
				e.Setenv("RAMDISK", dev)
			}
			return setup(e)
		},
		Condition: condition,
		Cmds: map[string]func(*ts.TestScript, bool, []string){
			"mkrootfs":    cmdMkrootfs,
			"exits":       cmdExits,
			"install":     cmdInstall,
			"hostns":      cmdHostns,
			"sysvshm":     cmdSysvshm,
			"sharedmount": cmdSharedmount,
			"registry":    cmdRegistry,
			"fetch":       cmdFetch,
			"netstate":    cmdNetstate,
			"remotehost":  cmdRemotehost,
			"daemon":      cmdDaemon,
		},
	}
}
