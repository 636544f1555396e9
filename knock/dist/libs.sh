#!/bin/sh
# Builds libsodium.a and ini.o for one zig target from the Debian sources that
# knock/dist/sources.sh unpacked into SRC, into OUT (a cache: nothing is rebuilt once OUT/done
# exists). libsodium is compiled file by file with its portable C code only (no assembly, no
# CPU-specific intrinsics), which needs no configure run; randomness comes from getrandom(2)
# on Linux (so the client works in an empty root, without /dev/urandom) and from
# RtlGenRandom on Windows.
# Usage: knock/dist/libs.sh ZIG TARGET SRC OUT
set -eu
zig=$1 target=$2 src=$3 out=$4
[ -e "$out/done" ] && exit 0
rm -rf "$out" && mkdir -p "$out/obj" "$out/include/sodium"
sod=$src/libsodium/src/libsodium
ver=$(sed -n 's/^AC_INIT(\[libsodium\],\[\([0-9.]*\)\].*/\1/p' "$src/libsodium/configure.ac")
sed -e "s/@VERSION@/$ver/" -e 's/@SODIUM_LIBRARY_VERSION_MAJOR@/10/' \
	-e 's/@SODIUM_LIBRARY_VERSION_MINOR@/3/' -e 's/@SODIUM_LIBRARY_MINIMAL_DEF@//' \
	"$sod/include/sodium/version.h.in" >"$out/include/sodium/version.h"
cp "$sod/include/sodium.h" "$out/include/"
cp "$sod"/include/sodium/*.h "$out/include/sodium/"
cp "$src/inih/ini.h" "$out/include/"
defs="-DCONFIGURED=1 -DSODIUM_STATIC=1 -DNATIVE_LITTLE_ENDIAN=1"
case $target in
*linux*) defs="$defs -DHAVE_SYS_RANDOM_H=1 -DHAVE_GETRANDOM=1 -DHAVE_EXPLICIT_BZERO=1" ;;
esac
echo "  LIBS    libsodium $ver and inih for $target (once; cached in $out)"
# Two compilers at a time: the machine may be shared.
export ZIG="$zig" CFLAGS_LIB="-target $target -O2 $defs -I$out/include/sodium -I$sod/include/sodium -w"
find "$sod" -name '*.c' | sort | while read -r f; do
	printf '%s %s/obj/%s.o\n' "$f" "$out" "$(echo "${f#"$sod"/}" | tr / _)"
done | xargs -P 2 -L 1 sh -c '
	# shellcheck disable=SC2086
	"$ZIG" cc $CFLAGS_LIB -I"$(dirname "$1")" -c -o "$2" "$1"' sh
"$zig" cc -target "$target" -O2 -c -o "$out/ini.o" "$src/inih/ini.c"
"$zig" ar rcs "$out/libsodium.a" "$out"/obj/*.o
touch "$out/done"
