#!/bin/bash
# A damaged ext3 journal gives a console message, never a crash, and
# nothing is written to a disk whose journal cannot be trusted:
#  - a clean file system whose journal superblock is smashed, whose
#    journal uses a feature Ferry does not implement (CRC32C v3
#    checksums), or whose journal inode maps a block outside the file
#    system: mounted read-only (the metadata is whole; new changes could
#    not be journalled), writes fail with EROFS;
#  - a file system that needs recovery and whose log holds a descriptor
#    naming a block past the end of the disk: not mounted (e2fsck must
#    repair it), the initrd root stays and the shell comes up; the image
#    is left byte for byte as it was;
#  - a disk whose log writes fail (QEMU's blkdebug): the journal stops
#    with a message, fsync gives EIO, changes after it EROFS, and the
#    disk stays consistent.
# Each image is a copy of build/disk.img (mke2fs -t ext3) changed with
# debugfs and dd.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "journal-damage: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-jdamage.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"
boot() { # image, shell command: the console output
	"$top/tools/qemu-boot.sh" --smp 2 --timeout 180 --initrd "$top/build/initrd.cpio" \
		--disk "$1" -- "root=/dev/vda -- /bin/sh -c '$2'" 2>&1 | tr -d '\r'
}
bsize=4096
# Journal block n of image $1: its block on the disk (the journal is inode 8).
jblock() { "$DEBUGFS" -R "bmap <8> $2" "$1" 2>/dev/null; }
# Write the big-endian 32-bit value $3 at byte $2 of image $1.
put_be32() {
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 >> 24 & 255)) $(($3 >> 16 & 255)) \
		$(($3 >> 8 & 255)) $(($3 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
get_be32() { od -A n -t x1 -j "$2" -N 4 "$1" | tr -d ' \n' | { read -r h; echo $((16#$h)); }; }
write_try="echo x > /new && echo wrote-new; echo shell-up"
fresh() { cp "$top/build/disk.img" "$1"; }

# 1. Clean, the journal superblock's magic smashed.
img=$tmp/magic.img
fresh "$img"
sb=$(jblock "$img" 0)
put_be32 "$img" $((sb * bsize)) 0
out=$(boot "$img" "$write_try")
want "smashed journal superblock: a message" "$out" "the journal cannot be used: no journal magic in the journal superblock"
want "smashed journal superblock: mounted read-only" "$out" "ext2 vda: mounted read-only"
want "smashed journal superblock: writes fail" "$out" "Read-only file system"
want "smashed journal superblock: the shell goes on" "$out" "shell-up"

# 2. Clean, the journal asks for CRC32C v3 checksums (incompatible feature 0x10).
img=$tmp/csum.img
fresh "$img"
sb=$(jblock "$img" 0)
put_be32 "$img" $((sb * bsize + 0x28)) $(($(get_be32 "$img" $((sb * bsize + 0x28))) | 0x10))
out=$(boot "$img" "$write_try")
want "journal feature not implemented: a message" "$out" "the journal cannot be used: journal features Ferry does not implement"
want "journal feature not implemented: mounted read-only" "$out" "ext2 vda: mounted read-only"
want "journal feature not implemented: the shell goes on" "$out" "shell-up"

# 3. Clean, the journal inode's sixth block pointer outside the file system.
img=$tmp/map.img
fresh "$img"
"$DEBUGFS" -w -R "sif <8> block[5] 99999999" "$img" >/dev/null 2>&1
out=$(boot "$img" "$write_try")
want "journal inode maps a bad block: a message" "$out" \
	"the journal cannot be used: the journal inode has a hole or a block outside the file system"
want "journal inode maps a bad block: mounted read-only" "$out" "ext2 vda: mounted read-only"
want "journal inode maps a bad block: the shell goes on" "$out" "shell-up"

# 4. Needs recovery; the log's first transaction names block 0xfffffff0 (past the end).
img=$tmp/log.img
fresh "$img"
sb=$(jblock "$img" 0)
seq=$(get_be32 "$img" $((sb * bsize + 24)))
first=$(get_be32 "$img" $((sb * bsize + 20)))
put_be32 "$img" $((sb * bsize + 28)) "$first" # s_start: the log holds transactions
d=$(jblock "$img" "$first")
put_be32 "$img" $((d * bsize)) $((0xc03b3998)) # a descriptor block of transaction seq
put_be32 "$img" $((d * bsize + 4)) 1
put_be32 "$img" $((d * bsize + 8)) "$seq"
put_be32 "$img" $((d * bsize + 12)) $((0xfffffff0)) # its one tag: the block, flags same-UUID and last
put_be32 "$img" $((d * bsize + 16)) $((2 | 8))
c=$(jblock "$img" $((first + 2)))
put_be32 "$img" $((c * bsize)) $((0xc03b3998)) # and its commit block
put_be32 "$img" $((c * bsize + 4)) 2
put_be32 "$img" $((c * bsize + 8)) "$seq"
"$DEBUGFS" -w -R "feature needs_recovery" "$img" >/dev/null 2>&1
before=$(md5sum <"$img")
out=$(boot "$img" "echo shell-up; ls /")
want "corrupt log: a message" "$out" \
	"ext2 vda: cannot mount: the file system needs recovery, but its journal cannot be replayed: a journal descriptor names a block past the end of the file system (run e2fsck)"
want "corrupt log: the initrd root kept" "$out" "keeping the initrd root"
want "corrupt log: the shell comes up" "$out" "shell-up"
if [ "$(md5sum <"$img")" = "$before" ]; then echo "ok   corrupt log: the image is untouched"; else
	echo "FAIL corrupt log: Ferry wrote to the image"; fail=1; fi

# 5. The disk fails every write to the log's first block (QEMU's blkdebug): the commit fails,
# the journal stops with a message, fsync reports EIO, later changes EROFS; what is on the
# disk stays consistent (e2fsck -fn).
img=$tmp/eio.img
fresh "$img"
conf=$tmp/blkdebug.conf
printf '[inject-error]\nevent = "pwritev"\nerrno = "5"\nsector = "%d"\n' \
	$(($(jblock "$img" 1) * bsize / 512)) >"$conf"
out=$("$top/tools/qemu-boot.sh" --smp 2 --timeout 180 --initrd "$top/build/initrd.cpio" \
	--qemu -drive --qemu "file=blkdebug:$conf:$img,if=none,format=raw,id=dx" \
	--qemu -device --qemu "virtio-blk-pci,drive=dx,disable-legacy=on" \
	-- "root=/dev/vda -- /bin/sh -c 'dd if=/dev/zero of=/h bs=1k count=1 conv=fsync; \
echo y > /g; echo shell-up'" 2>&1 | tr -d '\r')
want "failing log write: the journal stops with a message" "$out" \
	"jbd2 vda: a commit failed: the journal is stopped, changes are no longer written (run e2fsck)"
want "failing log write: fsync reports EIO" "$out" "dd: /h: Input/output error"
want "failing log write: later changes EROFS" "$out" "can't create /g: Read-only file system"
want "failing log write: the shell goes on" "$out" "shell-up"
fsck "$img" "a failed commit"

# And the undamaged journal: mounted read-write with it, writes persist, e2fsck -fn clean.
img=$tmp/good.img
fresh "$img"
out=$(boot "$img" "$write_try")
want "intact journal: mounted with it" "$out" "ext2 vda: mounted read-write with a journal"
want "intact journal: a write" "$out" "wrote-new"
fsck "$img" "a write with the journal"
exit $fail
