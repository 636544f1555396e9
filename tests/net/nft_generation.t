#!/bin/bash
# Commit cost with the nftables backend: a commit reads the ruleset generation and reads the
# base chains again only when the generation moved under knockd. With another tool's table
# of 2000 rules beside ours, knockctl opens and revokes grants; only the first commit after
# an outside change reads the base chains (knockd -v logs each reading); the grants' rules
# are in the kernel each time.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup
command -v nft >/dev/null || bail "nft missing (make deps installs nftables)"
server_nft_firewall
{
	echo 'table ip other {'
	echo '	chain c {'
	for i in $(seq 2000); do echo "		ip saddr 203.0.113.$((i % 250 + 1)) tcp dport $((i + 1000)) counter"; done
	echo '	}'
	echo '}'
} | in_ns "$SRV" nft -f - || bail "cannot load the other table"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
BACKEND=nftables write_server_conf "$TMP/knockd.conf" "$CPK"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" -v || bail "knockd did not start"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@" 2>&1; }
reads() { grep -c 'nftables: base chains read at ruleset generation' "$TMP/knockd.log"; }
ours() { in_ns "$SRV" nft list chain inet filter knockd_input | grep -c 'comment "knockd id=' || true; }

ctl open ssh --addr 192.0.2.10 --ttl 1m >/dev/null # may read: the start-up made our chains
r0=$(reads)
for i in 11 12 13 14 15; do ctl open ssh --addr "192.0.2.$i" --ttl 1m >/dev/null; done
check "five grants written (got $(ours) rules)" [ "$(ours)" = 6 ]
check "... by commits that read no base chain again (readings: $r0 then $(reads))" [ "$(reads)" = "$r0" ]
ctl revoke 2 >/dev/null
check "a revocation: its rule is gone ($(ours) left)" [ "$(ours)" = 5 ]
check "... and nothing read again ($(reads))" [ "$(reads)" = "$r0" ]
in_ns "$SRV" nft add rule ip other c ip saddr 198.51.100.1 counter
ctl open ssh --addr 192.0.2.16 --ttl 1m >/dev/null
check "after another tool's change the next commit reads the base chains again ($(reads))" \
	[ "$(reads)" = $((r0 + 1)) ]
check "... and writes its grant ($(ours) rules)" [ "$(ours)" = 6 ]
ctl open ssh --addr 192.0.2.17 --ttl 1m >/dev/null
check "... the one after it does not ($(reads))" [ "$(reads)" = $((r0 + 1)) ]
in_ns "$SRV" nft flush chain inet filter knockd_input
in_ns "$SRV" nft delete rule inet filter input handle \
	"$(in_ns "$SRV" nft -a list chain inet filter input | sed -n 's/.*jump knockd_input # handle \([0-9]*\)/\1/p')"
in_ns "$SRV" nft delete chain inet filter knockd_input
ctl open ssh --addr 192.0.2.18 --ttl 1m >/dev/null
check "our chain and jump removed by hand: the next commit puts them back, grants too ($(ours))" \
	eval '[ "$(ours)" = 8 ] && in_ns "$SRV" nft list chain inet filter input | grep -q "jump knockd_input"'
ctl flush >/dev/null
check "flush: no rule of ours left" [ "$(ours)" = 0 ]
sed 's/^/#   /' "$TMP/knockd.log" | grep -v 'base chains read' | tail -20
done_testing
