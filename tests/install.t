#!/bin/bash
# make install into a temporary DESTDIR: binaries, man pages, the systemd unit with its
# paths filled in (systemd-analyze verify accepts it), a config installed 0600 and never
# overwritten; make uninstall removes what install put there but the configuration.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
check() { local d=$1; shift; T_N=$((T_N + 1)); if "$@"; then echo "ok $T_N - $d"; else
	T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $d"; fi; }
TMP=$(mktemp -d /tmp/knockinst.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
D=$TMP/root
inst() { make -s -C "$KNOCK_SRC" BUILD="$KNOCK_BUILD" PREFIX=/usr SYSCONFDIR=/etc DESTDIR="$D" "$@"; }
mode() { [ "$(stat -c %a "$D$1")" = "$2" ]; }

inst_logged() { inst "$@" >"$TMP/install.log" 2>&1; }
inst_quiet() { inst "$@" >/dev/null 2>&1; }
check "make install DESTDIR=..." inst_logged install
for f in /usr/sbin/knockd /usr/sbin/knockctl /usr/bin/knock; do
	check "$f installed, mode 755" mode "$f" 755
done
for f in man1/knock.1 man5/knockd.conf.5 man7/knock-protocol.7 man8/knockd.8 man8/knockctl.8; do
	check "man page $f installed" [ -s "$D/usr/share/man/$f" ]
done
check "sample configuration installed as /etc/knockd/knockd.conf, mode 600" mode /etc/knockd/knockd.conf 600
check "/etc/knockd is mode 700" mode /etc/knockd 700
check "/etc/knockd/clients.d (drop-in files) is mode 700" mode /etc/knockd/clients.d 700
U=$D/usr/lib/systemd/system/knockd-auth.service
check "unit installed with its paths filled in" \
	eval 'grep -q "^ExecStart=/usr/sbin/knockd -f -c /etc/knockd/knockd.conf$" "$U" && ! grep -q @ "$U"'
check "unit: Type=notify, ExecStartPre knockd -t (failure ignored), ExecReload, capability bounding set" \
	eval 'grep -q "^Type=notify$" "$U" && grep -q "^ExecStartPre=-/usr/sbin/knockd -t" "$U" &&
	      grep -q "^ExecReload=/usr/sbin/knockctl -c /etc/knockd/knockd.conf reload$" "$U" &&
	      grep -q "^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_SETPCAP$" "$U"'
check "unit: no restart loop: a start limit (5 starts in 2 minutes)" \
	eval 'grep -q "^StartLimitIntervalSec=120$" "$U" && grep -q "^StartLimitBurst=5$" "$U"'
G=$D/usr/lib/systemd/system/knockd-gate.service
check "gate unit installed: knockd -G before network-pre.target, wanted by knockd-auth.service" \
	eval 'grep -q "^ExecStart=/usr/sbin/knockd -G -c /etc/knockd/knockd.conf$" "$G" &&
	      grep -q "^Before=network-pre.target" "$G" && grep -q "^DefaultDependencies=no$" "$G" &&
	      grep -q "^Wants=network-pre.target knockd-gate.service$" "$U" && ! grep -q @ "$G"'
for u in apt-daily apt-daily-upgrade; do
	f=$D/usr/share/knockd/$u.service.d/knockd.conf
	check "$u drop-in shipped with its paths filled in" \
		eval 'grep -q "^ExecStart=/usr/sbin/knockctl run apt -- /usr/lib/apt/apt.systemd.daily " "$f" &&
		      ! grep -q @ "$f"'
	check "... and not enabled (nothing under /etc/systemd)" [ ! -e "$D/etc/systemd" ]
done
# systemd-analyze verify checks the commands and man pages the unit names, so verify a
# second install whose PREFIX is real (not DESTDIR), with its man pages on MANPATH.
P=$TMP/prefix
make -s -C "$KNOCK_SRC" BUILD="$KNOCK_BUILD" PREFIX="$P" SYSCONFDIR="$P/etc" install \
	>"$TMP/prefix.log" 2>&1
out=$(cd "$TMP" && MANPATH="$P/share/man" SYSTEMD_UNIT_PATH="$P/lib/systemd/system:" \
	systemd-analyze verify knockd-auth.service knockd-gate.service 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
check "systemd-analyze verify accepts the unit, its commands and man pages (exit $rc)" \
	eval '[ $rc = 0 ] && [ -z "$out" ]'

echo "# edited by the admin" >>"$D/etc/knockd/knockd.conf"
check "a second make install" inst_quiet install
check "... never overwrites the configuration" grep -q "edited by the admin" "$D/etc/knockd/knockd.conf"
check "make uninstall" inst_quiet uninstall
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
check "uninstall leaves only the configuration: $left" [ "$left" = "./etc/knockd/knockd.conf " ]
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
