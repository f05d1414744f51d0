#!/bin/bash
# io_uring on an ext2 root: the file copy demo (tests/os/uring_copy.c, 32
# reads and writes in flight from one thread) copies a 4 MiB file on the
# disk with the block cache emptied first, so its reads miss the cache and
# wait for the disk as requests parked in the kernel, with 1 and 4 CPUs;
# e2fsck -fn finds the disk clean after each boot.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "uring-ext2: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
tmp=$(mktemp -d /tmp/ferry-uring-ext2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"
for smp in 1 4; do
	img=$tmp/disk.img
	cp "$top/build/disk.img" "$img"
	out=$("$top/tools/qemu-boot.sh" --smp "$smp" --timeout 300 --initrd "$top/build/initrd.cpio" \
		--disk "$img" -- "root=/dev/vda -- /tests/uring_copy /" 2>&1 | tr -d '\r')
	want "$smp CPU(s): the block cache emptied" "$out" "block cache emptied: yes"
	want "$smp CPU(s): the copy equals the source" "$out" "ok - the copy equals the source"
	want "$smp CPU(s): 32 operations in flight" "$out" "ok - 32 operations in flight"
	want "$smp CPU(s): every check passed" "$out" "uring_copy: 6 checks, 0 failed"
	fsck "$img" "the copy with $smp CPU(s)"
done
exit $fail
