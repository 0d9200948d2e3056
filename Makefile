# minidocker: `make` builds bin/minidocker, `make test` installs what the
# tests need and runs every tier, `make demo` runs a container.
# Go from PATH, else where the official tarball puts it.
GO     ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN    := bin/minidocker
DEMO   := .cache/demo-rootfs
# Static binaries: the test binary is copied into container root file
# systems as a helper program, and the init needs no libc.
export CGO_ENABLED := 0

.PHONY: all build test vet deps demo bench update clean

all: build

build: go-check
	$(GO) build -o $(BIN) ./cmd/minidocker

# What the tests need, installed when missing (Debian). Root-only steps are
# skipped for an unprivileged caller: those tiers then skip with a reason.
deps: go-check
	@if ! busybox --help 2>/dev/null | grep -q '^BusyBox' || ldd "$$(command -v busybox)" >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing busybox-static"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; \
		else echo "need a static busybox: apt-get install busybox-static (as root)"; exit 1; fi; \
	fi
	@missing=""; for t in zstd:zstd pigz:pigz igzip:isal skopeo:skopeo umoci:umoci; do \
		command -v "$${t%%:*}" >/dev/null || missing="$$missing $${t#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing (layer tests and benchmarks)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing$$missing: the tests that use them skip (apt-get install$$missing, as root)"; fi; \
	fi
	$(GO) mod download

go-check:
	@command -v $(GO) >/dev/null || { echo "need Go 1.26: install it from https://go.dev/dl/ into /usr/local/go, or put go on PATH"; exit 1; }

vet: go-check
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...

# Every tier: unit tests, chapter transcripts (root and rootless ones run
# when the machine allows, and skip with a reason otherwise).
test: deps vet
	$(GO) test ./...

# Rewrite golden sections of the chapter transcripts; read the diff after.
update:
	$(GO) test ./chapters/... -update

# Micro benchmarks, then the side-by-side comparisons (go run ./bench),
# which write docs/bench/RESULTS.md.
bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 200x ./...
	$(GO) run ./bench

# The chapters' busybox rootfs (until images exist), and a container on it.
demo: deps build
	rm -rf $(DEMO)
	$(GO) run ./cmd/mkrootfs $(DEMO)
	./$(BIN) run --rootfs $(DEMO) sh -c 'echo "hostname: $$(hostname)"; echo "PID of this shell: $$$$"; ps; echo "/ holds:"; ls /'

clean:
	rm -rf bin .cache
