#!/bin/bash
# The gate under ufw on legacy iptables with MANAGE_BUILTINS=yes (ufw flushes INPUT and
# deletes every chain, knockd's too, at each reload), default deny incoming and `ufw deny 22`:
# a grant lives in the gate and as an accept in the legacy filter table; `ufw reload` during
# a grant (tests/net/ufw.sh: ufw in private namespaces; tests/net/matrix.sh: the checks;
# bound 1 s).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
. "$KNOCK_SRC/tests/net/ufw.sh"
ufw_setup legacy yes
MGR="ufw (legacy, MANAGE_BUILTINS=yes)" BOUND_MS=1000
MATRIX_END=ufw_host_unchanged . "$KNOCK_SRC/tests/net/matrix.sh"
