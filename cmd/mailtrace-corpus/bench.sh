#!/usr/bin/env bash
# make bench: throughput and peak memory of mailtrace on a generated
# corpus, beside tcpflow, tshark and Suricata (installed as root from
# Debian's bookworm-backports when missing), then the Go benchmarks of the
# hot paths. See docs/performance.md.
#
#   SIZE=250MB RUNS=5 cmd/mailtrace-corpus/bench.sh
#   COMPARE=0 skips the other tools; GOBENCH=0 skips the Go benchmarks.
#   CORPUS=.corpus/real-250MB.pcapng: the real capture (make corpus-real).
#   SCENARIO=mailbox: the corpus of whole-mailbox downloads.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-250MB}
RUNS=${RUNS:-5}
if [ -n "${CORPUS:-}" ] && [ ! -s "$CORPUS" ]; then
	echo "bench.sh: no $CORPUS (make corpus-real records the real one)" >&2
	exit 1
fi
CORPUS=${CORPUS:-.corpus/corpus-$SIZE.pcapng}

go build -o bin/mailtrace ./cmd/mailtrace
go build -o bin/mailtrace-corpus ./cmd/mailtrace-corpus
if [ ! -s "$CORPUS" ]; then
	mkdir -p "$(dirname "$CORPUS")"
	bin/mailtrace-corpus -size "$SIZE" -scenario "${SCENARIO:-mail}" -o "$CORPUS"
fi
# The references: tcpflow and Suricata 7, which parses SMTP and MIME too.
if [ "${COMPARE:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
	command -v tcpflow >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpflow >/dev/null 2>&1 || true
	if ! command -v suricata >/dev/null && grep -q bookworm /etc/os-release; then
		printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			>/etc/apt/sources.list.d/mailtrace-backports.sources
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports suricata >/dev/null 2>&1 || true
	fi
fi
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 || true
fi

bytes=$(stat -c %s "$CORPUS")
packets=$(bin/mailtrace read --stats "$CORPUS" | sed -n 's/^Capture: .*files*, \([0-9]*\) packets.*/\1/p')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# tool NAME COMMAND...: a command to measure. The tools are run in turns,
# one run of each per round, RUNS rounds: this machine's speed can drift
# by half within a minute, and a tool whose runs all fell in a slow
# stretch was compared with one whose runs fell in a fast one. Each
# tool's time is the median of its runs, and each ratio (to --stats, cat,
# tcpflow, tshark) the median of the rounds' ratios, which a drift
# between rounds leaves out.
declare -A CMD WALL RSS TIMES MEMS
names=()
tool() {
	local name=$1
	shift
	names+=("$name")
	CMD[$name]=$(printf '%q ' "$@")
}

# once NAME: one run of NAME's command; its wall time and peak RSS.
once() {
	rm -rf "$scratch/out" && mkdir -p "$scratch/out"
	if [ -x /usr/bin/time ]; then
		eval "/usr/bin/time -f '%e %M' -o '$scratch/t' ${CMD[$1]}" >/dev/null 2>&1
		read -r t m <"$scratch/t"
	else
		local s
		s=$(date +%s.%N)
		eval "${CMD[$1]}" >/dev/null 2>&1
		t=$(awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { printf "%.2f", a - b }')
		m=0
	fi
}

median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
# against NAME REF: the median over the rounds of NAME's time over REF's
# in the same round; - when REF was not measured (or took no time).
against() {
	[ -n "${TIMES[$2]:-}" ] || { echo -; return; }
	awk -v a="${TIMES[$1]}" -v b="${TIMES[$2]}" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) if (y[i] > 0) r[++k] = x[i] / y[i]
		if (k == 0) { printf "-"; exit }
		for (i = 2; i <= k; i++) for (j = i; j > 1 && r[j-1] > r[j]; j--) { t = r[j]; r[j] = r[j-1]; r[j-1] = t }
		printf "%.2f", r[int((k + 1) / 2)]
	}'
}

tool "cat" cat "$CORPUS"
tool "mailtrace read --stats" bin/mailtrace read -q --stats "$CORPUS"
tool "mailtrace read --jsonl" bin/mailtrace read -q --jsonl -o /dev/null "$CORPUS"
tool "mailtrace read" bin/mailtrace read -q -o /dev/null "$CORPUS"
tool "mailtrace read --summary" bin/mailtrace read -q --summary -o /dev/null "$CORPUS"
tool "mailtrace read --json" bin/mailtrace read -q --json -o /dev/null "$CORPUS"
tool "mailtrace read --follow" bin/mailtrace read -q --follow -o /dev/null "$CORPUS"
tool "mailtrace read --full" bin/mailtrace read -q --full -o /dev/null "$CORPUS"
tool "mailtrace read --extract" bin/mailtrace read -q --stats --extract "$scratch/out/x" "$CORPUS"
tool "mailtrace report" bin/mailtrace report -q -o "$scratch/out/r.html" "$CORPUS"
if [ "${COMPARE:-1}" != 0 ] && command -v tcpflow >/dev/null; then
	tool "tcpflow -r" tcpflow -r "$CORPUS" -o "$scratch/out"
fi
if [ "${COMPARE:-1}" != 0 ] && command -v suricata >/dev/null; then
	tool "suricata -r" suricata -r "$CORPUS" -k none -l "$scratch/out"
fi
if [ "${COMPARE:-1}" != 0 ] && command -v tshark >/dev/null; then
	tool "tshark -q -z io,phs" tshark -r "$CORPUS" -q -z io,phs
fi
for _ in $(seq "$RUNS"); do
	for n in "${names[@]}"; do
		once "$n"
		TIMES[$n]+="$t "
		MEMS[$n]+="$m "
	done
done
for n in "${names[@]}"; do
	# shellcheck disable=SC2086
	WALL[$n]=$(median ${TIMES[$n]})
	# shellcheck disable=SC2086
	RSS[$n]=$(median ${MEMS[$n]})
done
names=("${names[@]:1}") # cat is the floor, not a row

echo
echo "corpus: $CORPUS, $((bytes / 1000000)) MB, $packets packets; median of $RUNS runs on $(nproc) cores; cat: ${WALL[cat]} s"
printf '%-26s %7s %6s %10s %8s %8s %7s %9s %8s\n' tool "wall s" "MB/s" packets/s "RSS MiB" "/--stats" "/cat" "/tcpflow" "/tshark"
for n in "${names[@]}"; do
	awk -v n="$n" -v w="${WALL[$n]}" -v b="$bytes" -v p="$packets" -v m="${RSS[$n]}" -v rs="$(against "$n" "mailtrace read --stats")" \
		-v rc="$(against "$n" cat)" -v r1="$(against "$n" "tcpflow -r")" -v r2="$(against "$n" "tshark -q -z io,phs")" \
		'BEGIN { printf "%-26s %7s %6.0f %10.0f %8.1f %8s %7s %9s %8s\n", n, w, b / 1e6 / w, p / w, m / 1024, rs, rc, r1, r2 }'
done
if [ "${GOBENCH:-1}" != 0 ]; then
	echo
	go test -run '^$' -bench . -benchmem ./reassembly/ ./analyzer/...
fi
