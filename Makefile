# mailtrace — see README.md. Needs only Go; samples/record.sh and the
# end-to-end checks need root and Debian's packages, and install them.
GO      ?= go
BIN     := bin/mailtrace
export CGO_ENABLED ?= 0

.PHONY: all build build-pcap run test vet e2e fuzz bench golden samples clean

all: build

COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS := -X main.buildCommit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mailtrace

# The libpcap build: live capture on any system libpcap runs on, and
# --filter EXPR. Needs cgo and libpcap's headers (Debian: libpcap-dev).
build-pcap:
	CGO_ENABLED=1 $(GO) build -tags pcap -ldflags "$(LDFLAGS)" -o bin/mailtrace-pcap ./cmd/mailtrace

# Analyze the bundled sample of the seed's SMTP exercise.
run: build
	./$(BIN) read samples/smtp1.pcapng

# Every test: formatting, vet, unit, golden and public-capture tests, and
# each fuzz target's seed corpus.
test: vet
	$(GO) test -count=1 ./...

# End to end against real Postfix and Dovecot on loopback: installs and
# starts them (root; Debian packages), captures with "mailtrace live".
e2e:
	$(GO) test -tags e2e -count=1 -timeout 8m -run E2E -v ./cmd/mailtrace

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# Run every fuzz target for FUZZTIME each (default 30s; a count such as
# 5000x runs that many inputs, which CI uses).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# Throughput and peak memory on a generated corpus (SIZE=250MB by
# default), beside tcpflow and tshark when installed; then the Go
# benchmarks of the hot paths. See docs/performance.md.
bench:
	cmd/mailtrace-corpus/bench.sh

# Refresh the golden files after a deliberate change of output.
golden:
	$(GO) test ./cmd/mailtrace -run Golden -update

# Re-record samples/ from real Postfix and Dovecot (root; installs them).
samples:
	samples/record.sh

clean:
	rm -rf bin
