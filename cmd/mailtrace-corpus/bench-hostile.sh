#!/usr/bin/env bash
# make bench-hostile: each adversarial shape (mailtrace-corpus -scenario
# hostile:SHAPE) and the mailbox-download shape, SIZE bytes each (20MB by
# default), read in every view: seconds, MB/s and peak memory. A shape
# that an attacker picks must not find a slow path: docs/performance.md
# gives the targets.
#
#   SIZE=20MB cmd/mailtrace-corpus/bench-hostile.sh
#   SHAPES="literals fields" VIEWS="--stats --json" to run fewer.
#   LIVE=0 leaves out the live view (measured in one process, no peak).
#   RUNS=3: each view that many times, the fastest reported (a busy
#   machine only adds time) with the highest peak.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-20MB}
SHAPES=${SHAPES:-"mailbox barelf-imap barelf-smtp barelf-pop3 replies tiny-segments fields mime-deep mime-wide literals literal-line held unanswered long-lines sync-literals long-line connections auths gaps folded received words near-boundary rcpt uidl nested messages appends retrans syns"}
VIEWS=${VIEWS:-"--stats --jsonl --json --timeline --full --follow --summary"}
TIMEOUT=${TIMEOUT:-300}
RUNS=${RUNS:-1}

go build -o bin/mailtrace ./cmd/mailtrace
go build -o bin/mailtrace-corpus ./cmd/mailtrace-corpus
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 || true
fi
dir=.corpus/hostile-$SIZE
mkdir -p "$dir"
printf '%-14s %-10s %8s %9s %8s\n' shape view seconds MB/s "peak MiB"
for shape in $SHAPES; do
	file=$dir/$shape.pcapng
	scenario=hostile:$shape
	[ "$shape" = mailbox ] && scenario=mailbox
	[ -s "$file" ] || bin/mailtrace-corpus -scenario "$scenario" -size "$SIZE" -o "$file" 2>/dev/null
	mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1048576 }')
	for view in $VIEWS; do
		args=$view
		[ "$view" = --timeline ] && args=
		best= peak=0
		for _ in $(seq "$RUNS"); do
			# shellcheck disable=SC2086
			if ! /usr/bin/time -o "$dir/time" -f '%e %M' timeout "$TIMEOUT" bin/mailtrace read -q $args "$file" >/dev/null 2>&1; then
				best=failed
				break
			fi
			read -r secs kb <"$dir/time"
			if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
				best=$secs
			fi
			[ "$kb" -gt "$peak" ] && peak=$kb
		done
		if [ "$best" = failed ]; then
			printf '%-14s %-10s %8s\n' "$shape" "$view" "failed or over ${TIMEOUT}s"
			continue
		fi
		awk -v s="$shape" -v v="$view" -v t="$best" -v kb="$peak" -v mb="$mb" \
			'BEGIN { printf "%-14s %-10s %8.2f %9.1f %8d\n", s, v, t, mb / (t > 0.005 ? t : 0.005), kb / 1024 }'
	done
done
# live needs an interface: its view is fed each shape as live feeds it,
# in one process (no peak of its own), unless VIEWS leaves it out.
if [ "${LIVE:-1}" != 0 ]; then
	MAILTRACE_HOSTILE=$PWD/$dir go test ./analyzer/view -run '^$' -bench "^BenchmarkLiveHostile/^($(echo "$SHAPES" | tr ' ' '|'))\$" -benchtime 1x -timeout "${TIMEOUT}s" |
		awk '/^BenchmarkLiveHostile\// { split($1, n, "/"); sub(/-[0-9]+$/, "", n[2]); printf "%-14s %-10s %8.2f %9.1f %8s\n", n[2], "live", $3 / 1e9, $5, "-" }'
fi
