#!/bin/bash
# Block devices inside Ferry: on an ext2 root (vda) with a second disk
# (vdb) that has an MBR with two partitions, a third (vdc) with none and a
# fourth (vdd) with a GPT:
# the partitions' nodes and sizes, mke2fs of a partition and of a whole
# disk, mount by name, write, umount, mount again and read, mkswap and
# swapon of a partition, bounds (nothing past a partition's end), a loop
# device on a file of the ext2 root formatted and mounted (losetup, then
# mount -o loop), losetup's errors, device nodes made on ext2 by mknod,
# fdisk -l, /proc/partitions and BLKRRPART; then bad tables, logical
# partitions in an extended one (and chains that loop or run off the
# disk), and a root on
# a partition (root=/dev/vda1). Afterwards the host checks every file
# system written (e2fsck -fn) and reads the files back (debugfs).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "blockdev: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-blockdev.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

root=$tmp/root.img vdb=$tmp/vdb.img vdc=$tmp/vdc.img vdd=$tmp/vdd.img
cp "$top/build/disk.img" "$root"
truncate -s 32M "$vdb" "$vdd"
truncate -s 12M "$vdc"
# A GPT on vdd (UEFI 2.x chapter 5): a protective MBR, the header at LBA 1, 128 entries
# from LBA 2; entry 1 is sectors 2048..18431 (8 MiB), entry 3 is 18432..34815 (vdd3, no vdd2).
python3 - "$vdd" <<'EOF'
import struct, sys, zlib, uuid
mbr = bytearray(512)
mbr[446:462] = struct.pack('<B3sB3sII', 0, b'\0\0\0', 0xee, b'\0\0\0', 1, 65535)
mbr[510:512] = b'\x55\xaa'
linux = uuid.UUID('0fc63daf-8483-4772-8e79-3d69d8477de4').bytes_le
ents = bytearray(128 * 128)
for i, (lo, hi) in ((0, (2048, 18431)), (2, (18432, 34815))):
    ents[128 * i:128 * i + 56] = linux + uuid.uuid4().bytes_le + struct.pack('<QQQ', lo, hi, 0)
hdr = bytearray(struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0, 1, 65535, 34, 65502,
                            uuid.uuid4().bytes_le, 2, 128, 128, zlib.crc32(ents)))
hdr[16:20] = struct.pack('<I', zlib.crc32(hdr))
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr + hdr + bytes(512 - len(hdr)) + ents)
EOF
# An MBR: vdb1 at sector 2048, 16 MiB (Linux, 0x83); vdb2 after it to the end (swap, 0x82).
python3 - "$vdb" "$tmp/new.mbr" <<'EOF'
import struct, sys
mbr = bytearray(512)
def entry(i, typ, start, count):
    mbr[446 + 16 * i:446 + 16 * (i + 1)] = struct.pack('<B3sB3sII', 0, b'\0\0\0', typ, b'\0\0\0', start, count)
entry(0, 0x83, 2048, 32768)
entry(1, 0x82, 34816, 65536 - 34816)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
# The table written over it in Ferry before BLKRRPART: vdb1 alone, 8 MiB.
entry(0, 0x83, 2048, 16384)
mbr[446 + 16:446 + 32] = bytes(16)
with open(sys.argv[2], 'wb') as f:
    f.write(mbr)
EOF

script='
ls /dev | grep -E "^vd|^loop" | tr "\n" " "; echo
echo vdd1=$(blockdev --getsize64 /dev/vdd1) vdd3=$(blockdev --getsize64 /dev/vdd3)
mkdir -p /mnt; mke2fs -q /dev/vdd3 && mount /dev/vdd3 /mnt && echo on-gpt > /mnt/gpt && umount /mnt && echo gpt-written
echo vdb1=$(blockdev --getsize64 /dev/vdb1) vdb2=$(blockdev --getsize64 /dev/vdb2) vdc=$(blockdev --getsize64 /dev/vdc)
mke2fs -q /dev/vdb1 && echo mkfs-vdb1-ok
mkdir -p /mnt /m2
mount /dev/vdb1 /mnt && echo part-file > /mnt/f && mkdir /mnt/d && umount /mnt && echo part-written
mount -t ext2 /dev/vdb1 /mnt && cat /mnt/f && umount /mnt
mount /dev/vdb1 /mnt && { mount /dev/vdb1 /m2 || echo mount-twice-refused; swapon /dev/vdb1 2>&1 | grep -q busy && echo swapon-mounted-refused; umount /mnt; }
mkswap /dev/vdb2 >/dev/null && swapon /dev/vdb2 && grep vdb2 /proc/swaps && swapoff /dev/vdb2 && echo swap-part-ok
dd if=/dev/vdb2 of=/dev/null bs=512 skip=30720 count=4 2>&1 | grep records.in
dd if=/dev/zero of=/dev/vdb2 bs=512 seek=30720 count=1 2>&1 | grep -i "space\|records.out"
mke2fs -q /dev/vdc && mount /dev/vdc /mnt && echo whole-disk > /mnt/w && sync && umount /mnt && echo whole-ok
dd if=/dev/zero of=/home/img bs=1k count=8192 2>/dev/null
losetup /dev/loop0 /home/img && losetup -a && mke2fs -q /dev/loop0 && echo loop-mkfs-ok
mount /dev/loop0 /m2 && echo in-a-loop > /m2/g && mkdir /m2/sub && umount /m2 && echo loop-written
losetup -d /dev/loop0 && echo loop-detached
mount -o loop /home/img /m2 && cat /m2/g && ls -d /m2/sub && umount /m2 && echo loop-remounted
losetup -a | wc -l | sed "s/^/bound-after-umount=/"
losetup /dev/loop1 /dev/loop1 || echo loop-self-refused
losetup /dev/loop1 /home || echo loop-dir-refused
mount /dev/loop5 /m2 || echo unbound-mount-refused
fdisk -l /dev/vdb | grep "^/dev/vdb1"
/tests/blockdev /dev/vdb /dev/vdb2 | grep -v "^ok"
mknod /home/vdcnode b 254 32 && mknod /home/nullnode c 1 3 && echo ext2-node=$(blockdev --getsize64 /home/vdcnode) && echo gone > /home/nullnode && echo null-node-ok
stat -c "vdb1-rdev=%t:%T" /dev/vdb1
mknod /home/nodrv b 250 3 && { cat /home/nodrv 2>&1 | grep -q "No such device" && echo no-driver-enxio; }
cat /proc/partitions | grep -c "vd" | sed "s/^/partitions-lines=/"
mount /dev/vdb1 /mnt && { blockdev --rereadpt /dev/vdb 2>&1 | grep -q busy && echo rrpart-busy; umount /mnt; }
dd if=/new.mbr of=/dev/vdb conv=notrunc 2>/dev/null && blockdev --flushbufs /dev/vdb && blockdev --rereadpt /dev/vdb && echo rrpart-ok
echo "parts-now=$(ls /dev | grep "^vdb" | tr "\n" ,)end" new-vdb1=$(blockdev --getsize64 /dev/vdb1)
sync
'
# The script goes onto the root (a kernel command line is too short for it).
printf '%s' "$script" > "$tmp/t.sh"
"$DEBUGFS" -w -R "write $tmp/t.sh /t.sh" "$root" >/dev/null 2>&1
"$DEBUGFS" -w -R "write $tmp/new.mbr /new.mbr" "$root" >/dev/null 2>&1
out=$("$top/tools/qemu-boot.sh" --smp 2 --timeout 240 --disk "$root" --disk "$vdb" --disk "$vdc" --disk "$vdd" -- \
	"root=/dev/vda -- /bin/sh /t.sh" 2>&1 | tr -d '\r')
[ -n "${KEEP:-}" ] && echo "$out" > "$tmp/console.log"
want "partitions found at boot" "$out" "blk: vdb1: sectors 2048..34815 (16 MiB)"
want "nodes for disks, partitions and loop devices" "$out" "loop0 loop1"
want "partition nodes" "$out" "vdb vdb1 vdb2 vdc vdd vdd1 vdd3 "
want "GPT partitions: numbered by entry, sized" "$out" "vdd1=8388608 vdd3=8388608"
want "mke2fs and mount of a GPT partition" "$out" "gpt-written"
want "BLKGETSIZE64 of partitions and disks" "$out" "vdb1=16777216 vdb2=15728640 vdc=12582912"
want "mke2fs of a partition" "$out" "mkfs-vdb1-ok"
want "mount a partition by name, write, umount" "$out" "part-written"
want "mounted again, the file is there" "$out" "part-file"
want "a mounted partition cannot be mounted twice" "$out" "mount-twice-refused"
want "a mounted partition cannot be swapped on" "$out" "swapon-mounted-refused"
want "mkswap and swapon of a partition" "$out" "swap-part-ok"
want "a read stops at the partition's end" "$out" "0+0 records in"
want "a write past the partition's end is ENOSPC" "$out" "No space left on device"
want "mke2fs, mount and write on a whole disk" "$out" "whole-ok"
want "losetup on a file of the ext2 root" "$out" "/dev/loop0: 0 /home/img"
want "mke2fs of a loop device" "$out" "loop-mkfs-ok"
want "mount of a loop device, written, unmounted" "$out" "loop-written"
want "losetup -d" "$out" "loop-detached"
want "mount -o loop reads what was written" "$out" "in-a-loop"
want "mount -o loop: the directory is there" "$out" "/m2/sub"
want "umount lets the autoclear loop device go" "$out" "bound-after-umount=0"
want "a loop device cannot back itself" "$out" "loop-self-refused"
want "a directory cannot back a loop device" "$out" "loop-dir-refused"
want "an unbound loop device cannot be mounted" "$out" "unbound-mount-refused"
want "fdisk -l reads the table (HDIO_GETGEO, BLKGETSIZE64)" "$out" "/dev/vdb1"
want "mknod of a block device on ext2 reaches the disk" "$out" "ext2-node=12582912"
want "mknod of a character device on ext2 reaches its driver" "$out" "null-node-ok"
want "stat of a partition node: its major and minor" "$out" "vdb1-rdev=fe:1"
want "a node with no driver: ENXIO" "$out" "no-driver-enxio"
want "/proc/partitions lists the disks and partitions" "$out" "partitions-lines=8"
want "tests/os/blockdev on a disk and its partition" "$out" "# blockdev: 20 checks, 0 failed"
want "BLKRRPART with a partition mounted: EBUSY" "$out" "rrpart-busy"
want "a new table written through the disk, BLKRRPART" "$out" "rrpart-ok"
want "the new table's partitions replace the old" "$out" "parts-now=vdb,vdb1,end new-vdb1=8388608"
if grep -qiE "panic|assert|oops" <<<"$out"; then echo "FAIL the kernel complained:"; grep -iE -m5 "panic|assert|oops" <<<"$out"; fail=1; fi

# The host's view of what Ferry wrote.
dd if="$vdb" of="$tmp/vdb1.img" bs=512 skip=2048 count=32768 2>/dev/null
fsck "$tmp/vdb1.img" "mke2fs of a partition in Ferry"
got=$("$DEBUGFS" -R "cat /f" "$tmp/vdb1.img" 2>/dev/null)
[ "$got" = part-file ] && echo "ok   the host reads the partition's file" || { echo "FAIL host read of vdb1's /f: '$got'"; fail=1; }
fsck "$vdc" "mke2fs of a whole disk in Ferry"
dd if="$vdd" of="$tmp/vdd3.img" bs=512 skip=18432 count=16384 2>/dev/null
fsck "$tmp/vdd3.img" "mke2fs of a GPT partition in Ferry"
got=$("$DEBUGFS" -R "cat /gpt" "$tmp/vdd3.img" 2>/dev/null)
[ "$got" = on-gpt ] && echo "ok   the host reads the GPT partition's file" || { echo "FAIL host read of vdd3's /gpt: '$got'"; fail=1; }
got=$("$DEBUGFS" -R "cat /w" "$vdc" 2>/dev/null)
[ "$got" = whole-disk ] && echo "ok   the host reads the whole disk's file" || { echo "FAIL host read of vdc's /w: '$got'"; fail=1; }
fsck "$root" "a loop device on a file of the root"
"$DEBUGFS" -R "dump /home/img $tmp/loop.img" "$root" 2>/dev/null
fsck "$tmp/loop.img" "mke2fs and mount through a loop device"
got=$("$DEBUGFS" -R "cat /g" "$tmp/loop.img" 2>/dev/null)
[ "$got" = in-a-loop ] && echo "ok   the host reads the loop image's file" || { echo "FAIL host read of the loop image's /g: '$got'"; fail=1; }

# Bad tables: a GPT header with a right checksum but 2^32-1 entries; an MBR whose
# partitions start past the disk's end or run over it. Nothing read past the end, no crash.
bad1=$tmp/bad1.img bad2=$tmp/bad2.img
truncate -s 8M "$bad1" "$bad2"
python3 - "$bad1" "$bad2" <<'EOF'
import struct, sys, zlib
def mbr(*entries):
    m = bytearray(512)
    for i, (typ, start, count) in enumerate(entries):
        m[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', 0, b'\0\0\0', typ, b'\0\0\0', start, count)
    m[510:512] = b'\x55\xaa'
    return m
hdr = bytearray(struct.pack('<8sIIIIQQQQ16sQIII', b'EFI PART', 0x10000, 92, 0, 0, 1, 1, 34, 5,
                            bytes(16), 2, 0xffffffff, 128, 0))
hdr[16:20] = struct.pack('<I', zlib.crc32(hdr))
open(sys.argv[1], 'r+b').write(mbr((0xee, 1, 0xffffffff)) + hdr)
open(sys.argv[2], 'r+b').write(mbr((0x83, 0xfffffff0, 100), (0x83, 8192, 0xffffffff)))
EOF
cat > "$tmp/bad.sh" <<'EOF'
echo nodes=$(ls /dev | grep ^vd | tr "\n" ,) vdb2=$(blockdev --getsize64 /dev/vdb2)
dd if=/dev/vdb2 of=/dev/null bs=1M 2>&1 | grep records.in
EOF
out=$("$top/tools/ferry-run" --smp 2 --timeout 120 --verbose --add "$tmp/bad.sh:/bad.sh" \
	--qemu -drive --qemu "file=$bad1,if=none,format=raw,id=b1" --qemu -device --qemu "virtio-blk-pci,drive=b1,disable-legacy=on" \
	--qemu -drive --qemu "file=$bad2,if=none,format=raw,id=b2" --qemu -device --qemu "virtio-blk-pci,drive=b2,disable-legacy=on" \
	-- /bin/sh /bad.sh 2>&1 | tr -d '\r')
want "a GPT header with absurd entries is not read" "$out" "blk: vda: GPT entries out of bounds: table not read"
want "a partition past the end is left out" "$out" "blk: vdb1 starts past the end of vdb: left out"
want "a partition over the end is cut to it" "$out" "blk: vdb2 goes past the end of vdb: cut to it"
want "bad tables: only the disks and the cut partition" "$out" "nodes=vda,vdb,vdb2, vdb2=4194304"
want "the cut partition reads to the disk's end" "$out" "4+0 records in"
if grep -qiE "panic|assert" <<<"$out"; then echo "FAIL the kernel complained:"; grep -iE -m5 "panic|assert" <<<"$out"; fail=1; fi

# Logical partitions: an extended partition holding a chain of three extended boot
# records (vda5..vda7, each data entry relative to its record, each link relative to
# the extended partition's start); a chain that links to itself (read up to the
# last minor, no hang); a link past the disk's end (cut there).
log1=$tmp/logical.img log2=$tmp/loop-chain.img log3=$tmp/past-end.img
truncate -s 32M "$log1"
truncate -s 8M "$log2" "$log3"
mbr() { python3 "$top/tests/lib/mbr.py" "$@"; }
mbr "$log1" 0 83:2048:4096 05:8192:57344
mbr "$log1" 8192 83:2048:4096 05:8192:16384
mbr "$log1" 16384 83:2048:8192 05:24576:8192
mbr "$log1" 32768 82:2048:4096
mbr "$log2" 0 0f:2048:8192
mbr "$log2" 2048 83:2048:1024 05:0:8192
mbr "$log3" 0 85:2048:8192
mbr "$log3" 2048 83:2048:1024 05:0x7fff0000:8192
cat > "$tmp/logical.sh" <<'EOF'
echo lnodes=$(ls /dev | grep ^vd | tr "\n" ,)
echo vda2=$(blockdev --getsize64 /dev/vda2) vda5=$(blockdev --getsize64 /dev/vda5) vda6=$(blockdev --getsize64 /dev/vda6) vda7=$(blockdev --getsize64 /dev/vda7)
echo logical-six | dd of=/dev/vda6 conv=notrunc 2>/dev/null && sync && echo six-written
grep -c "vdb" /proc/partitions | sed "s/^/chain-lines=/"
EOF
out=$("$top/tools/ferry-run" --smp 2 --timeout 120 --verbose --add "$tmp/logical.sh:/logical.sh" \
	--qemu -drive --qemu "file=$log1,if=none,format=raw,id=l1" --qemu -device --qemu "virtio-blk-pci,drive=l1,disable-legacy=on" \
	--qemu -drive --qemu "file=$log2,if=none,format=raw,id=l2" --qemu -device --qemu "virtio-blk-pci,drive=l2,disable-legacy=on" \
	--qemu -drive --qemu "file=$log3,if=none,format=raw,id=l3" --qemu -device --qemu "virtio-blk-pci,drive=l3,disable-legacy=on" \
	-- /bin/sh /logical.sh 2>&1 | tr -d '\r')
want "logical partitions numbered from 5, after the primary and extended ones" "$out" \
	"lnodes=vda,vda1,vda2,vda5,vda6,vda7,vdb,vdb1,vdb10,vdb11,vdb12,vdb13,vdb14,vdb15,vdb5,vdb6,vdb7,vdb8,vdb9,vdc,vdc1,vdc5,"
want "the extended partition is 1 KiB, the logical ones their size" "$out" \
	"vda2=1024 vda5=2097152 vda6=4194304 vda7=2097152"
want "a write to a logical partition" "$out" "six-written"
want "a chain that loops is read up to the last minor (the disk, vdb1, vdb5..vdb15)" "$out" "chain-lines=13"
want "a link past the end cuts the chain" "$out" "blk: vdc: an extended boot record past the disk's end: chain cut"
got=$(dd if="$log1" bs=512 skip=18432 count=1 2>/dev/null | head -c 11)
[ "$got" = logical-six ] && echo "ok   the host reads it at vda6's start (sector 18432)" || { echo "FAIL the host read '$got' at sector 18432"; fail=1; }
if grep -qiE "panic|assert" <<<"$out"; then echo "FAIL the kernel complained:"; grep -iE -m5 "panic|assert" <<<"$out"; fail=1; fi

# The root on a partition: root=/dev/vda1, written, clean on the host afterwards.
proot=$tmp/proot.img
truncate -s 66M "$proot"
python3 -c "
import struct, sys
m = bytearray(512)
m[446:462] = struct.pack('<B3sB3sII', 0x80, b'\0\0\0', 0x83, b'\0\0\0', 2048, 131072)
m[510:512] = b'\x55\xaa'
open(sys.argv[1], 'r+b').write(m)" "$proot"
dd if="$top/build/disk.img" of="$proot" bs=512 seek=2048 conv=notrunc 2>/dev/null
out=$("$top/tools/qemu-boot.sh" --smp 2 --timeout 120 --disk "$proot" -- \
	"root=/dev/vda1 -- /bin/sh -c 'grep vda1 /proc/mounts; echo on-vda1 > /rootfile && sync && echo root-written'" 2>&1 | tr -d '\r')
want "root=/dev/vda1: the root on a partition" "$out" "/dev/vda1 / ext2 rw"
want "root=/dev/vda1: written" "$out" "root-written"
dd if="$proot" of="$tmp/proot1.img" bs=512 skip=2048 2>/dev/null
fsck "$tmp/proot1.img" "a root on a partition"
got=$("$DEBUGFS" -R "cat /rootfile" "$tmp/proot1.img" 2>/dev/null)
[ "$got" = on-vda1 ] && echo "ok   the host reads the partition root's file" || { echo "FAIL host read of /rootfile: '$got'"; fail=1; }
exit $fail
