# firewalld for a test, run inside the server's network namespace AND a mount namespace of
# its own (tmpfs over /run, for its pid file and /run/firewalld), with a copy of the
# package's /etc/firewalld in $TMP and a private D-Bus system bus (dbus-daemon with a
# config file written here, its socket in $TMP) that the test starts and stops. Nothing is
# installed, enabled or started on the host: firewalld and python3-firewall are the Debian
# packages unpacked (dpkg-deb -x) into $KNOCK_BUILD/firewalld by `make firewalld-root`;
# the libraries they import (python3-dbus, python3-gi, python3-nftables) are in DEB_PKGS.
# Sourced after lib.sh.
# shellcheck shell=bash

FWROOT=$KNOCK_BUILD/firewalld
FWDIR=$TMP/firewalld
FW_BUS="unix:path=$FWDIR/bus"
FWD_PID="" BUS_PID=""

fwd_require() {
	[ -x "$FWROOT/usr/sbin/firewalld" ] ||
		bail "firewalld is not unpacked in $FWROOT (run: make BUILD=$KNOCK_BUILD firewalld-root)"
	/usr/bin/python3 -c 'import dbus, gi, nftables' 2>/dev/null ||
		bail "python3-dbus, python3-gi or python3-nftables missing (run make deps)"
	command -v dbus-daemon >/dev/null || bail "dbus-daemon missing (run make deps)"
}

# fwd_setup [owned]: the private copies (the package's /etc/firewalld and its Python
# code) and the bus's config. firewalld 1.3.3 (Debian 12) has no NftablesTableOwner (2.3+):
# with "owned", the copy of its code creates table inet firewalld with flags owner, as
# firewalld 2.3+ does with NftablesTableOwner=yes (this nft has no "persist" flag).
fwd_setup() {
	rm -rf "$FWDIR"
	mkdir -p "$FWDIR/log" "$FWDIR/py"
	cp -a "$FWROOT/etc/firewalld" "$FWDIR/etc"
	cp -a "$FWROOT/usr/lib/python3/dist-packages/firewall" "$FWDIR/py/"
	if [ "${1:-}" = owned ]; then
		# the table is created (owned) apart, and left out of the JSON batch: an "add table"
		# without the flag would ask the kernel to clear it (EOPNOTSUPP)
		perl -0pi -e 's/^([ \t]+)(json_blob = \{"nftables": \[\{"metainfo")/$1_own = [r for r in _executed_rules if "add" in r and "table" in r["add"] and r["add"]["table"].get("name") == TABLE_NAME]\n$1if _own:\n$1    self.nftables.cmd("add table inet %s { flags owner; }" % TABLE_NAME)\n$1    _executed_rules = [r for r in _executed_rules if r not in _own]\n$1$2/m' \
			"$FWDIR/py/firewall/core/nftables.py"
		grep -q 'flags owner' "$FWDIR/py/firewall/core/nftables.py" ||
			bail "could not make firewalld's table owned (its code changed?)"
	fi
	cat >"$FWDIR/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$FW_BUS</listen>
  <auth>EXTERNAL</auth>
  <policy user="root">
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy context="default">
    <deny own="*"/>
    <deny send_destination="*"/>
  </policy>
</busconfig>
CONF
}

# fwd_conf KEY VALUE: set a key of the private firewalld.conf
fwd_conf() {
	sed -i "/^$1=/d" "$FWDIR/etc/firewalld.conf"
	echo "$1=$2" >>"$FWDIR/etc/firewalld.conf"
}

# fwd_start: the bus, then firewalld, in the server's network namespace and a new mount
# namespace each; waits (at most 30 s) until firewalld answers on the bus.
fwd_start() {
	ip netns exec "$SRV" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=755 tmpfs /run && exec dbus-daemon --nofork --config-file="$1"' \
		sh "$FWDIR/dbus.conf" </dev/null >"$FWDIR/log/dbus.out" 2>&1 &
	BUS_PID=$!
	PIDS+=("$BUS_PID")
	wait_until 50 test -S "$FWDIR/bus" || bail "the private D-Bus did not start: $(cat "$FWDIR/log/dbus.out")"
	ip netns exec "$SRV" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=755 tmpfs /run && exec "$@"' sh \
		env DBUS_SYSTEM_BUS_ADDRESS="$FW_BUS" PYTHONPATH="$FWDIR/py" \
		/usr/bin/python3 "$FWROOT/usr/sbin/firewalld" --nofork --nopid \
		--system-config "$FWDIR/etc" --default-config "$FWROOT/usr/lib/firewalld" \
		--log-target file --log-file "$FWDIR/log/firewalld.log" \
		</dev/null >"$FWDIR/log/firewalld.out" 2>&1 &
	FWD_PID=$!
	PIDS+=("$FWD_PID")
	wait_for 100 'timeout 5 ip netns exec "$SRV" env DBUS_SYSTEM_BUS_ADDRESS="$FW_BUS" PYTHONPATH="$FWDIR/py" /usr/bin/python3 "$FWROOT/usr/bin/firewall-cmd" --state >/dev/null 2>&1' ||
		bail "firewalld did not start: $(cat "$FWDIR/log/firewalld.out" "$FWDIR/log/firewalld.log")"
}

# fwcmd ARGS...: firewall-cmd on the private bus (from the server's network namespace)
fwcmd() {
	ip netns exec "$SRV" env DBUS_SYSTEM_BUS_ADDRESS="$FW_BUS" \
		PYTHONPATH="$FWDIR/py" /usr/bin/python3 "$FWROOT/usr/bin/firewall-cmd" "$@"
}

# fwd_stop: firewalld (its CleanupOnExit removes its table), then the bus; by PID
fwd_stop() {
	local p
	for p in "$FWD_PID" "$BUS_PID"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	FWD_PID="" BUS_PID=""
}

# fwd_no_ssh: the private /etc/firewalld's public zone (the default) without the ssh service
fwd_no_ssh() {
	mkdir -p "$FWDIR/etc/zones"
	grep -v '<service name="ssh"/>' "$FWROOT/usr/lib/firewalld/zones/public.xml" \
		>"$FWDIR/etc/zones/public.xml"
}
