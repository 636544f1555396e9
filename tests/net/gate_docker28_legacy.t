#!/bin/bash
# The gate on a Docker 28 host on legacy iptables (tests/net/gate_docker28.sh).
RULESET=legacy . "$KNOCK_SRC/tests/net/gate_docker28.sh"
