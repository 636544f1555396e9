#!/bin/bash
# tests/net/refusals.t over IPv6: replay, unknown key, door not allowed, wrong address.
FAMILY=6 exec "$KNOCK_SRC/tests/net/refusals.t"
