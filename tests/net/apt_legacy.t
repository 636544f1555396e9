#!/bin/bash
# apt under knockctl run (tests/net/apt.sh) with a legacy base ruleset.
RULESET=legacy . "$KNOCK_SRC/tests/net/apt.sh"
