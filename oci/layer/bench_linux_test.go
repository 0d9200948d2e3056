package layer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExtract unpacks the layer `go run ./bench` generates (in the
// module's .cache/bench) into /dev/shm, for profiles of the extractor
// alone: MINIDOCKER_PROFILE_EXTRACT=1 go test -bench Extract -cpuprofile
// cpu.out ./oci/layer. (Off otherwise: make bench runs every benchmark
// 200 times, and the comparison with GNU tar is go run ./bench.)
func BenchmarkExtract(b *testing.B) {
	if os.Getenv("MINIDOCKER_PROFILE_EXTRACT") == "" {
		b.Skip("set MINIDOCKER_PROFILE_EXTRACT=1: a profile of one extraction, not a comparison")
	}
	for _, c := range []struct {
		name string
		file string
		opts []Option
	}{
		{"tar", "layer-v1.tar", nil},
		{"zstd", "layer-v1.tar.zst", nil},
		{"gzip", "layer-v1.tar.gz", nil},
		{"gzip-go", "layer-v1.tar.gz", []Option{WithExternalGzip(false)}},
		{"tar-noworkers", "layer-v1.tar", []Option{WithWorkers(0)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := filepath.Join("..", "..", ".cache", "bench", c.file)
			if _, err := os.Stat(src); err != nil {
				b.Skipf("no %s: run go run ./bench first", src)
			}
			scratch, err := os.MkdirTemp("/dev/shm", "layer-bench-")
			if err != nil {
				b.Skip(err)
			}
			defer os.RemoveAll(scratch)
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				dst := filepath.Join(scratch, "x")
				os.RemoveAll(dst)
				os.Mkdir(dst, 0o755)
				f, err := os.Open(src)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := Extract(context.Background(), f, dst, c.opts...); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}
