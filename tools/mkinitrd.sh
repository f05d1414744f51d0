#!/bin/bash
# Build Ferry's boot image: a cpio archive (newc, the format Linux's
# initramfs uses) that the kernel unpacks into its RAM file system.
#
#   tools/mkinitrd.sh [--out FILE] [--no-build] [--add HOST[:GUEST]]...
#
# Layout (staged in FILE's name with .root instead of .cpio, then packed):
#   /bin/         Ferry's programs (build/user/bin), Debian's busybox-static
#                 as /bin/busybox, with a symlink per applet (/bin/sh...)
#   /tests/       the tests/os programs (build/tests/os), the io_uring ones
#                 linked with liburing (build/tests/uring), and /tests/data/:
#                 their dynamically linked helpers (build/tests/os/data)
#   /lib/         musl's dynamic linker, ld-musl-x86_64.so.1 (musl's libc.so:
#                 one file is both), so dynamically linked musl programs run
#   /etc/         passwd, group, shadow (0600), hostname, hosts, and
#                 resolv.conf naming QEMU user networking's DNS (10.0.2.3):
#                 root (uid 0) and user (uid 1000), both without a password
#                 until one is set
#   /home/user    user's home, owned by user (1000:1000)
#   /bin/busybox  set-user-ID root, as distributions install it, so that su
#                 and passwd work for users: busybox drops the privilege at
#                 once in every applet that does not need it (sh, ls...)
#   /dev /proc /sys  empty: the kernel provides console, null, zero, /proc and /sys
#   /tmp          empty, mode 1777
# --add copies HOST (a file or a directory) to GUEST; GUEST defaults to
# /bin/NAME, and a GUEST ending in / gets NAME appended. Added files go in
# last, so they replace defaults. Entries are named without a leading
# "./", owned by 0:0 except /home/user (a second archive after the first,
# owned by 1000:1000), in sorted order, each archive ending with
# "TRAILER!!!".
# --no-build skips `make user` (the Makefile passes it; it has just built).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
out=$top/build/initrd.cpio
build=1
adds=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--no-build) build=0; shift ;;
	*) echo "usage: $0 [--out FILE] [--no-build] [--add HOST[:GUEST]]..." >&2; exit 2 ;;
	esac
done
die() { echo "mkinitrd: $*" >&2; exit 1; }

[ $build -eq 1 ] && make --no-print-directory -C "$top" user >&2
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox missing: install Debian's busybox-static (tools/deps.sh)"
# Debian's plain `busybox` package is dynamic, linked with glibc, which the image has not.
readelf -lW "$busybox" | grep -q INTERP && die "$busybox is dynamically linked: install busybox-static"
musl_ldso=/usr/lib/x86_64-linux-musl/libc.so
[ -f "$musl_ldso" ] || die "$musl_ldso missing: install musl (tools/deps.sh)"

mkdir -p "$(dirname "$out")"
out=$(readlink -f "$out")
root=${out%.cpio}.root
rm -rf "$root"
mkdir -p "$root"/{bin,tests,etc,dev,proc,sys,tmp,lib,home/user}
chmod 0555 "$root/sys"
chmod 1777 "$root/tmp"
chmod 0755 "$root/home" "$root/home/user"
# Only the programs whose source is still there: a binary left in build/
# by a deleted or renamed source stays out of the image.
for src in "$top"/user/*.c; do
	name=$(basename "$src" .c)
	cp "$top/build/user/bin/$name" "$root/bin/" 2>/dev/null || die "no build/user/bin/$name: run make user"
done
for src in "$top"/tests/os/*.c; do
	name=$(basename "$src" .c)
	cp "$top/build/tests/os/$name" "$root/tests/" 2>/dev/null || die "no build/tests/os/$name: run make user"
done
for src in "$top"/tests/uring/*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	cp "$top/build/tests/uring/$name" "$root/tests/" 2>/dev/null || die "no build/tests/uring/$name: run make user"
done
if [ -d "$top/build/tests/os/data" ]; then
	mkdir -p "$root/tests/data"
	for src in "$top"/tests/os/data/*.c; do
		name=$(basename "$src" .c)
		cp "$top/build/tests/os/data/$name" "$root/tests/data/" 2>/dev/null ||
			die "no build/tests/os/data/$name: run make user"
	done
fi
cp "$musl_ldso" "$root/lib/ld-musl-x86_64.so.1"
cp "$busybox" "$root/bin/busybox"
# One link per busybox applet (as `busybox --install -s` would make), except
# where Ferry has a program of its own by that name (init...).
"$busybox" --list | while read -r applet; do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
[ -e "$root/bin/sh" ] || die "busybox has no sh applet"
# Set-user-ID root: su lets a user become another with that one's password
# and passwd change their own. busybox runs su, passwd and login as root,
# and in every other applet goes back to the real ids before anything else
# (its FEATURE_SUID: "drop" applets), as ash does for the user's shell.
chmod 4755 "$root/bin/busybox"
# The accounts. The password fields live in /etc/shadow ("x" here); empty
# ones ask for nothing (busybox's rule) until root sets one with passwd.
printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'user:x:1000:1000:Ferry user:/home/user:/bin/sh' \
	>"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'user:x:1000:' >"$root/etc/group"
printf '%s\n' 'root::19000:0:99999:7:::' 'user::19000:0:99999:7:::' >"$root/etc/shadow"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
chmod 0600 "$root/etc/shadow"
printf 'ferry\n' >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tferry\n' >"$root/etc/hosts"
printf 'nameserver 10.0.2.3\n' >"$root/etc/resolv.conf"

for a in "${adds[@]}"; do
	host=${a%%:*}
	guest=/bin/
	[ "$host" != "$a" ] && guest=${a#*:}
	[ -e "$host" ] || die "--add $a: $host does not exist"
	case "$guest" in /*) ;; *) guest=/$guest ;; esac
	case "$guest" in */) guest=$guest$(basename "$host") ;; esac
	mkdir -p "$root$(dirname "$guest")"
	rm -rf "${root:?}$guest"
	cp -a "$host" "$root$guest"
done

# %P: names relative to the root, without "./". Everything is root's but
# user's home, which goes in a second archive with its owner.
(cd "$root" && find . -mindepth 1 -printf '%P\n' | grep -v '^home/user\(/\|$\)' | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) >"$out.tmp"
(cd "$root" && find home/user -printf '%p\n' | LC_ALL=C sort |
	cpio -o -H newc -R 1000:1000 --reproducible --quiet) >>"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitrd: $out ($(du -k "$out" | cut -f1) KiB, $(find "$root" -mindepth 1 | wc -l) entries)" >&2
