#!/bin/sh
# Compiles the client for one zig target against knock/dist/libs.sh's libsodium.a and ini.o in
# LIBS: OUT/knock (Linux, static) or OUT/knock.exe (Windows, with the knock/win/ layer).
# WARN and CPPFLAGS come from the Makefile (the same warnings as the native build).
# Usage: knock/dist/client.sh ZIG TARGET LIBS OUT
set -eu
zig=$1 target=$2 libs=$3 out=$4

# The part of common/ the client uses: each common/X.c whose X.h knock/ includes, directly
# or through those files and headers. They go into an archive, so that the linker takes
# only what knock calls (config.c, say, is reached through a header, never called).
common_closure() {
	set -- knock/*.c
	seen=" $* "
	while [ $# -gt 0 ]; do
		for h in $(sed -n 's/^#include "\([a-z0-9_]*\)\.h".*/\1/p' "$1"); do
			for c in common/$h.c common/$h.h knock/$h.h; do
				[ -e "$c" ] || continue
				case $seen in *" $c "*) continue ;; esac
				seen="$seen$c "
				set -- "$@" "$c"
			done
		done
		shift
	done
	for f in $seen; do case $f in common/*.c) echo "$f" ;; esac; done
}

src=
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
	src=$(echo knock/*.c)
	plat= link="-static" exe=knock
	;;
esac
mkdir -p "$out"
obj=$out/.obj
rm -rf "$obj" && mkdir -p "$obj"
echo "  ZIG CC  $out/$exe"
export ZIG="$zig" CFLAGS_CLIENT="-target $target -std=c11 -O2 ${CPPFLAGS:-} -Iknock \
	-DSODIUM_STATIC=1 -I$libs/include $plat ${WARN:-}"
common_closure | while read -r f; do echo "$f $obj/$(basename "$f" .c).o"; done |
	xargs -P 2 -L 1 sh -c '
	# shellcheck disable=SC2086
	"$ZIG" cc $CFLAGS_CLIENT -c -o "$2" "$1"' sh
"$zig" ar rcs "$obj/libclient.a" "$obj"/*.o
# shellcheck disable=SC2086
"$zig" cc $CFLAGS_CLIENT -s -o "$out/$exe" $src "$obj/libclient.a" "$libs/ini.o" \
	"$libs/libsodium.a" $link
rm -rf "$obj"
