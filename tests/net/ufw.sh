#!/bin/bash
# ufw for the gate's test matrix, sourced by tests/net/gate_ufw*.t after lib.sh and net_setup.
# ufw is Debian's package unpacked by `make ufw` (never installed: its postinst enables
# ufw.service on the host). It runs in the server's network namespace AND a private mount
# namespace: a tmpfs over /run holds its files (/etc/ufw, /etc/default/ufw, /lib/ufw, bound
# from $TMP/ufw, where they stay between runs) and its lock; a copy of /etc/alternatives bound
# over the real one picks iptables-nft or iptables-legacy for it. The host's /run/xtables.lock
# is bound into the private /run, so ufw and knockd still take the same xtables lock. Nothing
# on the host changes: no file in /etc, no service, no module (IPT_MODULES and IPT_SYSCTL are
# emptied), no log lines (LOGLEVEL=off).
# ufw_setup nft|legacy yes|no (MANAGE_BUILTINS); then ufw ARGS... runs ufw there.
# shellcheck shell=bash

UFW_PKG=${KNOCK_UFW:-$KNOCK_SRC/build/ufw}/root
[ -x "$UFW_PKG/usr/sbin/ufw" ] || bail "ufw is not unpacked in $UFW_PKG (run make ufw)"
HOST_ALT=$(readlink /etc/alternatives/iptables)
HOST_UFW=$([ -e /etc/ufw ] && echo present || echo absent)

ufw_setup() {
	local d=$TMP/ufw
	mkdir -p "$d/etc/ufw" "$d/etc/default" "$d/lib/ufw"
	cp -a "$UFW_PKG/lib/ufw/." "$d/lib/ufw/"
	cp -a "$UFW_PKG/etc/ufw/." "$d/etc/ufw/"
	cp "$UFW_PKG"/usr/share/ufw/iptables/*.rules "$d/etc/ufw/"
	sed 's/^LOGLEVEL=.*/LOGLEVEL=off/' "$UFW_PKG/usr/share/ufw/ufw.conf" >"$d/etc/ufw/ufw.conf"
	: >"$d/etc/ufw/sysctl.conf"
	sed "s/^MANAGE_BUILTINS=.*/MANAGE_BUILTINS=$2/; s/^IPT_MODULES=.*/IPT_MODULES=\"\"/;
		s|^IPT_SYSCTL=.*|IPT_SYSCTL=/run/ufw-root/etc/ufw/sysctl.conf|" \
		"$UFW_PKG/etc/default/ufw" >"$d/etc/default/ufw"
	cat >"$TMP/ufw-ns.sh" <<SH
set -e
exec 9<>/run/xtables.lock
mount -t tmpfs -o mode=755 knock-ufw /run
touch /run/xtables.lock && mount --bind /proc/self/fd/9 /run/xtables.lock
mkdir /run/ufw-root /run/alternatives
mount --bind "$d" /run/ufw-root
cp -a /etc/alternatives/. /run/alternatives/
if [ "$1" = legacy ]; then
	for t in iptables ip6tables; do
		for s in "" -save -restore; do ln -sfn "/usr/sbin/\$t-legacy\$s" "/run/alternatives/\$t\$s"; done
	done
fi
mount --bind /run/alternatives /etc/alternatives
export PYTHONPATH="$UFW_PKG/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1
exec python3 "$UFW_PKG/usr/sbin/ufw" --rootdir=/run/ufw-root --datadir=/run/ufw-root "\$@"
SH
}
ufw() { ip netns exec "$SRV" unshare -m --propagation private bash "$TMP/ufw-ns.sh" "$@"; }

# The matrix's manager: ufw's defaults (deny incoming) and `ufw deny 22`, so a grant must
# also be an accept in ufw's tables; the reload is `ufw reload`.
mgr_base() {
	ufw default deny incoming >/dev/null && ufw deny 22 >/dev/null &&
		ufw --force enable >/dev/null || return 1
	ufw status verbose | sed 's/^/#   ufw: /'
}
mgr_reload() { ufw reload >/dev/null; }

# After the matrix: the host is as it was.
ufw_host_unchanged() {
	check "ufw: the host's /etc/alternatives/iptables is unchanged ($HOST_ALT)" \
		[ "$(readlink /etc/alternatives/iptables)" = "$HOST_ALT" ]
	check "ufw: the host's /etc/ufw is as before ($HOST_UFW), no /run/ufw-root on the host" \
		eval '[ "$([ -e /etc/ufw ] && echo present || echo absent)" = "$HOST_UFW" ] &&
		      [ ! -e /run/ufw-root ]'
}
