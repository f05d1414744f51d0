#!/bin/bash
# Build Ferry's boot image: a cpio archive (newc, the format Linux's
# initramfs uses) that the kernel unpacks into its RAM file system.
#
#   tools/mkinitrd.sh [--out FILE] [--no-build] [--add HOST[:GUEST]]...
#
# Layout (staged in FILE's name with .root instead of .cpio, then packed):
#   /bin/         Ferry's programs (build/user/bin), Debian's busybox-static
#                 as /bin/busybox, with a symlink per applet (/bin/sh...)
#   /tests/       the tests/os programs (build/tests/os), and /tests/data/:
#                 their dynamically linked helpers (build/tests/os/data)
#   /lib/         musl's dynamic linker, ld-musl-x86_64.so.1 (musl's libc.so:
#                 one file is both), so dynamically linked musl programs run
#   /etc/         passwd, group, hostname
#   /dev /proc    empty: the kernel provides console, null, zero and /proc
#   /tmp          empty, mode 1777
# --add copies HOST (a file or a directory) to GUEST; GUEST defaults to
# /bin/NAME, and a GUEST ending in / gets NAME appended. Added files go in
# last, so they replace defaults. Entries are named without a leading
# "./", owned by 0:0, in sorted order, ending with "TRAILER!!!".
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
mkdir -p "$root"/{bin,tests,etc,dev,proc,tmp,lib}
chmod 1777 "$root/tmp"
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
printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'ferry\n' >"$root/etc/hostname"

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

# %P: names relative to the root, without "./".
(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitrd: $out ($(du -k "$out" | cut -f1) KiB, $(find "$root" -mindepth 1 | wc -l) entries)" >&2
