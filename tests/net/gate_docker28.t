#!/bin/bash
# The gate on a Docker 28 host on iptables-nft (tests/net/gate_docker28.sh).
RULESET=iptnft . "$KNOCK_SRC/tests/net/gate_docker28.sh"
