#!/usr/bin/env bash
# make pgo: the profile the Go tool optimizes mailtrace's build with
# (profile-guided optimization, cmd/mailtrace/default.pgo, used by every
# `go build` of the command). It is the CPU profile of the runs users
# bring: the generated corpus in every view, and the hostile shapes whose
# time goes to the parsers, merged. Rerun it when the hot paths change;
# an old profile only optimizes less. See docs/performance.md.
#
#   SIZE=250MB HOSTILE_SIZE=20MB cmd/mailtrace-corpus/pgo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-250MB}
HOSTILE_SIZE=${HOSTILE_SIZE:-20MB}
CORPUS=.corpus/corpus-$SIZE.pcapng

go build -o bin/mailtrace ./cmd/mailtrace
go build -o bin/mailtrace-corpus ./cmd/mailtrace-corpus
mkdir -p .corpus "bin/pgo"
[ -s "$CORPUS" ] || bin/mailtrace-corpus -size "$SIZE" -o "$CORPUS"
rm -f bin/pgo/*.prof
n=0
profile() {
	n=$((n + 1))
	MAILTRACE_CPUPROFILE=bin/pgo/$n.prof bin/mailtrace "$@" >/dev/null
}
rm -rf bin/pgo/extract
for view in --stats --jsonl --json --timeline --follow --full --summary; do
	args=$view
	[ "$view" = --timeline ] && args=
	# shellcheck disable=SC2086
	profile read -q $args "$CORPUS"
done
profile read -q --stats --extract bin/pgo/extract "$CORPUS"
rm -rf bin/pgo/extract
dir=.corpus/hostile-$HOSTILE_SIZE
mkdir -p "$dir"
for shape in mailbox barelf-imap barelf-smtp barelf-pop3 replies held unanswered literals; do
	file=$dir/$shape.pcapng
	scenario=hostile:$shape
	[ "$shape" = mailbox ] && scenario=mailbox
	[ -s "$file" ] || bin/mailtrace-corpus -scenario "$scenario" -size "$HOSTILE_SIZE" -o "$file" 2>/dev/null
	profile read -q --json "$file"
	profile read -q --follow "$file"
done
go tool pprof -proto bin/pgo/*.prof > cmd/mailtrace/default.pgo
echo "cmd/mailtrace/default.pgo: $n runs merged, $(stat -c %s cmd/mailtrace/default.pgo) bytes"
