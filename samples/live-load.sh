#!/usr/bin/env bash
# Load check for "mailtrace live" (a benchmark, not a test): while a burst
# of mail crosses loopback (N submissions with attachments through
# Postfix, then every message downloaded over POP3 and IMAP from Dovecot),
# mailtrace live and tcpdump capture side by side. It reports the rate,
# the packets each dropped, and whether the sessions mailtrace showed live
# are those that "mailtrace read" finds in tcpdump's capture.
#
#   sudo samples/live-load.sh [N]     (default N=300)
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-300}
command -v tcpdump >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null
./servers.sh install
./servers.sh start >/dev/null
./servers.sh reset
(cd .. && go build -o bin/mailtrace ./cmd/mailtrace)
MT=../bin/mailtrace
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Attachments of 100 KB to 1 MB.
for i in $(seq 0 9); do head -c $(((i + 1) * 100000)) /dev/urandom >"$work/att$i.bin"; done

tcpdump -q -i lo -B 65536 -w "$work/ref.pcap" 'tcp port 25 or tcp port 587 or tcp port 110 or tcp port 143' 2>"$work/tcpdump.err" &
tcpdump=$!
"$MT" live -i lo --jsonl -o "$work/live.jsonl" 2>"$work/live.err" &
live=$!
sleep 2
start=$(date +%s.%N)
seq "$N" | xargs -P 8 -I{} swaks --silent 2 --server 127.0.0.1:587 --pipeline \
	--auth PLAIN --auth-user alumnoimap --auth-password alumnoimappass \
	--from alumnoimap@redes.unlp.edu.ar --to alumnopop@redes.unlp.edu.ar,alumnoimap@redes.unlp.edu.ar \
	--header "Subject: carga {}" --attach @"$work/att$(( RANDOM % 10 )).bin"
# Wait for local delivery of all of them.
for _ in $(seq 120); do
	[ "$(grep -c '^Subject: carga' /var/mail/alumnoimap)" -ge "$N" ] && break
	sleep 1
done
python3 - <<'PY'
import imaplib, poplib
p = poplib.POP3("127.0.0.1", 110)
p.user("alumnopop"); p.pass_("alumnopoppass")
for i in range(1, len(p.list()[1]) + 1):
    p.retr(i)
p.quit()
m = imaplib.IMAP4("127.0.0.1", 143)
m.login("alumnoimap", "alumnoimappass")
m.select("INBOX")
typ, data = m.search(None, "ALL")
for num in data[0].split():
    m.fetch(num, "(BODY.PEEK[])")
m.logout()
PY
end=$(date +%s.%N)
sleep 2
kill -INT "$live" "$tcpdump"
wait "$live" "$tcpdump" || true

"$MT" read --jsonl "$work/ref.pcap" >"$work/ref.jsonl"
bytes=$(stat -c %s "$work/ref.pcap")
echo "burst: $N submissions, then POP3 and IMAP downloads; $((bytes / 1000000)) MB captured in $(awk -v a="$end" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s" \
	"($(awk -v a="$end" -v b="$start" -v n="$bytes" 'BEGIN { printf "%.0f", n * 8 / (a - b) / 1e6 }') Mbit/s)"
echo "mailtrace live: $(tr '\n' ';' <"$work/live.err")"
echo "tcpdump:        $(grep -E 'captured|received|dropped' "$work/tcpdump.err" | tr '\n' ';')"
python3 - "$work/live.jsonl" "$work/ref.jsonl" <<'PY'
import json, sys
def load(path):
    out = {}
    for line in open(path):
        s = json.loads(line)
        if s.get("type") != "session":
            continue  # DNS lookups and journeys have lines of their own
        key = (s["client"], s["server"])
        # Everything but the timestamps, which the two capturers take apart.
        ex = [[(e["command"] or {}).get(k) for k in ("kind", "tag", "verb", "args", "size")] +
              [(e["response"] or {}).get(k) for k in ("status", "lines")] for e in s["exchanges"]]
        out[key] = json.dumps([s["protocol"], s["bytes_client"], s["bytes_server"], s["state"], ex,
                               [(a["mechanism"], a["username"], a["success"]) for a in s["auth"]],
                               [(m["subject"], m["size"]) for m in s["messages"]], len(s["gaps"])])
    return out
live, ref = load(sys.argv[1]), load(sys.argv[2])
same = sum(1 for k in ref if live.get(k) == ref[k])
print(f"sessions: live {len(live)}, read of tcpdump's capture {len(ref)}, identical transcripts {same}")
sys.exit(0 if same == len(ref) == len(live) else 1)
PY
