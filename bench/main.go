// Command bench runs minidocker's side-by-side benchmarks: each contender
// is run in turn (A B A B ...) after warm-ups, and medians, spreads and
// ratios are printed and written to docs/bench.
//
//	go run ./bench            # every comparison
//	go run ./bench extract    # layer extraction against GNU tar
//	go run ./bench startup    # run /bin/true against runc, crun, docker and unshare
//	go run ./bench layers     # run /bin/true on 1 to 128 layers, overlay and vfs
//	go run ./bench pull       # pull a 5-layer image against ctr, docker, skopeo + umoci
//	go run ./bench scaling    # 1 to 64 detached containers started at once, against docker
//	go run ./bench monitor    # a detached container's monitor's memory (PSS), against containerd's shim
package main

import (
	"flag"
	"fmt"
	"os"
)

var only string

func main() {
	runs := flag.Int("runs", 11, "measured runs of each contender")
	warm := flag.Int("warmups", 2, "unmeasured runs of each contender first")
	cache := flag.String("cache", ".cache/bench", "where the generated layer is kept")
	out := flag.String("out", "docs/bench", "where RESULTS.md and the raw samples go")
	bin := flag.String("minidocker", "bin/minidocker", "the minidocker binary the startup comparison runs")
	flag.StringVar(&only, "only", "", "run only the contenders whose names match this regexp")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench [flags] [extract] [startup] [layers] [pull] [scaling] [monitor]")
		flag.PrintDefaults()
	}
	flag.Parse()
	what := flag.Args()
	if len(what) == 0 {
		what = []string{"extract", "startup", "layers", "pull", "scaling", "monitor"}
	}
	for _, w := range what {
		switch w {
		case "extract":
			if err := benchExtract(*cache, *out, *runs, *warm); err != nil {
				fmt.Fprintln(os.Stderr, "bench extract:", err)
				os.Exit(1)
			}
		case "monitor":
			if err := benchMonitor(*out, *bin); err != nil {
				fmt.Fprintln(os.Stderr, "bench monitor:", err)
				os.Exit(1)
			}
		case "startup":
			if err := benchStartup(*bin, *out, *runs, *warm); err != nil {
				fmt.Fprintln(os.Stderr, "bench startup:", err)
				os.Exit(1)
			}
		case "layers":
			if err := benchLayers(*bin, *out, *runs, *warm); err != nil {
				fmt.Fprintln(os.Stderr, "bench layers:", err)
				os.Exit(1)
			}
		case "scaling":
			if err := benchScaling(*bin, *out, *runs, *warm); err != nil {
				fmt.Fprintln(os.Stderr, "bench scaling:", err)
				os.Exit(1)
			}
		case "pull":
			if err := benchPull(*bin, *cache, *out, *runs, *warm); err != nil {
				fmt.Fprintln(os.Stderr, "bench pull:", err)
				os.Exit(1)
			}
		default:
			flag.Usage()
			os.Exit(2)
		}
	}
}
