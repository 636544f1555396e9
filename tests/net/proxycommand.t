#!/bin/bash
# knock as an ssh ProxyCommand, with Debian's OpenSSH: sshd listens in the server namespace
# behind a closed port 22; ssh -o ProxyCommand='knock -W %h:%p' from the client runs a
# command and gets its output. knock -W fails clearly when the port never opens.
NO_STANDIN=1
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || bail "sshd missing (make deps installs openssh-server)"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"

ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" ||
	bail "ssh-keygen failed"
cp "$TMP/id.pub" "$TMP/authorized_keys"
cat >"$TMP/sshd_config" <<CONF
Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey $TMP/hostkey
AuthorizedKeysFile $TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $TMP/sshd.pid
CONF
mkdir -p /run/sshd # sshd's privilege-separation directory
ip netns exec "$SRV" /usr/sbin/sshd -D -e -f "$TMP/sshd_config" </dev/null >/dev/null 2>"$TMP/sshd.log" &
PIDS+=($!)
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

ssh_c1() { # ssh_c1 [ssh options...]: run a command on the server as root from the client
	in_ns "$C1" timeout 40 ssh -F /dev/null -i "$TMP/id" -o UserKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR "$@" \
		root@"$SRV4" 'echo "hello from $(cat /proc/sys/kernel/hostname) as $(id -un)"'
}
out=$(ssh_c1 -o ConnectTimeout=2 2>&1)
check "plain ssh cannot reach the server (port 22 closed)" eval '! [[ $out == hello* ]]'
out=$(ssh_c1 -o ProxyCommand="$KNOCK_BUILD/knock -c $TMP/knock.conf -W %h:%p" 2>&1)
echo "# ssh said: $out"
check "ssh -o ProxyCommand='knock -W %h:%p' runs a command and gets its output" \
	eval '[[ $out == "hello from "*" as root" ]]'
check "the knock opened ssh for the client's address only" \
	eval '[ "$(grant_rules4 | grep -c -- "-s 192.0.2.10/32")" = 1 ] && [ "$(grant_rules4 | wc -l)" = 1 ]'

t0=$(date +%s)
err=$(in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" --wait 2s -W "$SRV4:2222" </dev/null 2>&1)
rc=$? t=$(($(date +%s) - t0))
check "knock -W to a port that never opens: exit 1 after --wait 2s (${t}s): $err" \
	eval '[ $rc = 1 ] && [ $t -le 4 ] && [[ $err == *"did not accept a connection within 2 s"* ]]'
err=$(in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" -W nosuchhost:22 </dev/null 2>&1)
check "knock -W to a host with no profile: clear error: $err" \
	eval '[[ $err == *"no [host:nosuchhost] profile"* ]]'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
