#!/bin/bash
# The benchmark disk, the same for Ferry and Linux: a 512 MiB ext2 image
# (4 KiB blocks, mke2fs -d) holding Ferry's boot tree (build/initrd.root, so
# Ferry can boot from it with root=/dev/vda), the benchmark programs in
# /bench, and an empty /disk. The disk benchmarks (bench/seqread.c) write
# and read their files in /disk: on Ferry a directory of this root file
# system; on Linux the mount point of this disk (so its files land in the
# disk's root directory). Either way the file is on this ext2 file system
# on a virtio-blk disk. Its size leaves room for bench/swapin.c's 256 MiB
# swap file beside a 64 MiB test file (the image is sparse). A fresh image
# for every boot.
#   tools/bench-disk.sh OUT.img
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
out=${1:?usage: bench-disk.sh OUT.img}
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
[ -d "$top/build/initrd.root" ] || make -s -C "$top" initrd >/dev/null ||
	{ echo "bench-disk: cannot build the initrd tree" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -a "$top/build/initrd.root/." "$stage/"
mkdir -p "$stage/bench" "$stage/disk"
for f in "$top"/build/bench/bin/*; do
	[ "$(basename "$f")" = list ] || cp "$f" "$stage/bench/"
done
rm -f "$out" && truncate -s 512M "$out"
"$MKE2FS" -q -F -t ext2 -b 4096 -E root_owner=0:0 -d "$stage" "$out" >/dev/null ||
	{ echo "bench-disk: mke2fs failed" >&2; exit 1; }
"$E2FSCK" -fn "$out" >/dev/null 2>&1 || { echo "bench-disk: e2fsck of the new image failed" >&2; exit 1; }
