#!/bin/bash
# The gate under ufw on iptables-nft (Debian's default), MANAGE_BUILTINS=no, default deny
# incoming and `ufw deny 22`: a grant lives in the gate and as an accept in iptables-nft's
# tables; `ufw reload` during a grant (tests/net/ufw.sh: ufw in private namespaces;
# tests/net/matrix.sh: the checks; bound 100 ms).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
. "$KNOCK_SRC/tests/net/ufw.sh"
ufw_setup nft no
MGR="ufw (iptables-nft, MANAGE_BUILTINS=no)" BOUND_MS=100
MATRIX_END=ufw_host_unchanged . "$KNOCK_SRC/tests/net/matrix.sh"
