// Package bench holds minidocker's benchmarks, each side by side with a
// peer doing the same job: `make bench` runs them. Results and how to read
// them go in docs/ (see issue "Benchmarks").
package bench
