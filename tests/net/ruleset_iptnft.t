#!/bin/bash
# The grant suite (tests/net/rulesets.sh) against an iptables-nft ruleset.
RULESET=iptnft . "$KNOCK_SRC/tests/net/rulesets.sh"
