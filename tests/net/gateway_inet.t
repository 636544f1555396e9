#!/bin/bash
# Gateway doors (tests/net/gateway.sh) against a native nftables table (inet filter).
RULESET=inet . "$KNOCK_SRC/tests/net/gateway.sh"
