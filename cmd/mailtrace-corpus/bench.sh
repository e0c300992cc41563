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

# measure NAME COMMAND...: median wall time and peak RSS over RUNS runs.
declare -A WALL RSS
measure() {
	local name=$1
	shift
	local times=() rss=()
	for _ in $(seq "$RUNS"); do
		rm -rf "$scratch/out" && mkdir -p "$scratch/out"
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f "%e %M" -o "$scratch/t" "$@" >/dev/null 2>&1
			read -r t m <"$scratch/t"
		else
			local s
			s=$(date +%s.%N)
			"$@" >/dev/null 2>&1
			t=$(awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { printf "%.2f", a - b }')
			m=0
		fi
		times+=("$t")
		rss+=("$m")
	done
	WALL[$name]=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
	RSS[$name]=$(printf '%s\n' "${rss[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p")
}

measure "cat" cat "$CORPUS"
measure "mailtrace read --stats" bin/mailtrace read -q --stats "$CORPUS"
measure "mailtrace read --jsonl" bin/mailtrace read -q --jsonl -o /dev/null "$CORPUS"
measure "mailtrace read" bin/mailtrace read -q -o /dev/null "$CORPUS"
measure "mailtrace read --summary" bin/mailtrace read -q --summary -o /dev/null "$CORPUS"
measure "mailtrace read --json" bin/mailtrace read -q --json -o /dev/null "$CORPUS"
measure "mailtrace read --follow" bin/mailtrace read -q --follow -o /dev/null "$CORPUS"
measure "mailtrace read --full" bin/mailtrace read -q --full -o /dev/null "$CORPUS"
measure "mailtrace read --extract" bin/mailtrace read -q --stats --extract "$scratch/out/x" "$CORPUS"
measure "mailtrace report" bin/mailtrace report -q -o "$scratch/out/r.html" "$CORPUS"
names=("mailtrace read --stats" "mailtrace read --jsonl" "mailtrace read" "mailtrace read --summary" "mailtrace read --json"
	"mailtrace read --follow" "mailtrace read --full" "mailtrace read --extract" "mailtrace report")
if [ "${COMPARE:-1}" != 0 ] && command -v tcpflow >/dev/null; then
	measure "tcpflow -r" tcpflow -r "$CORPUS" -o "$scratch/out"
	names+=("tcpflow -r")
fi
if [ "${COMPARE:-1}" != 0 ] && command -v suricata >/dev/null; then
	measure "suricata -r" suricata -r "$CORPUS" -k none -l "$scratch/out"
	names+=("suricata -r")
fi
if [ "${COMPARE:-1}" != 0 ] && command -v tshark >/dev/null; then
	measure "tshark -q -z io,phs" tshark -r "$CORPUS" -q -z io,phs
	names+=("tshark -q -z io,phs")
fi

echo
echo "corpus: $CORPUS, $((bytes / 1000000)) MB, $packets packets; median of $RUNS runs on $(nproc) cores; cat: ${WALL[cat]} s"
printf '%-26s %7s %6s %10s %8s %8s %7s %9s %8s\n' tool "wall s" "MB/s" packets/s "RSS MiB" "/--stats" "/cat" "/tcpflow" "/tshark"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
for n in "${names[@]}"; do
	w=${WALL[$n]}
	r1=-
	r2=-
	[ -n "${WALL[tcpflow -r]:-}" ] && r1=$(ratio "$w" "${WALL[tcpflow -r]}")
	[ -n "${WALL[tshark -q -z io,phs]:-}" ] && r2=$(ratio "$w" "${WALL[tshark -q -z io,phs]}")
	awk -v n="$n" -v w="$w" -v b="$bytes" -v p="$packets" -v m="${RSS[$n]}" -v rs="$(ratio "$w" "${WALL[mailtrace read --stats]}")" \
		-v rc="$(ratio "$w" "${WALL[cat]}")" -v r1="$r1" -v r2="$r2" \
		'BEGIN { printf "%-26s %7s %6.0f %10.0f %8.1f %8s %7s %9s %8s\n", n, w, b / 1e6 / w, p / w, m / 1024, rs, rc, r1, r2 }'
done
if [ "${GOBENCH:-1}" != 0 ]; then
	echo
	go test -run '^$' -bench . -benchmem ./reassembly/ ./analyzer/...
fi
