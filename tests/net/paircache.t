#!/bin/bash
# The client's pair-key cache (knock(1), FILES): the first knock writes KEY.pair-HEX beside
# the private key, mode 0600; later knocks use it. A damaged cache, one that group or others
# may read, or one made for another key is not used: the knock derives the keys again, still
# opens, and writes the cache again, private.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && OPK=$(make_key other) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
opens() { # opens DESCRIPTION: a fresh knock opens port 22
	ctl flush >/dev/null
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
	check "$1" wait_until 20 can_connect "$C1" "$SRV4" 22
}
cache() { ls "$TMP"/c1.key.pair-* 2>/dev/null; }

check "no cache before the first knock" [ -z "$(cache)" ]
opens "first knock opens (keys derived)"
f=$(cache)
check "the cache was written beside the key: ${f##*/}" [ -n "$f" ]
check "... mode 0600 (it is as secret as the key)" [ "$(stat -c %a "$f" 2>/dev/null)" = 600 ]
good=$(sha256sum <"$f")
opens "second knock opens (keys from the cache)"
check "... the cache unchanged" [ "$(sha256sum <"$f")" = "$good" ]

printf 'XXXX' | dd of="$f" bs=1 seek=10 conv=notrunc status=none
opens "a damaged cache: the knock still opens"
check "... and the cache is written again" [ "$(sha256sum <"$f")" = "$good" ]

chmod 644 "$f"
opens "a cache others may read: not used, the knock still opens"
check "... written again, mode 0600" [ "$(stat -c %a "$f")" = 600 ]

cp "$f" "$TMP/saved"
write_client_conf "$TMP/other.conf" "$TMP/other.key" "$SPK" "$SRV4"
cp "$TMP/saved" "$TMP/other.key.pair-${f##*.pair-}"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/other.conf" prod
sleep 0.5
check "c1's cache put beside another key: not used, that key's own written over it" \
	eval '[ "$(sha256sum <"$TMP/other.key.pair-${f##*.pair-}")" != "$good" ]'
check "knockd still running" kill -0 "$KNOCKD_PID"
done_testing
