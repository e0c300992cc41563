#!/usr/bin/env bash
# make bench-live (root): live capture at line rate. Two network
# namespaces of its own joined by a veth pair; tcpreplay replays the
# benchmark corpus at top speed from one side while, on the other,
# "mailtrace live" in each view and tcpdump capture side by side. For each
# view it reports the packets each received and dropped, and whether the
# sessions mailtrace found live are those "mailtrace read" finds in the
# replayed file. Nothing leaves the namespaces. See docs/performance.md.
#
#   SIZE=250MB VIEWS="stats jsonl" cmd/mailtrace-corpus/bench-live.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-250MB}
CORPUS=${CORPUS:-.corpus/corpus-$SIZE.pcapng}
VIEWS=${VIEWS:-stats jsonl json timeline summary follow full}
RING=${RING:-}
if [ "$(id -u)" != 0 ]; then
	echo "bench-live needs root: it makes network namespaces and captures" >&2
	exit 1
fi
need=()
command -v tcpreplay >/dev/null || need+=(tcpreplay)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v ip >/dev/null || need+=(iproute2)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
go build -o bin/mailtrace ./cmd/mailtrace
go build -o bin/mailtrace-corpus ./cmd/mailtrace-corpus
if [ ! -s "$CORPUS" ]; then
	mkdir -p "$(dirname "$CORPUS")"
	bin/mailtrace-corpus -size "$SIZE" -o "$CORPUS"
fi
MT=$PWD/bin/mailtrace
work=$(mktemp -d)
tx=mtbench-tx-$$
rx=mtbench-rx-$$
cleanup() {
	ip netns del "$tx" 2>/dev/null || true
	ip netns del "$rx" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$tx"
ip netns add "$rx"
ip link add veth-tx netns "$tx" type veth peer name veth-rx netns "$rx"
ip -n "$tx" link set veth-tx up
ip -n "$rx" link set veth-rx up
# tcpreplay writes frames as they are; the other side's kernel need not
# route them, only hand them to the packet sockets.
ip -n "$tx" link set veth-tx mtu 65535
ip -n "$rx" link set veth-rx mtu 65535

# Ethernet frames for tcpreplay: the corpus is Ethernet already.
"$MT" read --jsonl "$CORPUS" >"$work/read.jsonl"
bytes=$(stat -c %s "$CORPUS")
echo "corpus: $CORPUS, $((bytes / 1000000)) MB, $(grep -c '"type": *"session"' "$work/read.jsonl") sessions by mailtrace read"
echo "machine: $(nproc) cores, $(uname -r)"
printf '%-9s %9s %9s %10s %9s %10s %7s  %s\n' view Mbit/s "mt recv" "mt dropped" "td recv" "td dropped" "MiB" sessions

ports='tcp port 25 or tcp port 110 or tcp port 143 or tcp port 465 or tcp port 587 or tcp port 993 or tcp port 995 or port 53'
for view in $VIEWS; do
	flag=--$view
	[ "$view" = timeline ] && flag=
	out=$work/$view.out
	ringflag=()
	[ -n "$RING" ] && ringflag=(--ring-size "$RING")
	ip netns exec "$rx" tcpdump -q -i veth-rx -w "$work/ref.pcap" "$ports" 2>"$work/tcpdump.err" &
	td=$!
	ip netns exec "$rx" /usr/bin/time -f "%M" -o "$work/rss" "$MT" live -q -i veth-rx ${flag:+"$flag"} ${ringflag[@]+"${ringflag[@]}"} -o "$out" 2>"$work/live.err" &
	mt=$!
	for _ in $(seq 100); do
		grep -q "capturing on" "$work/live.err" 2>/dev/null && grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$tx" tcpreplay -q --topspeed -i veth-tx "$CORPUS" >"$work/replay.out" 2>&1
	sleep 2
	kill -INT $(pgrep -P "$mt") "$td" # mailtrace, under time
	wait "$mt" "$td" || true
	rate=$(sed -n 's/.*Rated: [0-9.]* Bps, \([0-9.]*\) Mbps.*/\1/p' "$work/replay.out" | head -1)
	mtrecv=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$work/live.err")
	mtdrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$work/live.err")
	tdrecv=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$work/tcpdump.err")
	tddrop=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$work/tcpdump.err")
	rss=$(($(cat "$work/rss" | tail -1) / 1024))
	sessions=-
	case $view in
	jsonl)
		sessions=$(python3 - "$out" "$work/read.jsonl" <<'PY'
import json, sys
def load(path):
    out = {}
    for line in open(path):
        s = json.loads(line)
        if s.get("type") != "session":
            continue  # DNS lookups and journeys have lines of their own
        ex = [[(e["command"] or {}).get(k) for k in ("kind", "tag", "verb", "args", "size")] +
              [(e["response"] or {}).get(k) for k in ("status", "lines")] for e in s["exchanges"]]
        out[(s["client"], s["server"])] = json.dumps([s["protocol"], s["bytes_client"], s["bytes_server"], s["state"], ex,
                                                      [(m["subject"], m["size"]) for m in s["messages"]], len(s["gaps"])])
    return out
live, ref = load(sys.argv[1]), load(sys.argv[2])
same = sum(1 for k in ref if live.get(k) == ref[k])
print(f"{len(live)} live, {same} of {len(ref)} identical to read's")
PY
)
		;;
	json | stats | summary)
		# Sessions per protocol, against read of the file.
		"$MT" read --json "$CORPUS" | python3 -c 'import json,sys; print(sorted((p["protocol"], p["sessions"]) for p in json.load(sys.stdin)["stats"]["protocols"]))' >"$work/want"
		if [ "$view" = json ]; then
			python3 -c 'import json,sys; print(sorted((p["protocol"], p["sessions"]) for p in json.load(open(sys.argv[1]))["stats"]["protocols"]))' "$out" >"$work/got"
			if cmp -s "$work/got" "$work/want"; then sessions="per protocol as read's"; else sessions="DIFFER: $(cat "$work/got") vs $(cat "$work/want")"; fi
		fi
		;;
	esac
	printf '%-9s %9s %9s %10s %9s %10s %7s  %s\n' "$view" "${rate:--}" "${mtrecv:--}" "${mtdrop:--}" "${tdrecv:--}" "${tddrop:--}" "$rss" "$sessions"
	rm -f "$work/ref.pcap" "$out"
done
