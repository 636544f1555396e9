#!/bin/bash
# The Makefile's own paths: a directory named *.d under the build directory (make deb's
# .../etc/knockd/clients.d) does not break make; make deps never asks for npm, and only a
# target that needs zig does. apt-get is a stand-in that records what it was asked, with
# npm hidden from PATH, in a private mount namespace whose /usr/sbin is a scratch tmpfs
# (where make deps would put its temporary policy-rc.d), so nothing on this machine changes.
set -u
: "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
bail() { echo "Bail out! $*"; exit 1; }
[ "$(id -u)" = 0 ] || bail "makefile.t needs root (a private mount namespace)"
TMP=$(mktemp -d /tmp/knockmk.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cd "$KNOCK_SRC" || bail "no $KNOCK_SRC"
# Run from make check, the parent make's flags (-w: "Entering directory") would reach ours.
unset MAKEFLAGS MFLAGS MAKELEVEL

# --- a second make deb: build/deb/src/debian/tmp/etc/knockd/clients.d exists ------------
mkdir -p "$TMP/b/deb/src/debian/tmp/etc/knockd/clients.d" "$TMP/b/obj/common"
echo "$TMP/b/obj/common/x.o: common/log.c" >"$TMP/b/obj/common/x.d"
out=$(make -s BUILD="$TMP/b" print-BUILD 2>&1)
rc=$?
check "make with a directory clients.d under the build directory: exit $rc, '$out'" \
	eval '[ "$rc" = 0 ] && [ "$out" = "$TMP/b" ]'
out=$(make -n BUILD="$TMP/b" clean 2>&1)
rc=$?
check "make -n clean there too: exit $rc, '$out'" eval '[ "$rc" = 0 ] && [ "$out" = "rm -rf build" ]'
out=$(make -s BUILD="$TMP/b" -p print-BUILD 2>/dev/null | grep -c "^$TMP/b/obj/common/x.o: common/log.c")
check "the dependency files under obj/ are still read ($out)" [ "$out" -ge 1 ]

# --- npm only for zig --------------------------------------------------------------------
mkdir "$TMP/bin"
for f in /usr/bin/* /usr/sbin/*; do
	case ${f##*/} in npm | npx | node | nodejs | apt-get) continue ;; esac
	[ -e "$TMP/bin/${f##*/}" ] || ln -s "$f" "$TMP/bin/${f##*/}"
done
printf '#!/bin/sh\necho "$*" >>%s/apt.log\nexit 0\n' "$TMP" >"$TMP/bin/apt-get"
chmod 755 "$TMP/bin/apt-get"
run() { # run MAKE-ARGS...: make with PATH=$TMP/bin, /usr/sbin a scratch tmpfs
	rm -f "$TMP/apt.log"
	unshare -m --propagation private sh -c 'mount -t tmpfs -o size=1m tmpfs /usr/sbin &&
		PATH="$1" exec timeout 120 make -s --no-print-directory "$@"' sh "$TMP/bin" "$@" \
		>"$TMP/make.out" 2>&1
}
check "npm is not in the test's PATH" eval '! PATH="$TMP/bin" command -v npm'
run deps DEB_PKGS=make
rc=$?
check "make deps with every package present: exit $rc, apt-get not run (no npm wanted)" \
	eval '[ $rc = 0 ] && [ ! -e "$TMP/apt.log" ]'
run deps DEB_PKGS="make knock-no-such-package"
check "control: a missing package is installed, and only it: $(tail -1 "$TMP/apt.log" 2>/dev/null)" \
	eval 'grep -q "install -y knock-no-such-package\$" "$TMP/apt.log"'
run zig ZIGDIR="$TMP/zig"
check "make zig without npm installs npm: $(tail -1 "$TMP/apt.log" 2>/dev/null)" \
	eval 'grep -q "install -y npm\$" "$TMP/apt.log"'
# DEBBUILD empty: make deb stops right after its deps step, before building anything.
run deb DEBBUILD=
check "make deb's deps step without npm: apt-get not asked for npm ($(tr '\n' ';' <"$TMP/apt.log" 2>/dev/null))" \
	eval 'grep -q "DEBBUILD must name a directory" "$TMP/make.out" && ! grep -qw npm "$TMP/apt.log" 2>/dev/null'
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
