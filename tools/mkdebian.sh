#!/bin/bash
# `make debian`: an ext2 image of a Debian bookworm root for Ferry.
#
#   tools/mkdebian.sh [--rebuild] IMAGE
#
# The tree: debootstrap --variant=minbase bookworm, plus the packages in
# $pkgs (bash, coreutils, ..., python3, perl, procps, build-essential),
# from the mirror the build machine's apt uses (the first http(s) URI of a
# bookworm "main" source in /etc/apt/sources.list{,.d/*}; DEBIAN_MIRROR=URL
# overrides it, deb.debian.org if none is found). It is built once, as root
# (debootstrap makes device nodes and chroots), in build/debian/root, the
# downloaded packages kept in build/debian/cache; build/debian/root.done
# marks a finished tree, so an interrupted debootstrap starts again.
#
# The image: IMAGE is made from that tree with mke2fs -t ext2 -d only when
# it is missing (or with --rebuild); it is the root Ferry boots and writes
# (make run ROOT=debian, tools/ferry-run --disk IMAGE), so what is done in
# Ferry stays there. Every call puts the build's Ferry init (build/user/bin/init)
# in IMAGE as /usr/bin/init (= /bin/init, which the kernel starts; Debian
# has no file there: its own init would be /usr/sbin/init) with debugfs,
# and ends with e2fsck -fn on IMAGE.
#
# The image's size is the tree's plus 1 GiB of free space (sparse: the
# file takes only what is written). Also set in the tree: /etc/hostname
# (debian), /etc/hosts, /etc/resolv.conf for QEMU's user network (10.0.2.3),
# /etc/apt/sources.list naming the mirror, and root's password emptied so
# that su and login work as on Ferry's own images.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
rebuild=0
args=("$@")
[ "${1:-}" = --rebuild ] && { rebuild=1; shift; }
[ $# -eq 1 ] || { echo "usage: $0 [--rebuild] IMAGE" >&2; exit 2; }
img=$1
dir=$top/build/debian
tree=$dir/root
init=$top/build/user/bin/init
suite=bookworm
pkgs=bash,coreutils,findutils,grep,sed,gawk,tar,gzip,xz-utils,python3,perl,procps,build-essential
tool() { command -v "$1" || echo "/sbin/$1"; }
MKE2FS=$(tool mke2fs) E2FSCK=$(tool e2fsck) DEBUGFS=$(tool debugfs)
die() { echo "mkdebian: $*" >&2; exit 1; }
[ -x "$init" ] || die "$init missing: make user first"

# The mirror apt uses here: one-line (deb URI SUITE main) and deb822
# (URIs:/Suites:) sources, the first naming bookworm and not -security.
find_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case "$f" in
		*.sources)
			awk -v s="$suite" '
				/^[ \t]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
				/^URIs:/ { uri = $2 }
				/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
				END { if (uri != "" && ok) print uri }' "$f" ;;
		*)
			awk -v s="$suite" '$1 == "deb" && $0 !~ /security/ {
				for (i = 2; i <= NF; i++) if ($i ~ /^https?:/ && $(i + 1) == s) { print $i; exit } }' "$f" ;;
		esac
	done | grep -m1 -E '^https?://' || true
}

if [ ! -f "$dir/root.done" ] || [ ! -d "$tree" ]; then
	# debootstrap makes device nodes and chroots: root's work, through sudo if need be.
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null && exec sudo -n "$0" "${args[@]}" ||
			die "debootstrap needs root (it makes device nodes and chroots): run as root or with sudo"
	fi
	command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || die "debootstrap missing (make deps installs it)"
	mirror=${DEBIAN_MIRROR:-$(find_mirror)}
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "  DEBOOTSTRAP $suite from $mirror (minutes; packages cached in build/debian/cache)"
	rm -rf "$tree" "$dir/root.done"
	mkdir -p "$dir/cache" "$tree"
	if ! PATH=$PATH:/usr/sbin:/sbin debootstrap --variant=minbase --include="$pkgs" \
		--cache-dir="$dir/cache" "$suite" "$tree" "$mirror" >"$dir/debootstrap.log" 2>&1; then
		tail -20 "$dir/debootstrap.log" >&2
		die "debootstrap failed (no network to $mirror?); its log: $dir/debootstrap.log"
	fi
	echo debian >"$tree/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tree/etc/hosts"
	echo 'nameserver 10.0.2.3' >"$tree/etc/resolv.conf"
	echo "deb $mirror $suite main" >"$tree/etc/apt/sources.list"
	sed -i 's/^root:[^:]*:/root::/' "$tree/etc/shadow"
	# apt's downloaded packages are in build/debian/cache, not the image.
	rm -f "$tree"/var/cache/apt/archives/*.deb
	touch "$dir/root.done"
fi

if [ ! -f "$img" ] || [ $rebuild -eq 1 ]; then
	mb=$(( $(du -sm "$tree" | cut -f1) + 1024 ))
	rm -f "$img.tmp"
	truncate -s "${mb}M" "$img.tmp"
	"$MKE2FS" -q -F -t ext2 -b 4096 -L debian -d "$tree" "$img.tmp"
	mv "$img.tmp" "$img"
	echo "  DEBIAN  $img (${mb} MiB)"
fi

# Ferry's init, as /usr/bin/init: replaced on every call.
printf '%s\n' 'rm /usr/bin/init' "write $init /usr/bin/init" |
	"$DEBUGFS" -w -f - "$img" >/dev/null 2>&1
"$DEBUGFS" -R 'stat /usr/bin/init' "$img" 2>/dev/null | grep -q 'Size: [1-9]' || die "could not write init into $img"
"$E2FSCK" -fn "$img" >"$img.fsck" 2>&1 || { cat "$img.fsck" >&2; die "e2fsck -fn $img found errors"; }
