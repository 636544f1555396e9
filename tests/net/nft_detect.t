#!/bin/bash
# Backend selection. A packet passes only if every base chain on its hook lets it through,
# legacy xtables and nftables alike, so grants must go where the drops are: backend = auto
# finds them (reading nftables over netlink and /proc, creating no table), and a configured
# backend whose grants would have no effect is refused with what was found and what to set.
NO_LEGACY=1
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
command -v nft >/dev/null || bail "nft missing (make deps installs nftables)"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
legacy_tables() { in_ns "$SRV" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null; }
conf() { # conf BACKEND [lines for the [knockd] section]: writes $TMP/knockd.conf
	local b=$1 line; shift
	BACKEND=$b write_server_conf "$TMP/knockd.conf" "$CPK"
	for line in "$@"; do sed -i "/^backend = /a $line" "$TMP/knockd.conf"; done
}
try() { out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1); rc=$?; }
inet_filter() {
	in_ns "$SRV" nft -f - <<NFT
table inet ${1:-filter} {
	chain ${2:-input} {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iif lo accept
	}
}
NFT
}

conf auto
try
check "no ruleset at all: knockd -t passes (exit $rc), picking the gate alone: $out" \
	eval '[ $rc = 0 ] && [[ $out == *"grants go to the gate only"*"backend auto: gate;"* ]]'
check "... and creates no legacy table to say so" eval '[ -z "$(legacy_tables)" ]'

inet_filter
conf iptables
try
check "native nftables + backend = iptables: knockd -t exits 1 (exit $rc)" [ "$rc" = 1 ]
check "... naming what it found and what to set: $out" \
	eval '[[ $out == *"table inet filter chain input (hook input, policy drop)"*"would have no effect; set backend = nftables (or auto)"* ]]'
out=$(in_ns "$SRV" timeout 10 "$KNOCK_BUILD/knockd" -f -c "$TMP/knockd.conf" 2>&1)
rc=$?
check "the daemon refuses to start too (exit $rc)" \
	eval '[ $rc = 1 ] && [[ $out == *"an nftables ruleset is in force here"* ]]'
check "... and created no legacy table on the way ($(legacy_tables | tr '\n' ' '))" \
	eval '[ -z "$(legacy_tables)" ]'
conf auto
try
check "the same ruleset with backend = auto: nftables, into inet filter input (exit $rc)" \
	eval '[ $rc = 0 ] && [[ $out == *"table inet filter chain input -> knockd_input (native)"*"backend auto: nftables;"* ]]'

in_ns "$SRV" nft flush ruleset
inet_filter fw in
conf auto
try
check "a dropping chain the config does not name (inet fw in): refused, saying what to set: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"table inet fw chain in can drop the doors'"'"' traffic"*"set nft_table, nft_input_chain and nft_output_chain"* ]]'
conf auto "nft_table = inet fw" "nft_input_chain = in"
try
check "... accepted once nft_table/nft_input_chain name it: $out" \
	eval '[ $rc = 0 ] && [[ $out == *"table inet fw chain in -> knockd_input (native)"* ]]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		jump rules
	}
	chain rules {
		ct state established,related accept
		tcp dport 22 drop
	}
}
NFT
conf iptables
try
check "a drop in a chain the input chain jumps to counts: backend = iptables refused: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"table inet filter chain input (hook input, drop/reject rules)"* ]]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" nft -f - <<'NFT'
table inet filter {
	chain input {
		type filter hook input priority 0; policy accept;
		ct state vmap { established : accept, related : accept, invalid : drop }
	}
}
NFT
try
check "a verdict map counts as a possible drop: refused: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"table inet filter chain input (hook input, drop/reject rules)"* ]]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" iptables-nft -P INPUT DROP
conf iptables
try
check "iptables-nft with INPUT policy DROP + backend = iptables: refused: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"table ip filter chain INPUT (hook input, policy drop)"* ]]'
conf auto
try
check "... backend = auto writes into iptables-nft's table: $out" \
	eval '[ $rc = 0 ] && [[ $out == *"table ip filter chain INPUT -> KNOCKD-INPUT (iptables-nft)"* ]]'
check "... and still no legacy table" eval '[ -z "$(legacy_tables)" ]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" iptables-legacy -P INPUT DROP
conf nftables
try
check "legacy INPUT policy DROP + backend = nftables: refused: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"the legacy xtables can drop the doors'"'"' traffic here (iptables-legacy filter INPUT)"*"set backend = iptables (or auto)"* ]]'
conf auto
try
check "... backend = auto picks iptables: $out" eval '[ $rc = 0 ] && [[ $out == *"backend auto: iptables;"* ]]'
inet_filter
try
check "legacy and nftables both dropping: refused, keep one ruleset: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"both nftables (table inet filter chain input"*"and the legacy xtables (iptables-legacy filter INPUT)"* ]]'
out=$(in_ns "$SRV" timeout 10 "$KNOCK_BUILD/knockd" -f -c "$TMP/knockd.conf" 2>&1)
check "... the daemon too (exit $?)" eval '[[ $out == *"both nftables"* ]]'

in_ns "$SRV" nft flush ruleset
in_ns "$SRV" iptables-legacy -P INPUT ACCEPT
conf nftables
try
check "backend = nftables with no table to write into: refused: $out" \
	eval '[ $rc = 1 ] && [[ $out == *"found no table to write into"* ]]'
conf auto
try
check "nothing drops anywhere: knockd -t passes and says so (exit $rc)" \
	eval '[ $rc = 0 ] && [[ $out == *"nothing drops the doors'"'"' traffic yet"*": OK: "* ]]'
done_testing
