#!/bin/sh
# live captures without root once the binary holds the capabilities a
# packet socket needs (as Wireshark's dumpcap does); without setcap,
# live runs as root.
set -e
if command -v setcap >/dev/null 2>&1; then
	setcap cap_net_raw,cap_net_admin=eip /usr/bin/mailtrace ||
		echo "mailtrace: setcap failed: live capture needs root" >&2
else
	echo "mailtrace: no setcap (libcap2-bin): live capture needs root" >&2
fi
