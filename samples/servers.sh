#!/usr/bin/env bash
# Installs, configures and runs the lab's mail servers on loopback, as in
# the seed practice: Postfix (SMTP on 127.0.0.1:25 and :587) and Dovecot
# (POP3 on :110, IMAP on :143), host name mail.redes.unlp.edu.ar, users
# alumnopop and alumnoimap. Debian packages, run as root.
#
#   samples/servers.sh install   install the packages (idempotent)
#   samples/servers.sh start     configure and start both servers
#   samples/servers.sh stop      stop both servers
#   samples/servers.sh reset     empty both users' mailboxes
set -euo pipefail

HOST=mail.redes.unlp.edu.ar
DOMAIN=redes.unlp.edu.ar
STATE=/run/mailtrace-servers
USERS=(alumnopop:alumnopoppass alumnoimap:alumnoimappass)

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "servers.sh: must run as root (it installs and starts system services)" >&2
		exit 1
	fi
}

install() {
	need_root
	local pkgs=(postfix dovecot-core dovecot-pop3d dovecot-imapd dovecot-lmtpd ssl-cert swaks python3)
	local missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string $HOST" | debconf-set-selections
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

configure_users() {
	for u in "${USERS[@]}"; do
		name=${u%%:*}
		id "$name" >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin "$name"
		mkdir -p "/home/$name/mail"
		chown -R "$name:$name" "/home/$name/mail"
		touch "/var/mail/$name"
		chown "$name:mail" "/var/mail/$name"
		chmod 0660 "/var/mail/$name"
	done
}

configure_postfix() {
	echo "$HOST" >/etc/mailname
	postconf -e \
		"myhostname = $HOST" "mydomain = $DOMAIN" 'myorigin = $mydomain' \
		'mydestination = $myhostname, $mydomain, localhost' \
		'inet_interfaces = loopback-only' 'inet_protocols = ipv4' \
		'mynetworks = 127.0.0.0/8' \
		'smtpd_banner = $myhostname ESMTP Postfix (Lihuen-4.01/GNU)' \
		'smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem' \
		'smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key' \
		'smtpd_tls_security_level = may' \
		'smtpd_sasl_type = dovecot' 'smtpd_sasl_path = private/auth-mailtrace' \
		'smtpd_sasl_auth_enable = yes' \
		'smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination' \
		'home_mailbox =' 'mailbox_command =' 'relayhost =' \
		'maillog_file = /var/log/postfix-mailtrace.log'
	postconf -M 'submission/inet=submission inet n - n - - smtpd'
	postconf -P 'submission/inet/syslog_name=postfix/submission'
	# Submission over implicit TLS (RFC 8314).
	postconf -M 'submissions/inet=submissions inet n - n - - smtpd'
	postconf -P 'submissions/inet/syslog_name=postfix/submissions' 'submissions/inet/smtpd_tls_wrappermode=yes'
	# No chroot: the servers run inside a test machine, and a chroot would
	# need copies of /etc files that nothing here maintains.
	postconf -F '*/*/chroot = n'
	postconf -M 'postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd' >/dev/null
	newaliases
}

configure_dovecot() {
	mkdir -p "$STATE"
	cat >"$STATE/users" <<USERS
$(for u in "${USERS[@]}"; do echo "${u%%:*}:{PLAIN}${u#*:}"; done)
USERS
	cat >"$STATE/dovecot.conf" <<CONF
base_dir = $STATE/dovecot
instance_name = dovecot-mailtrace
protocols = pop3 imap lmtp
listen = 127.0.0.1
postmaster_address = postmaster@$DOMAIN
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
login_greeting = Dovecot (Ubuntu) ready.
ssl = yes
ssl_cert = </etc/ssl/certs/ssl-cert-snakeoil.pem
ssl_key = </etc/ssl/private/ssl-cert-snakeoil.key
mail_location = mbox:~/mail:INBOX=/var/mail/%u
mail_privileged_group = mail
pop3_uidl_format = %08Xu%08Xv
log_path = /var/log/dovecot-mailtrace.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $STATE/users
}
userdb {
  driver = passwd
}
service auth {
  unix_listener /var/spool/postfix/private/auth-mailtrace {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# LMTP on TCP, as a second host would reach it (RFC 2033 §5): Postfix
# delivers through it when record.sh's lmtp_delivery turns it on.
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 24
  }
}
protocol lmtp {
  auth_username_format = %Ln
}
service imap-login {
  inet_listener imaps {
    port = 993
  }
}
service pop3-login {
  inet_listener pop3s {
    port = 995
  }
}
CONF
}

start() {
	need_root
	configure_users
	configure_postfix
	configure_dovecot
	# The daemons must not keep this script's output open: whoever waits
	# for it to finish would wait for them too.
	postfix stop >/dev/null 2>&1 || true
	postfix start </dev/null >/dev/null 2>&1
	if [ -f "$STATE/dovecot/master.pid" ]; then
		dovecot -c "$STATE/dovecot.conf" stop >/dev/null 2>&1 || true
		sleep 1
	fi
	dovecot -c "$STATE/dovecot.conf" </dev/null >/dev/null 2>&1
	for port in 25 587 465 110 143 995 993 24; do
		for _ in $(seq 50); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
			sleep 0.1
		done
	done
	echo "servers.sh: Postfix on 127.0.0.1:25,587,465 and Dovecot on 127.0.0.1:110,143,995,993 (LMTP 24) are up"
}

stop() {
	postfix stop >/dev/null 2>&1 || true
	if [ -f "$STATE/dovecot.conf" ]; then
		dovecot -c "$STATE/dovecot.conf" stop >/dev/null 2>&1 || true
	fi
}

reset() {
	for u in "${USERS[@]}"; do
		name=${u%%:*}
		: >"/var/mail/$name"
		rm -rf "/home/$name/mail/"* "/home/$name/mail/".imap 2>/dev/null || true
	done
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
reset) reset ;;
*)
	echo "usage: samples/servers.sh install|start|stop|reset" >&2
	exit 2
	;;
esac
