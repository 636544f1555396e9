#!/bin/bash
# The clients of make dist-clients (KNOCK_DIST), each run for real: static x86_64 knock in an
# empty root (chroot: no loader, no /dev, no /etc) and from a client namespace against a
# knockd built from this tree; the aarch64 one under qemu-user; knock.exe under wine (a
# throwaway WINEPREFIX under the build directory, its wineserver started inside the client
# namespace, where Winsock's sockets live) with its config and key in %APPDATA%\knock\, keys
# read the same by both clients, a group, and knock.exe -W relaying both ways. The door's
# service is an echo server on port 22 behind the server's DROP policy.
NO_STANDIN=1
. "$KNOCK_SRC/tests/net/lib.sh"
: "${KNOCK_DIST:?set KNOCK_DIST to make dist-clients output (build/dist)}"
X86=$KNOCK_DIST/x86_64-linux-musl/knock
ARM=$KNOCK_DIST/aarch64-linux-musl/knock
EXE=$KNOCK_DIST/x86_64-windows/knock.exe
WINE=/usr/lib/wine/wine64
QEMU=/usr/bin/qemu-aarch64-static
for f in "$X86" "$ARM" "$EXE"; do [ -f "$f" ] || bail "$f is missing (run make dist-clients)"; done
[ -x "$WINE" ] || bail "wine64 is missing (make check-dist installs it)"
[ -x "$QEMU" ] || bail "qemu-user-static is missing (make check-dist installs it)"
net_setup
WINEPREFIX=$KNOCK_BUILD/wine.$$
export WINEPREFIX WINEDEBUG=-all
wine_stop() { # this run's wineserver and whatever it still runs, then the prefix
	[ -d "$WINEPREFIX" ] && in_ns "$C2" /usr/lib/wine/wineserver -k 2>/dev/null
	rm -rf "$WINEPREFIX"
}
trap 'wine_stop; cleanup' EXIT

cd "$KNOCK_DIST" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1
rc=$?
check "SHA256SUMS matches the three files" [ $rc = 0 ]
cd "$TMP" || bail "no $TMP"

# Static: no program interpreter, no shared library.
for f in "$X86" "$ARM"; do
	hdr=$(readelf -ld "$f" 2>&1)
	check "$(basename "$(dirname "$f")")/knock is static (no INTERP, no NEEDED)" \
		eval '! [[ $hdr == *INTERP* || $hdr == *NEEDED* ]] && [[ $hdr == *LOAD* ]]'
done
dlls=$(objdump -p "$EXE" | sed -n 's/.*DLL Name: //p' | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')
check "knock.exe imports only Windows' own DLLs: $dlls" \
	eval '[ "$dlls" = "advapi32.dll kernel32.dll msvcrt.dll ws2_32.dll " ]'

# x86_64 in an empty root. Positive control: the host's dynamically linked knock cannot run
# there (so the root really lacks a loader and libraries).
mkdir -p "$TMP/root" && cp "$X86" "$TMP/root/knock" && cp "$KNOCK_BUILD/knock" "$TMP/root/dyn"
out=$(chroot "$TMP/root" /dyn --version 2>&1)
rc=$?
check "control: the host's dynamic knock does not run in the empty root ($out)" [ $rc != 0 ]
out=$(chroot "$TMP/root" /knock --version 2>&1)
check "static x86_64 knock --version in the empty root: $out" eval '[[ $out == "knock "[0-9]* ]]'
pk=$(chroot "$TMP/root" /knock keygen /id 2>/dev/null)
check "static x86_64 knock keygen in the empty root (no /dev/urandom): $pk" \
	eval '[ -s "$TMP/root/id" ] && [ "$("$KNOCK_BUILD/knock" pubkey "$TMP/root/id")" = "$pk" ]'

# The server: knockd from this tree; clients laptop (x86_64, aarch64: one key) and win.
SPK=$(make_key server) || bail "server keygen failed"
cp "$TMP/root/id" "$TMP/c1.key"
CPK=$pk
mkdir -p "$WINEPREFIX"
WDIR=; WPK=
wine_run() { in_ns "$C2" timeout 120 "$WINE" "$EXE" "$@"; }
# knock.exe keygen with no file: %APPDATA%\knock\id (the prefix is made here, in C2).
WPK=$(wine_run keygen 2>"$TMP/wkeygen.err" | tr -d '\r')
WDIR=$(find "$WINEPREFIX/drive_c/users" -maxdepth 4 -path '*/AppData/Roaming' | head -n 1)/knock
check "knock.exe keygen writes %APPDATA%\\knock\\id: $(tr -d "\r" <"$TMP/wkeygen.err" | grep "^knock:")" \
	eval '[ -s "$WDIR/id" ] && [ -n "$WPK" ]'
out=$(wine_run --version 2>/dev/null | tr -d '\r')
check "knock.exe --version under wine: $out" eval '[[ $out == "knock "[0-9]* ]]'
TTL=8s write_server_conf "$TMP/knockd.conf" "$CPK" "[client:win]" "public_key = $WPK" "doors = ssh"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
ip netns exec "$SRV" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=0 EXEC:cat </dev/null \
	>/dev/null 2>&1 &
PIDS+=($!)
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
rules_from() { grant_rules4 | grep -c -- "-s $1/32"; }
closed_again() { wait_for 150 'rules_empty grant_rules4' && cannot_echo "$1" "$SRV4" 22; }

# opens NAME NS ADDRESS COMMAND...: the door is closed, COMMAND knocks, then it is open for
# ADDRESS only (the kernel's rule and a real connection), then it closes again (ttl 8s: wine is slow to start on a loaded machine).
opens() {
	local name=$1 ns=$2 a=$3 out rc; shift 3
	check "$name: closed before" cannot_echo "$ns" "$SRV4" 22
	out=$("$@" 2>&1)
	rc=$?
	check "$name knocks (exit $rc): $(echo "$out" | tr -d '\r' | tr '\n' ' ')" [ $rc = 0 ]
	check "$name: the ssh door opened for $a only, a connection echoes" \
		eval 'wait_until 30 can_echo "$ns" "$SRV4" 22 && [ "$(rules_from "$a")" = 1 ] &&
			[ "$(grant_rules4 | wc -l)" = 1 ]'
	check "$name: closed again after the ttl" closed_again "$ns"
}
opens "x86_64 static" "$C1" "$C14" in_ns "$C1" "$X86" -c "$TMP/knock.conf" -v prod
out=$("$QEMU" "$ARM" --version 2>&1)
check "aarch64 knock --version under qemu-user: $out" eval '[[ $out == "knock "[0-9]* ]]'
check "control: the aarch64 binary is not runnable natively" eval '! "$ARM" --version 2>/dev/null'
opens "aarch64 under qemu" "$C1" "$C14" in_ns "$C1" "$QEMU" "$ARM" -c "$TMP/knock.conf" -v prod

# knock.exe: the default config %APPDATA%\knock\knock.conf, the default key next to it.
cat >"$WDIR/knock.conf" <<CONF
[host:prod]
address = $SRV4
server_public_key = $SPK
spa_port = 62201
doors = ssh

[host:prod6]
address = $SRV6
server_public_key = $SPK
spa_port = 62201
doors = ssh

[group:both]
hosts = prod, prod6
CONF
opens "knock.exe under wine (%APPDATA%\\knock\\knock.conf)" "$C2" "$C24" wine_run -v prod
out=$(wine_run both 2>"$TMP/group.err" | tr -d '\r')
[ -s "$TMP/group.err" ] && diag "knock.exe both, stderr: $(tr -d '\r' <"$TMP/group.err" | tr '\n' ' ')"
check "knock.exe group: a line per member, both ok: $(echo "$out" | tr '\n' ' ')" \
	eval '[ "$(echo "$out" | grep -c "^prod6\{0,1\}: ok")" = 2 ]'
check "knock.exe group: the door opened for $C24 and $C26" \
	eval 'wait_until 30 can_echo "$C2" "$SRV4" 22 && can_echo "$C2" "$SRV6" 22 &&
		[ "$(rules_from "$C24")" = 1 ] && [ "$(grant_rules6 | grep -c -- "-s $C26/128")" = 1 ]'
check "closed again after the group's ttl" \
	eval 'closed_again "$C2" && wait_for 100 "rules_empty grant_rules6"' 

# -c still works (a Windows path through wine's Z: drive), and -W relays both ways.
cp "$WDIR/knock.conf" "$TMP/w.conf"
echo "private_key = Z:${WDIR//\//\\}\\id" | sed '1s/^/[knock]\n/' | cat - "$TMP/w.conf" >"$TMP/w2.conf"
wz="Z:${TMP//\//\\}\\w2.conf"
head -c 100000 /dev/urandom >"$TMP/blob"
check "closed before knock.exe -W" cannot_echo "$C2" "$SRV4" 22
in_ns "$C2" timeout 60 "$WINE" "$EXE" -c "$wz" -W "$SRV4:22" <"$TMP/blob" >"$TMP/echoed" \
	2>"$TMP/relay.err"
rc=$?
check "knock.exe -c $wz -W $SRV4:22 (exit $rc): 100000 bytes out and the same back: $(tr -d '\r' <"$TMP/relay.err")" \
	eval '[ $rc = 0 ] && cmp -s "$TMP/blob" "$TMP/echoed"'
check "knockd granted ssh to $C24 a third time (the -W knock)" \
	eval '[ "$(grep -c "grant door=ssh addr=$C24 .*client=win" "$TMP/knockd.log")" = 3 ]'

# Keys: one file, one public key, whichever client reads it.
out=$(wine_run pubkey 'Z:'"${WDIR//\//\\}"'\id' 2>&1 | tr -d '\r')
cp "$WDIR/id" "$TMP/win.key" && chmod 600 "$TMP/win.key"
lin=$("$X86" pubkey "$TMP/win.key" 2>&1)
check "knock.exe pubkey of knock.exe's key = Linux knock pubkey of it = keygen's line: $out" \
	eval '[ "$out" = "$lin" ] && [ "$out" = "$WPK" ]'
lk=$("$KNOCK_BUILD/knock" keygen "$TMP/lin.key" 2>/dev/null)
out=$(wine_run pubkey "Z:${TMP//\//\\}\\lin.key" 2>&1 | tr -d '\r')
check "knock.exe pubkey of a Linux keygen key prints Linux's line: $out" \
	eval '[ -n "$lk" ] && [ "$out" = "$lk" ]'
out=$(wine_run pubkey "Z:${TMP//\//\\}\\nosuch.key" 2>&1 | tr -d '\r')
check "knock.exe pubkey of a missing file: an error naming it: $out" \
	eval '[[ $out == *nosuch.key* ]] && ! [[ $out == *=* ]]'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
