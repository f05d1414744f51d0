#!/bin/bash
# /sys against what the host knows, in three boots:
#   - glibc's get_nprocs and get_nprocs_conf (static, built here), which
#     read /sys/devices/system/cpu/online and possible: 2 and 2 on 2 CPUs,
#     1 and 2 when smp=1 leaves the second core offline (busybox nproc 1);
#   - on a copy of the disk image, with 4 CPUs: tests/os/sysfs with a disk
#     to look at and a second one with two partitions (their directories
#     inside vdb's, checked against their nodes), /sys/block/vda/size
#     times 512 is the image's size, vdb2's start and size the table's, and
#     /sys/block/vda/stat counts what a 1 MiB write and its read back
#     (after drop_caches) moved: at least 2048 sectors each way, a flush.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "sysfs: $*"; fail=1; }

cat >"$tmp/nprocs.c" <<'C'
#include <stdio.h>
#include <sys/sysinfo.h>
int main(void) { printf("nprocs %d conf %d\n", get_nprocs(), get_nprocs_conf()); return 0; }
C
if gcc -static -O2 -o "$tmp/nprocs" "$tmp/nprocs.c"; then
	out=$("$top/tools/ferry-run" --smp 2 --timeout 300 --add "$tmp/nprocs:/bin/nprocs" -- \
		/bin/sh -c '/bin/nprocs; nproc' 2>&1 </dev/null)
	echo "$out"
	[ "$out" = "$(printf 'nprocs 2 conf 2\n2')" ] || bad "2 CPUs: glibc and nproc should say 2"
	out=$("$top/tools/ferry-run" --smp 2 --append smp=1 --timeout 300 --add "$tmp/nprocs:/bin/nprocs" -- \
		/bin/sh -c '/bin/nprocs; nproc; cat /sys/devices/system/cpu/offline' 2>&1 </dev/null)
	echo "$out"
	[ "$out" = "$(printf 'nprocs 1 conf 2\n1\n1')" ] || bad "smp=1 of 2: 1 online, 2 configured, cpu 1 offline"
else
	bad "no static glibc program could be built (gcc -static)"
fi

make --no-print-directory -C "$top" disk >/dev/null || bad "the disk image could not be built"
cp "$top/build/disk.img" "$tmp/disk.img"
bytes=$(stat -c %s "$tmp/disk.img")
cat >"$tmp/io.sh" <<'SCRIPT'
field() { awk -v f="$1" '{ print $f }' /sys/block/vda/stat; }
/tests/sysfs | grep -v '^ok'
echo "size $(cat /sys/block/vda/size)"
w0=$(field 7) f0=$(field 16)
dd if=/dev/zero of=/sysfs-io bs=64k count=16 2>/dev/null
sync
w1=$(field 7) f1=$(field 16)
echo 3 > /proc/sys/vm/drop_caches
r0=$(field 3)
cat /sysfs-io > /dev/null
r1=$(field 3)
rm /sysfs-io
echo "written $((w1 - w0)) read $((r1 - r0)) flushes $((f1 - f0))"
echo "vdb2 $(cat /sys/block/vdb/vdb2/partition) $(cat /sys/block/vdb/vdb2/start) $(cat /sys/block/vdb/vdb2/size) $(readlink /sys/class/block/vdb2)"
SCRIPT
# vdb: an MBR with vdb1 at sector 2048 (4096 sectors) and vdb2 at 8192 (8192 sectors).
truncate -s 32M "$tmp/parts.img"
python3 "$top/tests/lib/mbr.py" "$tmp/parts.img" 0 83:2048:4096 83:8192:8192
# --add puts files in the initrd, which a disk root does not see: the script goes in on stdin.
out=$("$top/tools/ferry-run" --smp 4 --timeout 300 --disk "$tmp/disk.img" \
	--qemu -drive --qemu "file=$tmp/parts.img,if=none,format=raw,id=p1" \
	--qemu -device --qemu "virtio-blk-pci,drive=p1,disable-legacy=on" -- /bin/sh 2>&1 <"$tmp/io.sh")
echo "$out"
grep -q '^# sysfs: [0-9]* checks, 0 failed' <<<"$out" || bad "tests/os/sysfs with a disk failed"
grep -qx "size $((bytes / 512))" <<<"$out" || bad "vda's size should be $((bytes / 512)) sectors"
read -r w r f < <(sed -n 's/^written \([0-9]*\) read \([0-9]*\) flushes \([0-9]*\)$/\1 \2 \3/p' <<<"$out")
[ "${w:-0}" -ge 2048 ] || bad "a 1 MiB write and sync should count 2048 written sectors or more"
[ "${r:-0}" -ge 2048 ] || bad "reading 1 MiB back from the disk should count 2048 read sectors or more"
[ "${f:-0}" -ge 1 ] || bad "sync should count a flush"
grep -qx "vdb2 2 8192 8192 ../../devices/virtual/block/vdb/vdb2" <<<"$out" ||
	bad "vdb2: partition 2 from sector 8192, 8192 sectors, linked from class/block into vdb's directory"
[ $fail -eq 0 ] && echo "sysfs: all passed"
exit $fail
