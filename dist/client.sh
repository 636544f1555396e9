#!/bin/sh
# Compiles the client for one zig target against dist/libs.sh's libsodium.a and ini.o in
# LIBS: OUT/knock (Linux, static) or OUT/knock.exe (Windows, with the knock/win/ layer).
# WARN and CPPFLAGS come from the Makefile (the same warnings as the native build).
# Usage: dist/client.sh ZIG TARGET LIBS OUT
set -eu
zig=$1 target=$2 libs=$3 out=$4
# The part of common/ the client needs (the rest is the daemon's).
common="addr cfgfile clientconf clientgroup config_values crypto keys knownkeys parse pathtrust seqgen
	token ttlrule"
src=
for f in $common; do src="$src common/$f.c"; done
case $target in
*windows*)
	for f in knock/*.c; do
		case $f in knock/sock.c | knock/relay.c | knock/spawn.c | knock/home.c) ;;
		*) src="$src $f" ;; esac
	done
	src="$src $(echo knock/win/*.c)"
	plat="-include knock/win/compat.h -Iknock/win/include"
	link="-lws2_32"
	exe=knock.exe
	;;
*)
	src="$src $(echo knock/*.c)"
	plat= link="-static" exe=knock
	;;
esac
mkdir -p "$out"
echo "  ZIG CC  $out/$exe"
# shellcheck disable=SC2086
"$zig" cc -target "$target" -std=c11 -O2 -s ${CPPFLAGS:-} -Iknock -DSODIUM_STATIC=1 \
	-I"$libs/include" $plat ${WARN:-} -o "$out/$exe" $src "$libs/ini.o" "$libs/libsodium.a" $link
