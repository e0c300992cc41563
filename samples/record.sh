#!/usr/bin/env bash
# Re-records the bundled samples from real servers on loopback: Postfix and
# Dovecot (servers.sh) driven by real clients (swaks, Python's poplib and
# imaplib, and sessions typed line by line as in the seed practice).
# Needs root; captures with dumpcap on lo, so pcapng like Wireshark's.
#
#   sudo samples/record.sh               every sample
#   sudo samples/record.sh imap-idle     only the samples named
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v dumpcap >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wireshark-common >/dev/null
fi
./servers.sh install
./servers.sh start
[ $# -gt 0 ] || ./servers.sh reset
sleep 2 # the greetings to servers.sh's port probes must not be recorded

FILTER='tcp port 24 or tcp port 25 or tcp port 587 or tcp port 465 or tcp port 110 or tcp port 143 or tcp port 995 or tcp port 993 or port 53'
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

# deliver N USER: put N messages in USER's mailbox through Postfix's
# sendmail, which is not on the network, so nothing of it is recorded.
deliver() {
	local n=$1 user=$2
	local before
	before=$(grep -c '^From ' "/var/mail/$user" || true)
	for i in $(seq "$n"); do
		printf 'From: alumnopop@redes.unlp.edu.ar\nTo: %s@redes.unlp.edu.ar\nSubject: Mensaje %d de la practica\n\nLinea uno del mensaje %d.\nLinea dos.\n' \
			"$user" "$i" "$i" | sendmail -f alumnopop@redes.unlp.edu.ar "$user@redes.unlp.edu.ar"
	done
	for _ in $(seq 100); do
		[ "$(grep -c '^From ' "/var/mail/$user" || true)" -ge $((before + n)) ] && return 0
		sleep 0.1
	done
	echo "record.sh: $n messages did not reach $user" >&2
	exit 1
}

printf 'Informe de la practica 4.\nAdjunto de prueba.\n' >"$work/informe.txt"
head -c 3000 /dev/urandom >"$work/captura.bin"

# resolver: a DNS server on loopback that answers for the lab's domain as
# its real one would: MX 10 mail.redes.unlp.edu.ar, which is 127.0.0.1.
resolver() {
	if ! command -v dnsmasq >/dev/null || ! command -v dig >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base bind9-dnsutils >/dev/null
	fi
	dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
		--mx-host=redes.unlp.edu.ar,mail.redes.unlp.edu.ar,10 --host-record=mail.redes.unlp.edu.ar,127.0.0.1 \
		--local-ttl=3600 --pid-file="$work/dnsmasq.pid" --user=root
	trap 'kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null; rm -rf "$work"' EXIT
}

# mx_then_smtp: exercise 5: which server receives mail for the domain? Ask
# the resolver, then send to the server it names, as an MTA would.
mx_then_smtp() {
	local mx host
	mx=$(dig +short @127.0.0.1 MX redes.unlp.edu.ar | sort -n | head -1)
	host=${mx#* }
	host=${host%.}
	addr=$(dig +short @127.0.0.1 A "$host" | head -1)
	swaks --silent 2 --server "$addr:25" --helo redes --from alumnopop@redes.unlp.edu.ar \
		--to alumnoimap@redes.unlp.edu.ar --header 'Subject: entregado por MX'
}

# Exercises 1 and 5 need the other end of the relay hop: a second MTA
# and a resolver that names it.
#
# second_mta: a second Postfix (postmulti instance postfix-mx) beside the
# lab's, taking mail for pepe@correo.example and pepe@destino.example: on
# 127.0.0.3 as mx2.correo.example, on 127.0.0.4 as mx.destino.example;
# on 127.0.0.2, as mx1.correo.example, its postscreen refuses every
# client (521, RFC 7504): an exchanger that takes no mail. Its listeners
# name their addresses (inet_interfaces only says which of the machine's
# own are its: 127.0.0.1, which it does not listen on).
second_mta() {
	local c=/etc/postfix-mx
	id pepe >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin pepe
	touch /var/mail/pepe
	chown pepe:mail /var/mail/pepe
	chmod 0660 /var/mail/pepe
	postmulti -e init
	[ -d "$c" ] || postmulti -I postfix-mx -e create
	postconf -c "$c" -e 'myhostname = mx2.correo.example' 'mydomain = correo.example' \
		'mydestination = correo.example, destino.example' \
		'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
		'mynetworks = 127.0.0.0/8' 'smtpd_tls_security_level = none' 'smtp_tls_security_level = none' \
		'smtpd_banner = $myhostname ESMTP' 'master_service_disable =' 'relayhost =' \
		'alias_maps =' 'alias_database =' 'maillog_file = /var/log/postfix-mx.log'
	postconf -c "$c" -MX smtp/inet 2>/dev/null || true
	postconf -c "$c" -M '127.0.0.2:smtp/inet=127.0.0.2:smtp inet n - n - 1 postscreen' \
		'127.0.0.3:smtp/inet=127.0.0.3:smtp inet n - n - - smtpd' \
		'127.0.0.4:smtp/inet=127.0.0.4:smtp inet n - n - - smtpd' \
		'smtpd/pass=smtpd pass - - n - - smtpd' \
		'postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd'
	postconf -c "$c" -P '127.0.0.2:smtp/inet/postscreen_access_list=static:reject' \
		'127.0.0.2:smtp/inet/postscreen_denylist_action=drop' \
		'127.0.0.4:smtp/inet/myhostname=mx.destino.example'
	postconf -c "$c" -F '*/*/chroot = n'
	postmulti -i postfix-mx -e enable
	postmulti -i postfix-mx -p stop >/dev/null 2>&1 || true
	postmulti -i postfix-mx -p start </dev/null >/dev/null 2>&1
	for a in 127.0.0.2 127.0.0.3 127.0.0.4; do
		for _ in $(seq 50); do
			if (exec 3<>"/dev/tcp/$a/25") 2>/dev/null; then break; fi
			sleep 0.1
		done
	done
	sleep 2 # the greetings to these probes must not be recorded
}

# second_mta_gone: the second MTA stopped and left out of the lab's
# "postfix start" (servers.sh).
second_mta_gone() {
	postmulti -i postfix-mx -p stop >/dev/null 2>&1 || true
	postmulti -i postfix-mx -e disable >/dev/null 2>&1 || true
}

# mx_resolver: the resolver on loopback (dnsmasq) with the exchangers of
# both exercises: correo.example MX 10 mx1 (refuses) and MX 20 mx2;
# destino.example MX 10 mx.destino.example.
mx_resolver() {
	if ! command -v dnsmasq >/dev/null || ! command -v dig >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base bind9-dnsutils >/dev/null
	fi
	dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --local-ttl=3600 \
		--mx-host=correo.example,mx1.correo.example,10 --mx-host=correo.example,mx2.correo.example,20 \
		--host-record=mx1.correo.example,127.0.0.2 --host-record=mx2.correo.example,127.0.0.3 \
		--mx-host=destino.example,mx.destino.example,10 --host-record=mx.destino.example,127.0.0.4 \
		--pid-file="$work/dnsmasq.pid" --user=root
	trap 'mx_gone; rm -rf "$work"' EXIT
}

# mx_gone: the resolver, the second MTA and the lab's Postfix's way out
# gone, as before mx_resolver and second_mta.
mx_gone() {
	[ -f "$work/dnsmasq.pid" ] && kill "$(cat "$work/dnsmasq.pid")" 2>/dev/null
	rm -f "$work/dnsmasq.pid"
	lab_postfix_back
	second_mta_gone
}

# lab_postfix_asks_loopback: the lab's Postfix started again in a mount
# namespace of its own whose /etc/resolv.conf names the resolver on
# loopback: its MX lookups go there, and the machine's resolver is left
# alone. lab_postfix_back starts it as servers.sh does.
lab_postfix_asks_loopback() {
	printf 'nameserver 127.0.0.1\n' >"$work/resolv.conf"
	# Debian's "Local only" Postfix sends nothing out (the error
	# transport); for these two it sends, as the lab's server does.
	postconf -e 'default_transport = smtp' 'relay_transport = relay'
	postfix stop >/dev/null 2>&1 || true
	unshare -m sh -c "mount --bind '$work/resolv.conf' /etc/resolv.conf && postfix start" </dev/null >/dev/null 2>&1
	for _ in $(seq 50); do
		if (exec 3<>/dev/tcp/127.0.0.1/587) 2>/dev/null; then break; fi
		sleep 0.1
	done
	sleep 2 # the greeting to the probe must not be recorded
}
lab_postfix_back() {
	postconf -e 'default_transport = error' 'relay_transport = error'
	postfix stop >/dev/null 2>&1 || true
	postfix start </dev/null >/dev/null 2>&1
}

# submit_and_relay TO SUBJECT: alumnoimap submits a message on 587 (the
# first hop); the lab's Postfix looks up TO's domain's exchangers and
# relays it (the second); wait until pepe's mailbox has it.
submit_and_relay() {
	local to=$1 subject=$2 before
	before=$(grep -c '^From ' /var/mail/pepe || true)
	swaks --silent 2 --server 127.0.0.1:587 --auth PLAIN --auth-user alumnoimap --auth-password alumnoimappass \
		--helo cliente.redes.unlp.edu.ar --from alumnoimap@redes.unlp.edu.ar --to "$to" --header "Subject: $subject"
	for _ in $(seq 300); do
		[ "$(grep -c '^From ' /var/mail/pepe || true)" -gt "$before" ] && return 0
		sleep 0.1
	done
	echo "record.sh: the message to $to was not relayed" >&2
	exit 1
}

# bare_newline yes|no: whether Postfix refuses lines ended by a bare LF
# (smtpd_forbid_bare_newline, Postfix 3.7.10 and later); with no, it also
# takes a "." beside a bare LF as the end of DATA.
bare_newline() {
	# Its exclusions default to $mynetworks, which holds loopback.
	postconf -e "smtpd_forbid_bare_newline = $1" "smtpd_forbid_bare_newline_exclusions ="
	postfix reload >/dev/null 2>&1
	sleep 1
}

# openssl_sessions: OpenSSL's own client, writing its key log: TLS 1.3 with
# ChaCha20-Poly1305 on 993 and a KeyUpdate each way and one way (s_client's
# K and k commands), then SMTP STARTTLS on 587 with AES-128-GCM.
openssl_sessions() {
	local keys=$1
	{
		printf 'a LOGIN alumnoimap alumnoimappass\n'
		sleep 0.5
		printf 'K\n'
		sleep 0.5
		printf 'b SELECT INBOX\n'
		sleep 0.5
		printf 'k\n'
		sleep 0.5
		printf 'c LOGOUT\n'
		sleep 0.5
	} | openssl s_client -connect 127.0.0.1:993 -keylogfile "$keys" -ciphersuites TLS_CHACHA20_POLY1305_SHA256 -crlf >/dev/null 2>&1
	{
		sleep 0.5
		printf 'AUTH PLAIN %s\n' "$(printf '\0alumnoimap\0alumnoimappass' | base64)"
		sleep 0.5
		printf 'quit\n' # Q at a line's start is s_client's own quit
		sleep 0.5
	} | openssl s_client -connect 127.0.0.1:587 -starttls smtp -keylogfile "$keys" -ciphersuites TLS_AES_128_GCM_SHA256 -crlf >/dev/null 2>&1
}

# lmtp_delivery TRANSPORT: how Postfix puts mail in the mailboxes: "" is
# its own local delivery, lmtp:inet:127.0.0.1:24 hands it to Dovecot's
# LMTP on TCP, as a mail server does with a store on another host.
lmtp_delivery() {
	postconf -e "mailbox_transport = $1"
	postfix reload >/dev/null 2>&1
	sleep 1
}

# lmtp_journey: a submission on 587 to both users, Postfix delivering it
# over LMTP, then the message read over IMAP.
lmtp_journey() {
	swaks --silent 2 --server 127.0.0.1:587 --auth PLAIN --auth-user alumnoimap --auth-password alumnoimappass \
		--from alumnoimap@redes.unlp.edu.ar --to alumnopop@redes.unlp.edu.ar,alumnoimap@redes.unlp.edu.ar \
		--header 'Subject: entregado por LMTP' --header 'Message-ID: <lmtp-journey@redes.unlp.edu.ar>'
	for _ in $(seq 100); do
		grep -q 'lmtp-journey@' /var/mail/alumnoimap 2>/dev/null && break
		sleep 0.1
	done
	python3 clients.py imap-read-all
	# A client of its own to LMTP with two recipients and one unknown: a
	# reply for each accepted recipient after the data (RFC 2033 §4.2).
	swaks --silent 2 --server 127.0.0.1:24 --protocol LMTP --from alumnoimap@redes.unlp.edu.ar \
		--to alumnopop@redes.unlp.edu.ar,nadie@redes.unlp.edu.ar,alumnoimap@redes.unlp.edu.ar \
		--header 'Subject: dos destinatarios por LMTP' || true
}

# sample NAME: record one sample, with what its session needs first.
sample() {
	case $1 in
	smtp1) record smtp1 python3 clients.py smtp-seed ;;
	smtp-spoofed-from) record smtp-spoofed-from python3 clients.py smtp-spoofed-from ;;
	smtp-auth-attachment)
		record smtp-auth-attachment swaks --silent 2 --server 127.0.0.1:587 --pipeline \
			--auth LOGIN --auth-user alumnoimap --auth-password alumnoimappass \
			--from alumnoimap@redes.unlp.edu.ar --to alumnopop@redes.unlp.edu.ar \
			--header 'Subject: Informe con adjuntos' --body 'Va el informe adjunto.' \
			--attach @"$work/informe.txt" --attach-type application/octet-stream --attach @"$work/captura.bin"
		;;
	smtp-starttls)
		record smtp-starttls swaks --silent 2 --server 127.0.0.1:25 --tls \
			--from alumnopop@redes.unlp.edu.ar --to alumnoimap@redes.unlp.edu.ar --header 'Subject: cifrado'
		;;
	smtp-auth-login) record smtp-auth-login python3 clients.py smtp-auth-login ;;
	smtp-forged-from) record smtp-forged-from python3 clients.py smtp-forged-from ;;
	pop3) sleep 1 && record pop3 python3 clients.py pop3-seed ;; # local delivery first
	pop3-poplib) record pop3-poplib python3 clients.py pop3-poplib ;;
	pop3-typeahead) ./servers.sh reset && deliver 1 alumnopop && record pop3-typeahead python3 clients.py pop3-typeahead ;;
	imap) record imap python3 clients.py imap-seed ;;
	imap-imaplib) record imap-imaplib python3 clients.py imap-imaplib ;;
	imap-fetch-many) ./servers.sh reset && deliver 7 alumnoimap && record imap-fetch-many python3 clients.py imap-fetch-many ;;
	imap-sections) ./servers.sh reset && deliver 2 alumnoimap && record imap-sections python3 clients.py imap-sections ;;
	imap-idle) ./servers.sh reset && deliver 1 alumnoimap && record imap-idle python3 clients.py imap-idle ;;
	attachments-journey) ./servers.sh reset && record attachments-journey python3 clients.py attachments-journey ;;
	mx-lookup) resolver && record mx-lookup mx_then_smtp ;;
	smtp-auth-pasted) record smtp-auth-pasted python3 clients.py smtp-auth-pasted ;;
	pop3-auth-pasted) ./servers.sh reset && deliver 1 alumnopop && record pop3-auth-pasted python3 clients.py pop3-auth-pasted ;;
	imap-auth-pasted) ./servers.sh reset && deliver 1 alumnoimap && record imap-auth-pasted python3 clients.py imap-auth-pasted ;;
	smtp-bare-lf) bare_newline no && record smtp-bare-lf python3 clients.py smtp-bare-lf ;;
	smtp-bare-lf-forbidden) bare_newline yes && record smtp-bare-lf-forbidden python3 clients.py smtp-bare-lf && bare_newline no ;;
	smtp-smuggling) bare_newline no && record smtp-smuggling python3 clients.py smtp-smuggling ;;
	imap-literals) ./servers.sh reset && deliver 1 alumnoimap && record imap-literals python3 clients.py imap-literals ;;
	pop3-dele-endings) ./servers.sh reset && deliver 3 alumnopop && record pop3-dele-endings python3 clients.py pop3-dele-endings ;;
	imap-seen) ./servers.sh reset && deliver 3 alumnoimap && record imap-seen python3 clients.py imap-seen ;;
	long-line) ./servers.sh reset && record long-line python3 clients.py long-line ;;
	smtp-auth-other-user) record smtp-auth-other-user python3 clients.py smtp-auth-other-user ;;
	smtp-encodings) record smtp-encodings python3 clients.py smtp-encodings ;;
	tls-keylog)
		# The clients write their TLS secrets beside the capture (SSLKEYLOGFILE).
		./servers.sh reset && deliver 1 alumnopop && deliver 1 alumnoimap
		rm -f "$work/tls-keylog.keys"
		SSLKEYLOGFILE="$work/tls-keylog.keys" record tls-keylog python3 clients.py tls-keylog
		cp "$work/tls-keylog.keys" tls-keylog.keys
		chmod 0644 tls-keylog.keys
		# The same capture carrying its key log, as Wireshark's users share one.
		editcap --inject-secrets tls,tls-keylog.keys tls-keylog.pcapng tls-secrets.pcapng
		chmod 0644 tls-secrets.pcapng
		;;
	lmtp-journey)
		./servers.sh reset && lmtp_delivery lmtp:inet:127.0.0.1:24
		record lmtp-journey lmtp_journey
		lmtp_delivery ""
		;;
	exercise1-two-hops)
		second_mta && mx_resolver && lab_postfix_asks_loopback
		record exercise1-two-hops submit_and_relay pepe@destino.example 'Dos saltos: cliente, su servidor, el destino'
		mx_gone
		;;
	exercise5-mx)
		second_mta && mx_resolver && lab_postfix_asks_loopback
		record exercise5-mx submit_and_relay pepe@correo.example 'Ejercicio 5: el primer MX no atiende'
		mx_gone
		;;
	tls-openssl)
		./servers.sh reset && deliver 1 alumnoimap
		record tls-openssl-clear openssl_sessions "$work/tls-openssl.keys"
		editcap --inject-secrets tls,"$work/tls-openssl.keys" tls-openssl-clear.pcapng tls-openssl.pcapng
		rm tls-openssl-clear.pcapng
		chmod 0644 tls-openssl.pcapng
		;;
	*)
		echo "record.sh: no sample $1" >&2
		exit 2
		;;
	esac
}

# The order matters: the SMTP samples deliver what pop3 and imap read.
all=(smtp1 smtp-spoofed-from smtp-auth-attachment smtp-starttls pop3 pop3-poplib imap imap-imaplib
	smtp-auth-login smtp-forged-from pop3-typeahead imap-fetch-many imap-sections imap-idle attachments-journey mx-lookup
	smtp-auth-pasted pop3-auth-pasted imap-auth-pasted smtp-bare-lf smtp-bare-lf-forbidden smtp-smuggling imap-literals
	pop3-dele-endings imap-seen long-line smtp-auth-other-user smtp-encodings tls-keylog tls-openssl lmtp-journey
	exercise1-two-hops exercise5-mx)
for name in "${@:-${all[@]}}"; do
	sample "$name"
done
