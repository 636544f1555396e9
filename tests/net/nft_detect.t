#!/bin/bash
# On a host whose ruleset is in nftables (a native nftables.conf, or iptables-nft), a base
# chain with policy drop overrules any legacy ACCEPT: knockd must not start and write grants
# that would have no effect. knockd -t and the daemon both refuse, saying what they found;
# the check reads nftables over netlink and creates no legacy table as a side effect.
NO_LEGACY=1
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
command -v nft >/dev/null || bail "nft missing (make deps installs nftables)"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
write_server_conf "$TMP/knockd.conf" "$CPK"
legacy_tables() { in_ns "$SRV" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null; }

in_ns "$SRV" nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
	}
}
NFT
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
rc=$?
check "native nftables (inet filter, input policy drop): knockd -t exits 1 (exit $rc)" [ "$rc" = 1 ]
check "... naming what it found and what to do: $out" \
	eval '[[ $out == *"table inet filter chain input (hook input, policy drop)"*"would have no effect"*"iptables-legacy"* ]]'
out=$(in_ns "$SRV" timeout 10 "$KNOCK_BUILD/knockd" -f -c "$TMP/knockd.conf" 2>&1)
rc=$?
check "the daemon refuses to start too (exit $rc)" \
	eval '[ $rc = 1 ] && [[ $out == *"an nftables ruleset is in force here"* ]]'
check "... and created no legacy table on the way ($(legacy_tables | tr '\n' ' '))" \
	eval '[ -z "$(legacy_tables)" ]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" iptables-nft -P INPUT DROP
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "iptables-nft with INPUT policy DROP: refused too: $out" \
	eval '[[ $out == *"table ip filter chain INPUT (hook input, policy drop)"* ]]'

in_ns "$SRV" nft flush ruleset
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
rc=$?
check "no nftables ruleset: knockd -t passes (exit $rc)" eval '[ $rc = 0 ] && [[ $out == *": OK: "* ]]'
done_testing
