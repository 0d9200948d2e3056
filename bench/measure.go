package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// contender is one way to do the work a comparison times. before and
// after run around each timed run, untimed (a fresh target directory,
// its removal).
type contender struct {
	name   string
	peer   bool   // another program, not minidocker
	need   string // a program that must be on PATH
	note   string // how its work differs from the others', shown beside it
	before func() error
	run    func() error
	after  func() error
}

// minidockerBinary is the binary the comparisons run, absolute: they
// run it from other directories.
func minidockerBinary(bin string) (string, error) {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no minidocker binary at %s: run make build (make bench does)", bin)
	}
	return bin, nil
}

// command is a contender's run: argv, which must succeed.
func command(argv ...string) func() error {
	return func() error {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
}

// samples are the seconds each contender took, wall-clock and CPU.
type samples struct {
	wall, cpu map[string][]float64
}

// pick keeps the contenders whose name matches only and whose program is
// installed, saying which it skips.
func pick(all []contender, only string) ([]contender, error) {
	re, err := regexp.Compile(only)
	if err != nil {
		return nil, err
	}
	var cs []contender
	for _, c := range all {
		if !re.MatchString(c.name) {
			continue
		}
		if c.need != "" {
			if _, err := exec.LookPath(c.need); err != nil {
				fmt.Fprintf(os.Stderr, "skipping %s: no %s (make bench installs it)\n", c.name, c.need)
				continue
			}
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("no contender left (-only %q)", only)
	}
	return cs, nil
}

// interleave runs the contenders in turn, A B C A B C ..., warm rounds
// first and not counted: a drift in the machine's speed then touches
// every contender alike.
func interleave(cs []contender, runs, warm int) (samples, error) {
	s := samples{wall: map[string][]float64{}, cpu: map[string][]float64{}}
	for i := -warm; i < runs; i++ {
		for _, c := range cs {
			if c.before != nil {
				if err := c.before(); err != nil {
					return s, fmt.Errorf("%s: %w", c.name, err)
				}
			}
			cpu0 := cpuTime()
			start := time.Now()
			err := c.run()
			d := time.Since(start)
			cpu := cpuTime() - cpu0
			if c.after != nil {
				if aerr := c.after(); err == nil {
					err = aerr
				}
			}
			if err != nil {
				return s, fmt.Errorf("%s: %w", c.name, err)
			}
			if i >= 0 {
				s.wall[c.name] = append(s.wall[c.name], d.Seconds())
				s.cpu[c.name] = append(s.cpu[c.name], cpu.Seconds())
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", i+1, runs)
	}
	return s, nil
}

// stat is a contender's figures: quantiles of its sorted samples.
type stat struct {
	med, p10, p90, cpu float64
}

func stats(s samples, name string) stat {
	w := slices.Sorted(slices.Values(s.wall[name]))
	c := slices.Sorted(slices.Values(s.cpu[name]))
	return stat{quantile(w, 0.5), quantile(w, 0.1), quantile(w, 0.9), quantile(c, 0.5)}
}

// quantile of sorted samples, by nearest rank.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// cpuTime is the CPU (user and system) used so far by this process and
// its waited-for children: around a run, what the run cost, whatever else
// the machine was doing.
func cpuTime() time.Duration {
	var self, kids unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &kids)
	tv := func(t unix.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}
