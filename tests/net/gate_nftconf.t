#!/bin/bash
# The gate under a hand-written native nftables.conf (policy drop, and port 22 dropped by name)
# reloaded with `nft -f` and its `flush ruleset`: the grant lives in the gate and, as an
# accept, in inet filter; the reload deletes the accept and knockd's netlink watch writes it
# back (tests/net/matrix.sh: the checks).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
command -v nft >/dev/null || bail "nft missing (make deps installs nftables)"
MGR="nftables.conf" BOUND_MS=100
cat >"$TMP/nftables.conf" <<'NFT'
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		meta l4proto ipv6-icmp accept
		tcp dport 22 drop
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
NFT
mgr_base() { in_ns "$SRV" nft -f "$TMP/nftables.conf"; }
mgr_reload() { in_ns "$SRV" nft -f "$TMP/nftables.conf"; }
. "$KNOCK_SRC/tests/net/matrix.sh"
