#!/bin/bash
# The gate under a hand-written legacy iptables ruleset for IPv4 only (policy DROP, port 22
# dropped by name; the admin left IPv6 open): the gate closes IPv6 too. The manager's reload
# is iptables-legacy-restore of the base file, which replaces the filter table and with it
# knockd's chain and the grant's accept (tests/net/matrix.sh: the checks; bound 1 s).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
MGR="legacy IPv4-only" BOUND_MS=1000 BYSTANDER6_OPEN=1
cat >"$TMP/rules.v4" <<'RULES'
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j DROP
COMMIT
RULES
mgr_base() { in_ns "$SRV" iptables-legacy-restore <"$TMP/rules.v4"; }
mgr_reload() { in_ns "$SRV" iptables-legacy-restore <"$TMP/rules.v4"; }
. "$KNOCK_SRC/tests/net/matrix.sh"
