#!/bin/bash
# Gateway doors (tests/net/gateway.sh) against a legacy iptables ruleset.
RULESET=legacy . "$KNOCK_SRC/tests/net/gateway.sh"
