#!/bin/bash
# The grant suite (tests/net/rulesets.sh) against a legacy iptables ruleset.
RULESET=legacy . "$KNOCK_SRC/tests/net/rulesets.sh"
