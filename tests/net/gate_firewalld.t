#!/bin/bash
# The gate under firewalld (nftables backend), run in the server's namespaces with a private
# D-Bus (tests/net/firewalld.sh): its table inet firewalld owned (flags owner, as firewalld
# 2.3+ with NftablesTableOwner=yes) and not, the default zone with the ssh service and
# without it. Where firewalld accepts ssh, the gate alone keeps the door closed but to
# granted knockers; where it drops ssh and its table is not owned, knockd also writes the
# grant into inet firewalld (backend nftables) and writes it again after each
# `firewall-cmd --reload`; where it drops ssh in an owned table, nothing knockd may write
# can let a knocker in: knockd -t must say what to change. Each checks the matrix of
# tests/net/gate_mgr.sh with `firewall-cmd --reload` as the manager's reload.
. "$KNOCK_SRC/tests/net/lib.sh"
. "$KNOCK_SRC/tests/net/gate_mgr.sh"
. "$KNOCK_SRC/tests/net/firewalld.sh"
fwd_require
# the host's side, to compare at the end: nothing of firewalld's may appear there
host_state() {
	local f
	for f in /etc/firewalld /run/firewalld /var/log/firewalld /usr/lib/firewalld \
		/etc/systemd/system/multi-user.target.wants/firewalld.service; do
		[ -e "$f" ] && echo "$f exists"
	done
	systemctl is-enabled firewalld 2>&1
	dpkg-query -W -f='${db:Status-Abbrev}\n' firewalld python3-firewall 2>&1
}
# shellcheck disable=SC2034 # compared at the end, in an eval
HOST_BEFORE=$(host_state)
NO_LEGACY=1 net_setup
trap 'fwd_stop; cleanup' EXIT
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
mgr_clients "$SPK"
DOOR4=ssh DOOR6=ssh DST4=$SRV4 DST6=$SRV6 PORT=22 GRANT_SET4=ssh_4 GRANT_SET6=ssh_6 BOUND_MS=100
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -c "$TMP/knockd.conf" "$@"; }
reload() { fwcmd --reload; }
N=0

# scenario LABEL owned|notowned ssh|nossh [knockd.conf lines for [knockd]...]
scenario() {
	local label=$1 owned=$2 ssh=$3 rc
	shift 3
	N=$((N + 1))
	fwd_setup "$([ "$owned" = owned ] && echo owned)"
	[ "$ssh" = nossh ] && fwd_no_ssh
	fwd_start
	if [ "$owned" = owned ]; then
		check "$label: control: firewalld's table is owned" \
			eval 'in_ns "$SRV" nft list table inet firewalld | grep -q "flags owner"'
	else
		check "$label: control: firewalld's table is not owned" \
			eval '! in_ns "$SRV" nft list table inet firewalld | grep -q "flags owner"'
	fi
	if [ "$ssh" = ssh ]; then
		check "$label: control: without knockd firewalld lets the bystander in (IPv4)" \
			wait_until 20 can_connect "$C2" "$SRV4" 22
		check "$label: control: ... and over IPv6" can_connect "$C2" "$SRV6" 22
	else
		check "$label: control: without knockd firewalld drops ssh (IPv4)" cannot_connect "$C2" "$SRV4" 22
		check "$label: control: ... and over IPv6" cannot_connect "$C2" "$SRV6" 22
		check "$label: control: the zone allows no tcp/22" \
			eval '! in_ns "$SRV" nft list chain inet firewalld filter_IN_public_allow | grep -q "tcp dport 22 "'
	fi
	BACKEND=auto TTL=${TTL_S}s write_server_conf "$TMP/knockd.conf" "$CPK"
	sed -i "s|^state_dir = .*|state_dir = $TMP/state$N|" "$TMP/knockd.conf"
	local l
	for l in "$@"; do sed -i "s|^replay_window = 60s|replay_window = 60s\n$l|" "$TMP/knockd.conf"; done
	in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t$N.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$TMP/t$N.out"
	T_RC=$rc
}

# knockd runs; the whole matrix with firewall-cmd --reload; then knockd is gone (kill -9),
# the gate is removed, firewalld stopped.
matrix() {
	start_knockd "$TMP/knockd.conf" "$TMP/knockd$N.log" ||
		bail "$1: knockd did not start: $(cat "$TMP/knockd$N.log")"
	mgr_matrix "$1" reload
	sed 's/^/#   /' "$TMP/knockd$N.log"
	ctl gate remove >/dev/null
	fwd_stop
}

PROBES="issue 22 item 2: auto refuses firewalld's table though its zone accepts the door (and -t advises that setup for an owned table)"
FWNFT=("nft_table = inet firewalld" "nft_input_chain = filter_INPUT" "nft_output_chain = filter_OUTPUT")

# Not owned, ssh accepted by firewalld: the gate alone would do; knockd's defaults refuse.
scenario "firewalld, table not owned, ssh service" notowned ssh
todo_check "$PROBES" "firewalld not owned, ssh: knockd -t passes with the defaults (exit $T_RC)" [ "$T_RC" = 0 ]
scenario "firewalld, table not owned, ssh service (knockd onto inet firewalld)" notowned ssh "${FWNFT[@]}"
check "firewalld not owned, ssh, nft_table = inet firewalld: knockd -t passes (exit $T_RC)" [ "$T_RC" = 0 ]
matrix "firewalld not owned, ssh"

# Not owned, ssh dropped by firewalld: the grant must live in inet firewalld too, and come
# back after every reload (which deletes and re-creates firewalld's table).
scenario "firewalld, table not owned, no ssh service" notowned nossh "${FWNFT[@]}"
check "firewalld not owned, no ssh: knockd -t passes (exit $T_RC)" [ "$T_RC" = 0 ]
matrix "firewalld not owned, no ssh"

# Owned, ssh accepted: the gate alone does it, knockd may write nothing into inet firewalld.
scenario "firewalld, table owned, ssh service" owned ssh
todo_check "$PROBES" "firewalld owned, ssh: knockd -t passes (exit $T_RC)" [ "$T_RC" = 0 ]
if start_knockd "$TMP/knockd.conf" "$TMP/knockd$N.log"; then
	ok "firewalld owned, ssh: knockd starts"
	matrix "firewalld owned, ssh"
else
	todo_check "$PROBES" "firewalld owned, ssh: knockd starts: $(tail -1 "$TMP/knockd$N.log")" false
	# what does work today: the gate written by knockd -G (the boot unit), across a reload
	check "firewalld owned, ssh: knockd -G writes the gate" \
		eval 'in_ns "$SRV" "$KNOCK_BUILD/knockd" -G -c "$TMP/knockd.conf" >/dev/null'
	mgr_closed "firewalld owned, ssh, the gate only"
	reload >/dev/null
	mgr_closed "firewalld owned, ssh, the gate only, after firewall-cmd --reload"
	ctl gate remove >/dev/null
	fwd_stop
fi

# Owned, ssh dropped: nothing knockd may write lets a knocker in; -t must say so and what
# to change.
scenario "firewalld, table owned, no ssh service" owned nossh "${FWNFT[@]}"
check "firewalld owned, no ssh: knockd -t fails (exit $T_RC)" [ "$T_RC" != 0 ]
check "firewalld owned, no ssh: knockd -t says what to change" \
	grep -q "firewall-cmd .*--add-service=ssh" "$TMP/t$N.out"
if start_knockd "$TMP/knockd.conf" "$TMP/knockd$N.log"; then
	not_ok "firewalld owned, no ssh: knockd started, though it cannot write into the owned table"
	stop_knockd
else
	stop_knockd
	check "firewalld owned, no ssh: knockd refuses to start: $(tail -1 "$TMP/knockd$N.log")" \
		grep -q "Operation not permitted\|owned\|firewall-cmd" "$TMP/knockd$N.log"
fi
check "firewalld owned, no ssh: nothing of knockd's in inet firewalld" \
	eval '! in_ns "$SRV" nft list table inet firewalld | grep -q knockd'
mgr_closed "firewalld owned, no ssh, knockd not running"
ctl gate remove >/dev/null
fwd_stop
in_ns "$SRV" nft list ruleset >"$TMP/after.nft"
check "firewalld stopped: its table is gone" eval '! grep -q "table inet firewalld" "$TMP/after.nft"'
check "the host is as it was (no firewalld files, unit or package state)" \
	eval '[ "$(host_state)" = "$HOST_BEFORE" ]'
host_state | sed 's/^/#   host: /'
done_testing
