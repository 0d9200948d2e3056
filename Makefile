# minidocker: `make` builds bin/minidocker, `make test` installs what the
# tests need and runs every tier, `make demo` runs a container.
# Go from PATH, else where the official tarball puts it.
GO     ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN    := bin/minidocker
DEMO   := .cache/demo-rootfs
# Static binaries: the test binary is copied into container root file
# systems as a helper program, and the init needs no libc.
export CGO_ENABLED := 0

.PHONY: all build test vet deps bench-deps demo bench update clean vm-shell

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
	@if ! command -v qemu-system-x86_64 >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing qemu-system-x86 (the VM tier, vmtest)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; \
		else echo "no qemu-system-x86_64: the VM tier (vmtest) will skip; apt-get install qemu-system-x86 as root"; fi; \
	fi
	@# xz: for a kernel whose modules are .ko.xz (Debian 12's are plain .ko),
	@# as Go's standard library has no xz decoder (vmtest.readModule).
	@# nft, ip, nsenter: the bridge network's rules (minidocker runs nft),
	@# and the network tests' checks; docker (the CLI, from Debian's
	@# docker.io) and curl: chapter 10 drives minidocker daemon with them.
	@missing=""; for t in zstd:zstd pigz:pigz igzip:isal skopeo:skopeo umoci:umoci docker-registry:docker-registry xz:xz-utils nft:nftables ip:iproute2 nsenter:util-linux docker:docker.io curl:curl; do \
		command -v "$${t%%:*}" >/dev/null || missing="$$missing $${t#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing (layer, registry and network tests, benchmarks, the VM tier's modules)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
			case "$$missing" in *docker-registry*) \
				if [ -d /run/systemd/system ] && systemctl is-enabled --quiet docker-registry 2>/dev/null; then \
					echo "docker-registry: the package enabled a system service on :5000; the tests start their own on 127.0.0.1, so it is stopped and disabled"; \
					systemctl disable --now --quiet docker-registry; \
				fi;; \
			esac; \
			case "$$missing" in *docker.io*) \
				if [ -d /run/systemd/system ] && systemctl is-enabled --quiet docker 2>/dev/null; then \
					echo "docker.io: the package enabled dockerd as a system service; the tests need only its CLI, so it is stopped and disabled"; \
					systemctl disable --now --quiet docker.socket docker; \
				fi;; \
			esac; \
		else echo "missing$$missing: the tests that use them skip (apt-get install$$missing, as root)"; fi; \
	fi
	$(GO) mod download
	@# Debian's kernel for the VM tier and the modules its guest loads
	@# (vmtest.GuestModules), in .cache/vm; a cache that lacks one is fetched
	@# again (apt-get download: no root needed).
	@if command -v apt-get >/dev/null; then $(GO) run ./vmtest/vmshell -fetch; \
	else echo "no apt-get: the VM tier (vmtest) will skip"; fi

go-check:
	@command -v $(GO) >/dev/null || { echo "need Go 1.26: install it from https://go.dev/dl/ into /usr/local/go, or put go on PATH"; exit 1; }

vet: go-check
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...

# Every tier: unit tests, chapter transcripts (root and rootless ones run
# when the machine allows, and skip with a reason otherwise), and the VM
# tier (vmtest: Debian's kernel under QEMU, pure cgroup v2, one boot).
test: deps vet
	$(GO) test ./...

# Rewrite golden sections of the chapter transcripts; read the diff after.
update:
	$(GO) test ./chapters/... -update

# The peers the side-by-side comparisons run against (Debian packages).
bench-deps:
	@missing=""; for t in runc:runc crun:crun dockerd:docker.io containerd:containerd; do \
		command -v "$${t%%:*}" >/dev/null || missing="$$missing $${t#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing (benchmark peers)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing$$missing: those contenders are skipped (apt-get install$$missing, as root)"; fi; \
	fi

# Micro benchmarks, then the side-by-side comparisons (go run ./bench),
# which write docs/bench/RESULTS.md, NAME.md, NAME.json and NAME.svg.
bench: deps bench-deps build
	$(GO) test -run '^$$' -bench . -benchtime 200x ./...
	$(GO) run ./bench

# The main job: a busybox image served from a local registry, pulled and run (cmd/demo).
demo: deps build
	$(GO) run ./cmd/demo -minidocker $(BIN) -rootfs $(DEMO)

# A shell in the VM tier's guest: pure cgroup v2 with every controller,
# minidocker in /bin and a busybox rootfs in /rootfs.
vm-shell: deps
	$(GO) run ./vmtest/vmshell

clean:
	rm -rf bin .cache
