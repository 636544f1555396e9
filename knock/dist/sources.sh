#!/bin/sh
# Fetches Debian's source packages of libsodium and inih with apt-get source into DIR,
# through a private sources list, package lists and cache under DIR (the host's apt state is
# never touched). The archive is the one the host's own sources use (DIST_MIRROR overrides).
# bookworm's libinih orig tarball is missing from some mirrors, so inih comes from trixie.
# Usage: knock/dist/sources.sh DIR   (leaves DIR/libsodium and DIR/inih, unpacked and patched)
set -eu
mkdir -p "$1"
dir=$(cd "$1" && pwd)
mirror=${DIST_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([a-z]*:\/\/[^ ]*\/debian\/\{0,1\}\) .*/\2/p' \
			-e 's/^URIs: *\([a-z]*:\/\/[^ ]*\/debian\/\{0,1\}\)$/\1/p' | head -n 1)
fi
[ -n "$mirror" ] || { echo "knock/dist/sources.sh: no Debian archive in /etc/apt (set DIST_MIRROR)" >&2; exit 1; }
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/apt/parts"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$dir/apt/sources.list" <<LIST
deb-src [signed-by=$keyring] $mirror bookworm main
deb-src [signed-by=$keyring] $mirror trixie main
LIST
apt_opts="-o Dir::Etc::sourcelist=$dir/apt/sources.list -o Dir::Etc::sourceparts=$dir/apt/parts
	-o Dir::State::lists=$dir/apt/lists -o Dir::Cache=$dir/apt/cache
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $apt_opts -qq update
cd "$dir"
rm -rf libsodium inih libsodium-* libinih-*
# shellcheck disable=SC2086
apt-get $apt_opts -qq source libsodium/bookworm libinih/trixie >sources.log 2>&1 ||
	{ cat sources.log >&2; exit 1; }
mv libsodium-*/ libsodium && mv libinih-*/ inih
echo "knock/dist/sources.sh: $(ls ./*.dsc | tr '\n' ' ')from $mirror"
