#!/usr/bin/env bash
# Re-records the bundled samples from real servers on loopback: Postfix and
# Dovecot (servers.sh) driven by real clients (swaks, Python's poplib and
# imaplib, and sessions typed line by line as in the seed practice).
# Needs root; captures with dumpcap on lo, so pcapng like Wireshark's.
#
#   sudo samples/record.sh
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dumpcap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wireshark-common >/dev/null
fi
./servers.sh install
./servers.sh start
./servers.sh reset

FILTER='tcp port 25 or tcp port 587 or tcp port 110 or tcp port 143'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# record NAME COMMAND...: capture loopback mail traffic while COMMAND runs.
record() {
	local name=$1
	shift
	dumpcap -q -i lo -f "$FILTER" -w "$work/$name.pcapng" 2>"$work/dumpcap.log" &
	local pid=$!
	for _ in $(seq 50); do
		grep -q "Capturing on" "$work/dumpcap.log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
	"$@"
	sleep 1
	kill -INT "$pid"
	wait "$pid" || true
	cp "$work/$name.pcapng" "$name.pcapng"
	chmod 0644 "$name.pcapng"
	echo "recorded $name.pcapng"
}

printf 'Informe de la practica 4.\nAdjunto de prueba.\n' >"$work/informe.txt"
head -c 3000 /dev/urandom >"$work/captura.bin"

record smtp1 python3 clients.py smtp-seed
record smtp-spoofed-from python3 clients.py smtp-spoofed-from
record smtp-auth-attachment swaks --silent 2 --server 127.0.0.1:587 --pipeline \
	--auth LOGIN --auth-user alumnoimap --auth-password alumnoimappass \
	--from alumnoimap@redes.unlp.edu.ar --to alumnopop@redes.unlp.edu.ar \
	--header 'Subject: Informe con adjuntos' --body 'Va el informe adjunto.' \
	--attach @"$work/informe.txt" --attach-type application/octet-stream --attach @"$work/captura.bin"
record smtp-starttls swaks --silent 2 --server 127.0.0.1:25 --tls \
	--from alumnopop@redes.unlp.edu.ar --to alumnoimap@redes.unlp.edu.ar --header 'Subject: cifrado'
sleep 1 # let local delivery finish before reading the mailboxes
record pop3 python3 clients.py pop3-seed
record pop3-poplib python3 clients.py pop3-poplib
record imap python3 clients.py imap-seed
record imap-imaplib python3 clients.py imap-imaplib
