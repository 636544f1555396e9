#!/bin/bash
# apt under knockctl run (tests/net/apt.sh) with a inet base ruleset.
RULESET=inet . "$KNOCK_SRC/tests/net/apt.sh"
