#!/bin/bash
# Knocks over a lossy link: the client's port of the LAN bridge drops 30 % of what the
# client sends, at random and silently (nftables numgen random in the bridge's namespace;
# this kernel has no netem). knock HOST and knock --sequence HOST
# send copies of each packet (knock(1) --copies), so each try must open within 1 s of the
# invocation, seen as the grant rule in the server's kernel. Controls: the link really
# drops ~30 % (its drop counter over 1,000 datagrams), and single copies do fail on it.
# LOSS_TOKENS (20) and LOSS_SEQS (10) tries; make bench runs it with many more and reads
# the "# loss:" line. A sequence is valid once per client and time step: each sequence try
# is another client's.
. "$KNOCK_SRC/tests/net/lib.sh"
TOKENS=${LOSS_TOKENS:-20} SEQS=${LOSS_SEQS:-10} CONTROL=20
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
extra=()
# at least 64 sequence clients: the packet parser sorts a table of their first knocks at each
# time step, which once killed it (glibc's qsort asked for sysinfo, not in its filter)
for i in $(seq $((SEQS > 64 ? SEQS : 64))); do
	pk=$(make_key "s$i") || bail "keygen failed"
	extra+=("[client:s$i]" "public_key = $pk" "doors = ssh" "sequence = yes")
	[ "$i" -le "$SEQS" ] || continue
	write_client_conf "$TMP/s$i.conf" "$TMP/s$i.key" "$SPK" "$SRV4"
done
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK" "${extra[@]}"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }

# The lossy link: 30 % of the client's packets to the server dropped on the wire, counted.
in_ns "$LAN" nft -f - <<'NFT' || bail "nft: cannot set up the lossy link"
table bridge loss {
	chain lossy {
		type filter hook forward priority 0; policy accept;
		iifname "v-c1" ip daddr 192.0.2.1 numgen random mod 100 < 30 counter drop
	}
}
NFT
dropped() { in_ns "$LAN" nft list chain bridge loss lossy | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
d0=$(dropped)
in_ns "$C1" "$KNOCK_BUILD/tests/tools/flood" random "$SRV4" 9 1000 >/dev/null 2>&1
d=$(($(dropped) - d0))
check "the link drops 30 % at random: $d of 1000 datagrams dropped (200..400)" \
	[ "$d" -ge 200 -a "$d" -le 400 ]

# try CONF [KNOCK ARGS...]: 0 when a grant rule is in the kernel within 1 s of the knock.
try() {
	local conf=$1 t0 end
	shift
	ctl flush >/dev/null
	rules_empty grant_rules4 || return 2
	t0=$(date +%s%N) end=$((t0 + 1000000000))
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$conf" "$@" prod &
	local kpid=$!
	while [ "$(date +%s%N)" -lt "$end" ]; do
		rules_empty grant_rules4 || { wait "$kpid"; return 0; }
		sleep 0.01
	done
	wait "$kpid"
	return 1
}
count() { # count N CONF-PATTERN ARGS...: how many of N tries opened within 1 s
	local n=$1 pat=$2 i ok=0
	shift 2
	for i in $(seq "$n"); do try "${pat//@/$i}" "$@" && ok=$((ok + 1)); done
	echo "$ok"
}

single=$(count "$CONTROL" "$TMP/knock.conf" --copies 1)
check "control: single tokens over this link: $single of $CONTROL opened (some lost)" \
	[ "$single" -lt "$CONTROL" ]
tok=$(count "$TOKENS" "$TMP/knock.conf")
seq=$(count "$SEQS" "$TMP/s@.conf" --sequence)
diag "loss: token $tok/$TOKENS, sequence $seq/$SEQS, single-copy token $single/$CONTROL, link dropped $d/1000"
# 0.3^7 per token: all but 1 in 4,500; a 4-knock sequence fails in 1 of 1,100
check "knock HOST: $tok of $TOKENS opened within 1 s (at most 1 lost)" [ "$tok" -ge $((TOKENS - 1)) ]
check "knock --sequence HOST: $seq of $SEQS opened within 1 s (at most 1 lost)" \
	[ "$seq" -ge $((SEQS - 1)) ]
check "knockd still running" kill -0 "$KNOCKD_PID"
done_testing
