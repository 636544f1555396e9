#!/bin/bash
# apt under knockctl run (tests/net/apt.sh) with a iptnft base ruleset.
RULESET=iptnft . "$KNOCK_SRC/tests/net/apt.sh"
