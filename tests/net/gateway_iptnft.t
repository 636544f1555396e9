#!/bin/bash
# Gateway doors (tests/net/gateway.sh) against an iptables-nft ruleset.
RULESET=iptnft . "$KNOCK_SRC/tests/net/gateway.sh"
