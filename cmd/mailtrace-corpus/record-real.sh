#!/usr/bin/env bash
# make corpus-real (root): records the real benchmark capture, mail
# traffic between real clients (Python's smtplib, poplib, imaplib:
# workload.py) and the lab's real Postfix and Dovecot (samples/servers.sh)
# on loopback, captured by dumpcap as in the seed practice. Loopback's
# 64 KiB MTU and segmentation offload are set to Ethernet's 1500 bytes for
# the recording, so that packets are those of a real network, and put
# back after. The bytes are the messages' (about half sent, half read
# back); the file is about twice BYTES.
#
#   BYTES=125000000 cmd/mailtrace-corpus/record-real.sh .corpus/real-250MB.pcapng
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.corpus/real-250MB.pcapng}
BYTES=${BYTES:-125000000}
if [ "$(id -u)" != 0 ]; then
	echo "record-real.sh needs root: it runs mail servers and captures on loopback" >&2
	exit 1
fi
need=()
command -v dumpcap >/dev/null || need+=(wireshark-common)
command -v ethtool >/dev/null || need+=(ethtool)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
samples/servers.sh install
samples/servers.sh start
samples/servers.sh reset

mtu=$(cat /sys/class/net/lo/mtu)
offload=$(ethtool -k lo | awk '/^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ {print $2}' | tr '\n' ' ')
work=$(mktemp -d)
restore() {
	[ -n "${pid:-}" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip link set lo mtu "$mtu"
	read -r tso gso gro <<<"$offload"
	ethtool -K lo tso "$tso" gso "$gso" gro "$gro" 2>/dev/null || true
	rm -rf "$work"
}
trap restore EXIT
ip link set lo mtu 1500
ethtool -K lo tso off gso off gro off 2>/dev/null || true

mkdir -p "$(dirname "$out")"
dumpcap -q -i lo -B 256 -f 'tcp port 25 or tcp port 587 or tcp port 110 or tcp port 143' -w "$work/real.pcapng" 2>"$work/dumpcap.log" &
pid=$!
for _ in $(seq 50); do
	grep -q "Capturing on" "$work/dumpcap.log" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5
python3 cmd/mailtrace-corpus/workload.py "$BYTES"
sleep 1
kill -INT "$pid"
wait "$pid" || true
pid=
cp "$work/real.pcapng" "$out"
echo "recorded $out: $(stat -c %s "$out") bytes"
