# mailtrace — see README.md. Needs only Go; samples/record.sh and the
# end-to-end checks need root and Debian's packages, and install them.
GO      ?= go
BIN     := bin/mailtrace
export CGO_ENABLED ?= 0

.PHONY: all build build-pcap man package cross run test race soak-tests vet e2e e2e-clickhouse browser screenshot fuzz bench bench-hostile bench-live pgo corpus-real golden samples clean

all: build

COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
LDFLAGS := -X main.buildCommit=$(COMMIT)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mailtrace

# The libpcap build: live capture on any system libpcap runs on, and
# --filter EXPR. Needs cgo and libpcap's headers (Debian: libpcap-dev).
build-pcap:
	CGO_ENABLED=1 $(GO) build -tags pcap -ldflags "$(LDFLAGS)" -o bin/mailtrace-pcap ./cmd/mailtrace

# The manual pages, one per command, made from the commands (into
# MANDIR, for a package to install).
MANDIR ?= build/man
man:
	$(GO) run ./cmd/mailtrace man $(MANDIR)

# The Debian package, in build/: the binary, the manual pages, the shell
# completions, and a post-install that lets live capture without root.
# nfpm is a Go module of its own (tools/go.mod), built here.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//' | grep . || echo 0.0.0+git$(COMMIT))
package: build man
	mkdir -p build/completions
	./$(BIN) completion bash > build/completions/mailtrace.bash
	./$(BIN) completion zsh > build/completions/_mailtrace
	./$(BIN) completion fish > build/completions/mailtrace.fish
	cd tools && $(GO) build -o ../build/nfpm github.com/goreleaser/nfpm/v2/cmd/nfpm
	VERSION=$(VERSION) GOARCH=$$($(GO) env GOARCH) build/nfpm package -f packaging/nfpm.yaml -p deb -t build/

# The other platforms keep compiling (live capture says where it cannot
# run: it needs Linux, or the libpcap build).
cross:
	GOOS=linux GOARCH=arm64 $(GO) build -o /dev/null ./cmd/mailtrace
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/mailtrace
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/mailtrace

# Analyze the bundled sample of the seed's SMTP exercise.
run: build
	./$(BIN) read samples/smtp1.pcapng

# Every test: formatting, vet, unit, golden and public-capture tests, and
# each fuzz target's seed corpus.
# Every benchmark runs once too: one that fails is a broken test, not a
# number (BenchmarkPlain/mixed read past its data for sessions unseen).
test: vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./reassembly/... ./analyzer/...

# The packages whose goroutines share data (the read-ahead, the parsers
# behind the pipeline, the views' goroutine and its batches, the MIME
# reader, live capture), under the race detector.
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./reassembly/... ./analyzer/... ./cmd/mailtrace

# make test and make race 20 times in a row while a busy loop per core
# keeps the machine loaded, as CI's machines may be: a test that depends
# on the machine's speed or on a sleep fails here. Stops at the first
# failure. One round took 2 min 51 s on 2 cores here: about an hour.
SOAK ?= 20
soak-tests:
	@cores=$$(nproc); pids=""; \
	for i in $$(seq $$cores); do (while :; do :; done) & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null' EXIT; \
	for i in $$(seq $(SOAK)); do \
		echo "soak $$i/$(SOAK)"; \
		$(MAKE) --no-print-directory test >/tmp/mailtrace-soak-test.log 2>&1 || { tail -40 /tmp/mailtrace-soak-test.log; exit 1; }; \
		$(MAKE) --no-print-directory race >/tmp/mailtrace-soak-race.log 2>&1 || { tail -40 /tmp/mailtrace-soak-race.log; exit 1; }; \
	done; echo "$(SOAK)/$(SOAK) passed"

# End to end against real Postfix and Dovecot on loopback: installs and
# starts them (root; Debian packages), captures with "mailtrace live".
e2e:
	$(GO) test -tags e2e -count=1 -timeout 8m -run E2E -v ./cmd/mailtrace

# Sessions into a real ClickHouse (root): installs Debian's
# clickhouse-server when missing, starts it on loopback with a
# configuration of its own (samples/clickhouse.sh), loads the samples
# and public captures and checks them with SQL, then stops it.
CLICKHOUSE_TEST ?= http://127.0.0.1:18123/
e2e-clickhouse:
	samples/clickhouse.sh start
	MAILTRACE_CLICKHOUSE_TEST=$(CLICKHOUSE_TEST) $(GO) test -tags clickhouse -count=1 -timeout 10m -run ClickHouse -v ./cmd/mailtrace; \
		status=$$?; samples/clickhouse.sh stop; exit $$status

# The HTML report in a real browser (root): installs Debian's chromium
# when missing, makes the 250 MB benchmark corpus when missing, then
# drives Chromium headless over the report of every sample, of a capture
# full of markup and of the corpus. Screenshots go to bin/screenshots.
CHROMIUM_FLAGS := --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -s .corpus/corpus-250MB.pcapng || { mkdir -p .corpus && $(GO) run ./cmd/mailtrace-corpus -size 250MB -o .corpus/corpus-250MB.pcapng; }
	MAILTRACE_LARGE=$(CURDIR)/.corpus/corpus-250MB.pcapng $(GO) test -tags browser -count=1 -timeout 10m -run Browser -v ./cmd/mailtrace

# The README's picture: the report of the seed's SMTP exercise, as
# headless Chromium draws it.
screenshot: build
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	./$(BIN) report samples/smtp1.pcapng -o bin/report-smtp1.html
	chromium $(CHROMIUM_FLAGS) --user-data-dir=$$(mktemp -d) --hide-scrollbars --window-size=1000,2050 \
		--screenshot=$(CURDIR)/docs/report-smtp1.png file://$(CURDIR)/bin/report-smtp1.html

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

# Adversarial shapes and the mailbox-download shape (SIZE=20MB each),
# in every view: MB/s and peak memory. See docs/performance.md.
bench-hostile:
	cmd/mailtrace-corpus/bench-hostile.sh

# The profile every build of the command is optimized with
# (cmd/mailtrace/default.pgo): CPU profiles of the corpus in every view
# and of the hostile shapes, merged. See docs/performance.md.
pgo:
	cmd/mailtrace-corpus/pgo.sh

# The real capture of the benchmark's size (root): real Python clients,
# the lab's Postfix and Dovecot on loopback, dumpcap; then
# CORPUS=.corpus/real-250MB.pcapng make bench.
corpus-real:
	cmd/mailtrace-corpus/record-real.sh .corpus/real-250MB.pcapng

# Live capture at line rate (root): the corpus replayed at top speed by
# tcpreplay into a veth pair between two network namespaces of its own,
# mailtrace live in each view beside tcpdump. See docs/performance.md.
bench-live:
	cmd/mailtrace-corpus/bench-live.sh

# Refresh the golden files after a deliberate change of output.
golden:
	$(GO) test ./cmd/mailtrace -run Golden -update

# Re-record samples/ from real Postfix and Dovecot (root; installs them).
samples:
	samples/record.sh

clean:
	rm -rf bin
