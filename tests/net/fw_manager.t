#!/bin/bash
# knockd -t names the firewall manager it recognises (issue 22 item 2), from rulesets written
# by hand in the server's namespace (no manager runs): none; ufw on legacy iptables (ufw-*
# chains); Docker on iptables-nft (DOCKER-USER in ip filter); Docker 29's nftables backend
# (table ip docker-bridges); firewalld's table inet firewalld, not owned and owned (held by
# tests/tools/ownedtable as firewalld holds it with NftablesTableOwner=yes). With the owned
# table configured as nft_table, -t refuses (it would fail at start: the daemon, tried, does)
# and says what to change; not owned, -t accepts it.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup
command -v nft >/dev/null && command -v iptables-nft >/dev/null || bail "nft or iptables-nft missing"
[ -x "$KNOCK_BUILD/tests/tools/ownedtable" ] || bail "ownedtable missing (make tests)"

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto write_server_conf "$TMP/knockd.conf" "$CPK"
t_check() { in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "${1:-$TMP/knockd.conf}" 2>&1; }

out=$(t_check)
check "no ruleset: manager none" eval '[[ $out == *"manager: none: no firewall ruleset"* ]]'
check "... per door and family: closed by the gate, accepted by the host already" \
	eval '[[ $out == *"door ssh IPv4: closed by the gate; granted traffic is accepted by the host already (nothing drops it)"*"door ssh IPv6: closed by the gate; granted traffic is accepted by the host already"* ]]'

in_ns "$SRV" iptables-legacy -N ufw-before-input
out=$(t_check)
check "legacy ufw-* chains: ufw on legacy iptables" eval '[[ $out == *"manager: ufw (legacy iptables: ufw-* chains)"* ]]'
in_ns "$SRV" iptables-legacy -X ufw-before-input
out=$(t_check)
check "... gone again: none" eval '[[ $out == *"manager: none"* ]]'

in_ns "$SRV" iptables-nft -N DOCKER-USER
out=$(t_check)
check "DOCKER-USER in iptables-nft: Docker on iptables-nft" \
	eval '[[ $out == *"manager: Docker (iptables-nft: DOCKER-USER in table ip filter)"* ]]'
echo "$out" | sed 's/^/#   /'
in_ns "$SRV" nft flush ruleset
in_ns "$SRV" nft add table ip docker-bridges
out=$(t_check)
check "table ip docker-bridges: Docker 29's nftables backend" \
	eval '[[ $out == *"Docker (nftables backend, Docker 29+"* ]]'
in_ns "$SRV" nft flush ruleset

cp "$TMP/knockd.conf" "$TMP/fwd.conf"
sed -i 's/^backend = auto$/backend = auto\nnft_table = inet firewalld\nnft_input_chain = filter_INPUT\nnft_output_chain = filter_OUTPUT/' "$TMP/fwd.conf"
in_ns "$SRV" nft -f - <<'NFT'
table inet firewalld {
	chain filter_INPUT { type filter hook input priority filter + 10; policy drop; }
}
NFT
out=$(t_check "$TMP/fwd.conf"); rc=$?
echo "$out" | sed 's/^/#   /'
check "firewalld, table not owned: named so, and -t accepts nft_table = inet firewalld" \
	eval '[ $rc = 0 ] && [[ $out == *"manager: firewalld (table inet firewalld, not owned)"* ]]'
in_ns "$SRV" nft delete table inet firewalld

mkfifo "$TMP/hold"
ip netns exec "$SRV" "$KNOCK_BUILD/tests/tools/ownedtable" inet firewalld filter_INPUT \
	<"$TMP/hold" >"$TMP/owned.out" 2>&1 &
PIDS+=($!)
exec 7>"$TMP/hold"
wait_until 50 grep -q ready "$TMP/owned.out" || bail "ownedtable: $(cat "$TMP/owned.out")"
check "positive control: another process cannot write into the owned table" \
	eval '! in_ns "$SRV" nft add chain inet firewalld probe 2>/dev/null'
out=$(t_check "$TMP/fwd.conf"); rc=$?
echo "$out" | sed 's/^/#   /'
check "firewalld, owned table: named so" \
	eval '[[ $out == *"manager: firewalld (table inet firewalld, owned by firewalld"* ]]'
check "... and -t refuses nft_table = inet firewalld, saying what to change (exit $rc)" \
	eval '[ $rc = 1 ] && [[ $out == *"table inet firewalld is owned by another process"*"firewall-cmd --permanent --add-service=ssh"* ]]'
out=$(in_ns "$SRV" timeout 10 "$KNOCK_BUILD/knockd" -f -c "$TMP/fwd.conf" 2>&1); rc=$?
check "... rightly: the daemon fails at start with it (exit $rc)" \
	eval '[ $rc != 0 ] && [ $rc != 124 ] && [[ $out != *"started:"* ]]'
echo "$out" | tail -3 | sed 's/^/#   /'
exec 7>&-
done_testing
