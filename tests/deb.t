#!/bin/bash
# make deb: builds knockd-auth and knock-auth (lintian: no error, no warning left without an
# override), checks their contents, conffiles and modes; then installs them over Debian's
# knockd (with apt, as the README says), upgrades to a second build (+test1), reinstalls,
# removes and purges them with dpkg in a throwaway root: a copy-on-write overlay of this
# system, in private mount and PID namespaces, so the maintainer scripts really run and
# this machine is left unchanged. No service is started. In that root, knockd-auth.service is
# enabled, and Debian's knockd is purged (its postrm's deb-systemd-helper calls, then dpkg
# -P): our unit must stay enabled.
set -u
: "${KNOCK_SRC:?}"
bail() { echo "Bail out! $*"; exit 1; }
[ "$(id -u)" = 0 ] || bail "deb.t needs root (dpkg in a chroot, namespaces)"
if [ "${1:-}" != --in-ns ]; then
	# Everything below runs in private namespaces: the overlay mount and any process a
	# maintainer script might start vanish with them, whatever happens.
	exec unshare --mount --pid --fork --mount-proc --propagation private bash "$0" --in-ns
fi
T_N=0 T_FAIL=0
check() { local d=$1; shift; T_N=$((T_N + 1)); if "$@"; then echo "ok $T_N - $d"; else
	T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $d"; fi; }
TMP=$(mktemp -d /tmp/knockdeb.XXXXXX)
M=$TMP/root
cleanup() { umount -R "$M" 2>/dev/null; umount "$TMP/w" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
cd "$KNOCK_SRC" || bail "no $KNOCK_SRC"

V=$(dpkg-parsechangelog -l etc/debian/changelog -S Version)
V2=$V+test1
ARCH=$(dpkg --print-architecture)
host_state() {
	dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' knockd knockd-auth \
		knock-auth 2>&1
	md5sum /usr/sbin/knockd /usr/bin/knock /lib/systemd/system/knockd.service \
		/lib/systemd/system/knockd-auth.service 2>&1
	ls -ld /etc/knockd /var/lib/knockd /etc/systemd/system/knockd.service \
		/etc/systemd/system/multi-user.target.wants/knockd.service \
		/etc/systemd/system/multi-user.target.wants/knockd-auth.service 2>&1
}
before=$(host_state)

# --- build and lint -------------------------------------------------------------------
t0=$(date +%s)
check "make deb (version $V)" eval 'make -s deb DEBBUILD="$TMP/v1" DEB_BUILD_OPTIONS=noddebs >"$TMP/v1.log" 2>&1'
echo "# make deb took $(($(date +%s) - t0)) s"
grep -E '^(E|W): ' "$TMP/v1/lintian.txt" 2>/dev/null | sed 's/^/#   /'
check "lintian ran: no error, no warning without an override" \
	eval '[ -f "$TMP/v1/lintian.txt" ] && ! grep -qE "^(E|W): " "$TMP/v1/lintian.txt"'
S=$TMP/v1/knockd-auth_${V}_$ARCH.deb C=$TMP/v1/knock-auth_${V}_$ARCH.deb
debs=$(cd "$TMP/v1" && ls ./*.deb 2>/dev/null | tr '\n' ' ')
check "exactly the two packages: $debs" \
	[ "$debs" = "./knock-auth_${V}_$ARCH.deb ./knockd-auth_${V}_$ARCH.deb " ]
[ -f "$S" ] && [ -f "$C" ] || bail "no packages built; see make deb's output: $(tail -5 "$TMP/v1.log")"

# --- contents -------------------------------------------------------------------------
dpkg-deb -c "$S" | awk '{ print $1, $6 }' >"$TMP/server.list"
dpkg-deb -c "$C" | awk '{ print $1, $6 }' >"$TMP/client.list"
has() { grep -qx -- "$2 $3" "$TMP/$1.list"; }
for f in ./usr/sbin/knockd ./usr/sbin/knockctl; do check "server: $f, 0755" has server -rwxr-xr-x "$f"; done
check "client: ./usr/bin/knock, 0755" has client -rwxr-xr-x ./usr/bin/knock
check "server: /etc/knockd/knockd.conf mode 0600" has server -rw------- ./etc/knockd/knockd.conf
check "server: /etc/knockd mode 0700" has server drwx------ ./etc/knockd/
check "server: /etc/knockd/clients.d (drop-ins) mode 0700" has server drwx------ ./etc/knockd/clients.d/
check "server: the unit in /lib/systemd/system, as knockd-auth.service" \
	has server -rw-r--r-- ./lib/systemd/system/knockd-auth.service
check "server: no knockd.service (Debian's knockd's unit name)" \
	eval '! grep -q "/knockd.service\$" "$TMP/server.list"' 
check "server: README and copyright" eval 'has server -rw-r--r-- ./usr/share/doc/knockd-auth/copyright &&
	has server -rw-r--r-- ./usr/share/doc/knockd-auth/README.md.gz'
check "server: the apt drop-ins, shipped but not enabled (nothing in /etc/systemd)" \
	eval 'has server -rw-r--r-- ./usr/share/knockd/apt-daily.service.d/knockd.conf &&
	has server -rw-r--r-- ./usr/share/knockd/apt-daily-upgrade.service.d/knockd.conf &&
	! grep -q " ./etc/systemd" "$TMP/server.list"'
check "client: knock.conf example, copyright" eval 'has client -rw-r--r-- ./usr/share/doc/knock-auth/examples/knock.conf &&
	has client -rw-r--r-- ./usr/share/doc/knock-auth/copyright'
# Every man page of the tree is in exactly one package: sections 5 and 8 in the server,
# 1 and 7 in the client.
for p in man/*.[0-9]; do
	n=${p##*.} f=./usr/share/man/man$n/$(basename "$p").gz
	case $n in 5 | 8) in=server out=client ;; *) in=client out=server ;; esac
	check "$in: $f (not in the $out)" eval 'has $in -rw-r--r-- $f && ! grep -q " $f\$" "$TMP/$out.list"'
done
check "client has nothing of the server's" eval '! grep -qE " ./(usr/sbin|etc|lib)/" "$TMP/client.list"'
check "server has no knock" eval '! grep -q " ./usr/bin/" "$TMP/server.list"'
ctl() { dpkg-deb --ctrl-tarfile "$1" | tar -xOf - "./$2" 2>/dev/null; }
check "server conffiles: /etc/knockd/knockd.conf only" [ "$(ctl "$S" conffiles)" = /etc/knockd/knockd.conf ]
check "client: no conffiles" [ -z "$(ctl "$C" conffiles)" ]
dpkg-deb --fsys-tarfile "$S" | tar -xOf - ./lib/systemd/system/knockd-auth.service >"$TMP/unit"
check "unit paths filled in for /usr and /etc" \
	grep -qx 'ExecStart=/usr/sbin/knockd -f -c /etc/knockd/knockd.conf' "$TMP/unit"
check "unit: no Alias= (an alias link would sit where Debian knockd's scripts look for knockd.service)" \
	eval '! grep -q "^Alias=" "$TMP/unit"' 
for p in "$S" "$C"; do
	check "$(basename "$p"): Conflicts and Replaces Debian's knockd" \
		eval '[ "$(dpkg-deb -f "$p" Conflicts)" = knockd ] && [ "$(dpkg-deb -f "$p" Replaces)" = knockd ]'
done
check "server depends on the same version of the client (knock keygen)" \
	eval 'dpkg-deb -f "$S" Depends | grep -q "knock-auth (= $V)"'

# --- a second version, for the upgrade -------------------------------------------------
check "make deb DEB_VERSION=$V2" eval 'make -s deb DEBBUILD="$TMP/v2" DEB_VERSION="$V2" DEB_BUILD_OPTIONS=noddebs >"$TMP/v2.log" 2>&1'
S2=$TMP/v2/knockd-auth_${V2}_$ARCH.deb C2=$TMP/v2/knock-auth_${V2}_$ARCH.deb
[ -f "$S2" ] && [ -f "$C2" ] || bail "no $V2 packages; see make deb's output: $(tail -5 "$TMP/v2.log")"

# --- the throwaway root -----------------------------------------------------------------
mkdir -p "$TMP/w" "$M"
mount -t tmpfs -o size=1g,mode=0755 tmpfs "$TMP/w" && mkdir "$TMP/w/upper" "$TMP/w/work" &&
	mount -t overlay overlay -o "lowerdir=/,upperdir=$TMP/w/upper,workdir=$TMP/w/work" "$M" &&
	mount --rbind /dev "$M/dev" && mount -t proc proc "$M/proc" || bail "cannot make the overlay root"
mkdir -p "$M/tmp/debs" && cp "$S" "$C" "$S2" "$C2" "$M/tmp/debs/"
# As in any chroot: invoke-rc.d and deb-systemd-invoke act on no service (Debian knockd's
# scripts call them); ours do not get that far: no /run/systemd/system in the root.
printf '#!/bin/sh\nexit 101\n' >"$M/usr/sbin/policy-rc.d" && chmod 755 "$M/usr/sbin/policy-rc.d"
in_root() { chroot "$M" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
log() { in_root "$@" >>"$TMP/root.log" 2>&1; }
st() { in_root dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed; }
mode() { [ "$(stat -c %a "$M$1" 2>/dev/null)" = "$2" ]; }
no_knockd() { ! pgrep -x knockd >/dev/null; }
wants=$M/etc/systemd/system/multi-user.target.wants/knockd-auth.service
dwants=$M/etc/systemd/system/multi-user.target.wants/knockd.service # Debian knockd's
# (deb-systemd-helper was-enabled says "enabled" for a unit it has no state for: not used)
not_enabled() { [ ! -e "$wants" ] && [ ! -L "$wants" ] &&
	[ -z "$(find "$M/etc/systemd" -name knockd-auth.service 2>/dev/null)" ]; }
enabled() { [ -L "$wants" ] && [ "$(in_root systemctl is-enabled knockd-auth.service 2>&1)" = enabled ]; }
check "no /run/systemd/system in the root: no service can be started there" [ ! -d "$M/run/systemd/system" ]

# Debian's knockd installed and its unit enabled by its admin, as on a host switching over.
[ "$(st knockd)" = installed ] || log apt-get install -y --no-install-recommends knockd
check "Debian's knockd installed in the root" [ "$(st knockd)" = installed ]
log systemctl enable knockd.service
check "... its knockd.service enabled" [ -L "$dwants" ]

check "apt-get install ./knockd-auth ./knock-auth ($V) over it" \
	log apt-get install -y "/tmp/debs/knockd-auth_${V}_$ARCH.deb" "/tmp/debs/knock-auth_${V}_$ARCH.deb"
check "... removed Debian's knockd (status $(st knockd))" [ "$(st knockd)" = config-files ]
check "... both installed" eval '[ "$(st knockd-auth)" = installed ] && [ "$(st knock-auth)" = installed ]'
check "... files as packaged (dpkg --verify)" log dpkg --verify knockd-auth knock-auth
check "... /usr/sbin/knockd is ours" eval 'in_root dpkg -S /usr/sbin/knockd | grep -q "^knockd-auth:"'
check "... /etc/knockd/knockd.conf mode 0600, a registered conffile" eval 'mode /etc/knockd/knockd.conf 600 &&
	in_root dpkg-query -W -f="\${Conffiles}" knockd-auth | grep -q "^ /etc/knockd/knockd.conf "'
check "... /etc/knockd mode 0700" mode /etc/knockd 700
check "... /etc/knockd/clients.d mode 0700" mode /etc/knockd/clients.d 700
check "... /var/lib/knockd created, mode 0700" mode /var/lib/knockd 700
check "... unit installed as knockd-auth.service" [ -f "$M/lib/systemd/system/knockd-auth.service" ]
check "... and not enabled (Debian knockd's enablement not carried over)" not_enabled
check "... no knockd running" no_knockd
check "knock keygen makes the server key in the root" log knock keygen /etc/knockd/server.key

# Purging Debian's knockd, at any time after the switch, leaves ours enabled. Its postrm
# (kept while it is in config-files state) is where the calls come from: extracted, then
# made exactly as it makes them, then the real thing (dpkg -P runs that postrm).
check "the admin enables knockd-auth.service" log systemctl enable knockd-auth.service
check "... enabled" enabled
pr=$M/var/lib/dpkg/info/knockd.postrm
grep -o "deb-systemd-helper [a-z]* 'knockd.service'" "$pr" 2>/dev/null | sort -u >"$TMP/dsh.calls"
sed 's/^/#   Debian knockd postrm: /' "$TMP/dsh.calls"
check "Debian knockd's postrm purges knockd.service's enablement (deb-systemd-helper purge)" \
	grep -qx "deb-systemd-helper purge 'knockd.service'" "$TMP/dsh.calls"
while read -r _ verb unit; do
	unit=${unit//\'/}
	check "DPKG_MAINTSCRIPT_PACKAGE=knockd deb-systemd-helper $verb $unit: ours still enabled" \
		eval 'in_root env DPKG_MAINTSCRIPT_PACKAGE=knockd DPKG_MAINTSCRIPT_NAME=postrm \
			deb-systemd-helper "$verb" "$unit" >>"$TMP/root.log" 2>&1; enabled'
done <"$TMP/dsh.calls"
check "dpkg -P knockd (Debian's)" log dpkg -P knockd
check "... Debian's knockd unknown to dpkg" [ "$(st knockd)" = not-installed ]
check "... knockd-auth.service still enabled" enabled
check "the admin disables it again" eval 'log systemctl disable knockd-auth.service && [ ! -L "$wants" ]'

# The admin's edit and the daemon's state survive an upgrade and a reinstall.
echo "# edited by the admin" >>"$M/etc/knockd/knockd.conf"
echo state >"$M/var/lib/knockd/replay"
check "dpkg -i: upgrade to $V2" log dpkg -i "/tmp/debs/knockd-auth_${V2}_$ARCH.deb" "/tmp/debs/knock-auth_${V2}_$ARCH.deb"
check "... version $V2 installed" eval '[ "$(in_root dpkg-query -W -f="\${Version}" knockd-auth)" = "$V2" ] &&
	[ "$(in_root dpkg-query -W -f="\${Version}" knock-auth)" = "$V2" ]'
check "... the admin's configuration kept, mode 0600" eval 'grep -q "edited by the admin" "$M/etc/knockd/knockd.conf" &&
	mode /etc/knockd/knockd.conf 600'
check "... state and key kept" eval '[ -f "$M/var/lib/knockd/replay" ] && [ -f "$M/etc/knockd/server.key" ]'
check "... not enabled, no knockd running" eval 'not_enabled && no_knockd'
check "dpkg -i: the same version again" log dpkg -i "/tmp/debs/knockd-auth_${V2}_$ARCH.deb" "/tmp/debs/knock-auth_${V2}_$ARCH.deb"
check "... configuration still the admin's" grep -q "edited by the admin" "$M/etc/knockd/knockd.conf"

check "dpkg -r knockd-auth knock-auth" log dpkg -r knockd-auth knock-auth
check "... binaries, unit and man pages gone" eval '[ ! -e "$M/usr/sbin/knockd" ] && [ ! -e "$M/usr/bin/knock" ] &&
	[ ! -e "$M/lib/systemd/system/knockd-auth.service" ] && [ ! -e "$M/usr/share/man/man8/knockd.8.gz" ]'
check "... configuration and state kept (status $(st knockd-auth))" eval '[ "$(st knockd-auth)" = config-files ] &&
	[ -f "$M/etc/knockd/knockd.conf" ] && [ -f "$M/var/lib/knockd/replay" ]'
check "dpkg -P knockd-auth knock-auth" log dpkg -P knockd-auth knock-auth
check "... /etc/knockd gone (configuration and key)" [ ! -e "$M/etc/knockd" ]
check "... /var/lib/knockd gone" [ ! -e "$M/var/lib/knockd" ]
check "... both unknown to dpkg" eval '[ "$(st knockd-auth)" = not-installed ] && [ "$(st knock-auth)" = not-installed ]'
check "... systemd state purged, no knockd ever ran" eval 'not_enabled && no_knockd'
if [ "$T_FAIL" != 0 ]; then sed 's/^/#   /' "$TMP/root.log" | tail -40; fi

umount -R "$M" || bail "cannot unmount the overlay"
check "this machine unchanged (packages, files, unit state)" [ "$(host_state)" = "$before" ]
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
