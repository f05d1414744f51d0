#!/bin/bash
# The block cache may grow to half of RAM, and gives its clean blocks back
# when memory runs out: boot with 192 MiB, read a 100 MiB file from an ext2
# disk (the cache fills), then run a program that needs 100 MB more than is
# free (busybox awk building a 100 MB string). It must succeed, the cache
# must have shrunk (Cached in /proc/meminfo), and the file must read back
# intact afterwards.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null 2>&1 || { echo "bcache-reclaim: build failed"; exit 1; }
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
tmp=$(mktemp -d /tmp/ferry-reclaim.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tree"
head -c 100M /dev/urandom > "$tmp/tree/big"
want_sum=$(md5sum < "$tmp/tree/big" | cut -d' ' -f1)
"$MKE2FS" -q -F -t ext2 -b 4096 -d "$tmp/tree" "$tmp/data.img" 160M >/dev/null 2>&1 || { echo "FAIL mke2fs"; exit 1; }
out=$("$top/tools/qemu-boot.sh" --mem 192 --timeout 240 --initrd "$top/build/initrd.cpio" \
	--disk "$tmp/data.img" -- "-- /bin/sh -c 'mkdir /mnt; mount -t ext2 -o ro /dev/vda /mnt; \
cat /mnt/big > /dev/null; grep -E \"^(MemFree|Cached):\" /proc/meminfo; \
awk \"BEGIN{s=sprintf(\\\"%100000000s\\\",\\\"x\\\"); print \\\"len=\\\" length(s)}\"; \
grep ^Cached: /proc/meminfo; md5sum < /mnt/big'" 2>&1 | tr -d '\r')
fail=0
kb() { grep -E "^$1" <<<"$out" | sed -n "${2}p" | awk '{print $2}'; }
free0=$(kb MemFree: 1) buf0=$(kb Cached: 1) buf1=$(kb Cached: 2)
if [ -z "$free0" ] || [ -z "$buf0" ] || [ -z "$buf1" ]; then
	echo "FAIL no /proc/meminfo figures in:"; sed 's/^/    /' <<<"$out" | tail -20; exit 1
fi
[ "$buf0" -gt 80000 ] && echo "ok   the cache holds the file read ($buf0 kB)" ||
	{ echo "FAIL the cache holds only $buf0 kB after reading 100 MiB"; fail=1; }
[ "$free0" -lt 90000 ] && echo "ok   less is free than the program needs ($free0 kB)" ||
	{ echo "FAIL $free0 kB free: the test would not press on the cache"; fail=1; }
grep -q "^len=100000000$" <<<"$out" && echo "ok   a 100 MB allocation succeeds" ||
	{ echo "FAIL the 100 MB allocation:"; sed 's/^/    /' <<<"$out" | tail -20; fail=1; }
[ "$buf1" -lt "$buf0" ] && echo "ok   the cache gave memory back ($buf0 -> $buf1 kB)" ||
	{ echo "FAIL the cache did not shrink ($buf0 -> $buf1 kB)"; fail=1; }
grep -q "^$want_sum" <<<"$out" && echo "ok   the file reads back intact" ||
	{ echo "FAIL checksum: want $want_sum"; sed 's/^/    /' <<<"$out" | tail -5; fail=1; }
exit $fail
