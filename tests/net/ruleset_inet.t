#!/bin/bash
# The grant suite (tests/net/rulesets.sh) against a native nftables inet filter ruleset.
RULESET=inet . "$KNOCK_SRC/tests/net/rulesets.sh"
