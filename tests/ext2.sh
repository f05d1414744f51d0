#!/bin/bash
# ext2 root on virtio-blk: boot from a fresh copy of build/disk.img
# (mke2fs -d of the initrd tree) with root=/dev/vda, read through it with
# busybox, write (create, mkdir, rename, link, symlink, big files through
# double-indirect blocks, truncate, many files in one directory, removal),
# boot again on the same image to check what persisted (the persistence
# test; build/disk.img is ext3, so all this goes through the journal), the
# same on a plain ext2 1 KiB-block image with 8 groups, full disks without
# and with a journal, e2fsck -fn on every image after every boot, and that
# corrupt images (smashed magic, a block pointer past the disk or into the
# inode table, directory entries that overrun their block or have no name
# or a '/' in it, a root whose init cannot be found) give a console message
# while the shell still comes up (on the RAM root, or with EUCLEAN/EIO),
# and that nothing is written through a bad pointer.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "ext2: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-ext2.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
boot() { # image, command line: the console output
	"$top/tools/qemu-boot.sh" --smp 2 --timeout 180 --initrd "$top/build/initrd.cpio" \
		--disk "$1" -- "$2" 2>&1 | tr -d '\r'
}
. "$top/tests/lib/checks.sh"

img=$tmp/disk.img
cp "$top/build/disk.img" "$img"
out=$(boot "$img" "root=/dev/vda -- /bin/sh -c 'ls -l /; cat /etc/passwd; readlink /bin/sh; \
md5sum /bin/busybox; ls /bin | wc -l; cd /etc && ls ..'")
want "mounted" "$out" "ext2 vda: mounted"
want "root on the disk" "$out" "ext2: root file system on /dev/vda"
want "ls -l / shows lost+found" "$out" "lost+found"
want "cat /etc/passwd" "$out" "root:x:0:0:root:/:/bin/sh"
want "a fast symlink" "$out" "busybox"
want "busybox read whole (indirect blocks)" "$out" "$(md5sum </bin/busybox | cut -d' ' -f1)"
want "readdir of a big directory" "$out" "$(ls "$top/build/initrd.root/bin" | wc -l)"
want "shell exits cleanly" "$out" "init: /bin/sh exited with status 0"
fsck "$img" "the read-only boot"

# Writes, then power off (the shell's exit syncs).
out=$(boot "$img" "root=/dev/vda -- /bin/sh -c 'echo a > /f; mkdir /d; mv /f /d/g; ln /d/g /d/h; \
ln -s /d/g /s; cp /bin/busybox /bb; dd if=/dev/zero of=/z bs=1M count=6 2>/dev/null; \
seq 1 20000 > /z2; truncate -s 5000 /z2; mkdir /many; \
for i in \$(seq 1 400); do echo \$i > /many/f\$i; done; rm /many/f1*; \
mkdir /d/sub; mv /d/sub /sub2; rmdir /sub2; echo tmp > /gone; rm /gone; sync; echo written'")
want "writes done" "$out" "written"
want "writes: clean exit" "$out" "init: /bin/sh exited with status 0"
fsck "$img" "writing"

# The persistence test: the next boot sees it all.
out=$(boot "$img" "root=/dev/vda -- /bin/sh -c 'cat /d/g; readlink /s; cat /s; \
stat -c \"links %h\" /d/h; cmp /bin/busybox /bb && echo bb-same; stat -c \"z %s\" /z; \
stat -c \"z2 %s\" /z2; ls /many | wc -l; cat /many/f399; ls /gone /sub2; \
echo more >> /d/g; rm /bb /z; rm -r /many; echo second'")
want "persisted: file moved into a directory" "$out" "a"
want "persisted: symlink" "$out" "/d/g"
want "persisted: hard link" "$out" "links 2"
want "persisted: a 2 MB copy" "$out" "bb-same"
want "persisted: 6 MiB file (double indirect)" "$out" "z 6291456"
want "persisted: truncated file" "$out" "z2 5000"
want "persisted: directory of 400 less 111" "$out" "289"
want "persisted: a file in it" "$out" "399"
want "persisted: removed things stay removed" "$out" "ls: /gone: No such file or directory"
want "second boot done" "$out" "second"
fsck "$img" "the second boot"
out=$(boot "$img" "root=/dev/vda -- /bin/sh -c 'cat /d/g; ls /'")
want "third boot: the append persisted" "$out" "more"
fsck "$img" "the third boot"

# 1 KiB blocks, 8 groups: the same tree, writes spread over groups, and a
# sparse file whose one block at 200 MiB is mapped through triple-indirect
# blocks (written, read back, and one removed).
small=$tmp/1k.img
truncate -s 64M "$small"
mke2fs -q -F -t ext2 -b 1024 -E root_owner=0:0 -d "$top/build/initrd.root" "$small" >/dev/null 2>&1 ||
	/sbin/mke2fs -q -F -t ext2 -b 1024 -E root_owner=0:0 -d "$top/build/initrd.root" "$small"
out=$(boot "$small" "root=/dev/vda -- /bin/sh -c 'md5sum /bin/busybox; cp /bin/busybox /bb; \
dd if=/dev/zero of=/z bs=1M count=6 2>/dev/null; mkdir /d; for i in \$(seq 1 100); do echo \$i > /d/\$i; done; \
cmp /bin/busybox /bb && echo bb-same; rm /d/5*; mv /d /e; ls /e | wc -l; \
echo tail > /t; dd if=/t of=/sp bs=1M seek=200 2>/dev/null; stat -c \"sp %s %b\" /sp; tail -c 5 /sp; \
dd if=/t of=/sp2 bs=1M seek=200 2>/dev/null; rm /sp2'")
want "1 KiB blocks: mounted" "$out" "1 KiB blocks"
want "1 KiB blocks: busybox read" "$out" "$(md5sum </bin/busybox | cut -d' ' -f1)"
want "1 KiB blocks: copy" "$out" "bb-same"
want "1 KiB blocks: directory" "$out" "89"
want "1 KiB blocks: a sparse block through triple indirect" "$out" "sp 209715205 8"
want "1 KiB blocks: read back through triple indirect" "$out" "tail"
fsck "$small" "writing with 1 KiB blocks"

# A full disk (12 MiB, 1 KiB blocks): ENOSPC, the file system stays consistent, the space comes back.
# Its root is only what the shell lines need (the test programs would not fit).
full=$tmp/full.img fullroot=$tmp/fullroot
mkdir -p "$fullroot/bin" "$fullroot/dev" "$fullroot/proc" "$fullroot/tmp"
cp "$top/build/initrd.root/bin/init" "$top/build/initrd.root/bin/busybox" "$fullroot/bin/"
for a in sh dd rm df tr cut tail mv; do ln -s busybox "$fullroot/bin/$a"; done
truncate -s 12M "$full"
mke2fs -q -F -t ext2 -b 1024 -E root_owner=0:0 -d "$fullroot" "$full" >/dev/null 2>&1 ||
	/sbin/mke2fs -q -F -t ext2 -b 1024 -E root_owner=0:0 -d "$fullroot" "$full"
out=$(boot "$full" "root=/dev/vda -- /bin/sh -c 'dd if=/dev/zero of=/full bs=1M count=100; \
echo x > /after; rm /full; echo y > /after2 && echo space-back'")
want "full disk: ENOSPC" "$out" "No space left on device"
want "full disk: space comes back" "$out" "space-back"
fsck "$full" "filling the disk"

# The same full disk with a journal (ext3): a removed file's blocks are free at once (df), and
# reusable once the removal commits (a write that finds no room waits for that commit);
# a file removed while open keeps its blocks until closed; e2fsck -fn clean after.
full3=$tmp/full3.img
truncate -s 12M "$full3"
mke2fs -q -F -t ext3 -b 1024 -E root_owner=0:0 -d "$fullroot" "$full3" >/dev/null 2>&1 ||
	/sbin/mke2fs -q -F -t ext3 -b 1024 -E root_owner=0:0 -d "$fullroot" "$full3"
out=$(boot "$full3" "root=/dev/vda -- /bin/sh -c 'free0=\$(df / | tail -1 | tr -s \" \" | cut -d\" \" -f4); \
dd if=/dev/zero of=/full bs=1M count=100; rm /full; \
[ \$(df / | tail -1 | tr -s \" \" | cut -d\" \" -f4) = \$free0 ] && echo df-freed; \
echo y > /after && echo space-back; dd if=/dev/zero of=/full bs=1M count=100; mv /after /full; \
dd if=/dev/zero of=/full2 bs=1M count=100; exec 3</full2; rm /full2; \
dd if=/dev/zero of=/full3 bs=1M count=1 2>/dev/null || echo open-file-kept; exec 3<&-; \
dd if=/dev/zero of=/full3 bs=1M count=1 2>/dev/null && echo closed-file-freed; rm /full3'")
want "ext3 full disk: ENOSPC" "$out" "No space left on device"
want "ext3 full disk: a removed file's space is free at once" "$out" "df-freed"
want "ext3 full disk: reused after the removal commits" "$out" "space-back"
want "ext3 full disk: a removed open file keeps its blocks" "$out" "open-file-kept"
want "ext3 full disk: and frees them once closed" "$out" "closed-file-freed"
want "ext3 full disk: mounted with the journal" "$out" "mounted read-write with a journal"
fsck "$full3" "filling a disk with a journal"

# Two processes appending at once: every line lands whole (appends reserve their range).
# (A pipeline runs both at once; the shell waits for it without rt_sigsuspend.)
out=$(boot "$img" "smp=2 root=/dev/vda -- /bin/sh -c '{ for i in \$(seq 1 300); do echo aaaaaaaa >> /ap; done; } | \
{ for i in \$(seq 1 300); do echo bbbbbbbb >> /ap; done; }; echo lines \$(wc -l < /ap) bad \$(grep -c -v -x -e aaaaaaaa -e bbbbbbbb /ap)'")
want "concurrent appends: 600 whole lines" "$out" "lines 600 bad 0"
fsck "$img" "concurrent appends"

# tools/ferry-run --disk boots with that image as the root, and keeps what is written there.
got=$("$top/tools/ferry-run" --disk "$img" -- /bin/sh -c 'echo via-ferry-run > /fr; cat /d/g')
[ "$got" = "$(printf 'a\nmore')" ] && echo "ok   ferry-run --disk" || { echo "FAIL ferry-run --disk: $got"; fail=1; }
got=$("$top/tools/ferry-run" --disk "$img" -- /bin/cat /fr)
[ "$got" = via-ferry-run ] && echo "ok   ferry-run --disk persists" || { echo "FAIL ferry-run --disk persists: $got"; fail=1; }
fsck "$img" "ferry-run --disk"

# Not ext2 at all: the magic smashed. The initrd root stays; the shell runs.
cp "$top/build/disk.img" "$tmp/bad.img"
printf '\x00\x00' | dd of="$tmp/bad.img" bs=1 seek=$((1024 + 56)) conv=notrunc status=none
out=$(boot "$tmp/bad.img" "root=/dev/vda -- /bin/sh -c 'echo shell-up; ls /'")
want "bad magic: a message" "$out" "ext2 vda: cannot mount: no ext2 magic"
want "bad magic: initrd root kept" "$out" "keeping the initrd root"
want "bad magic: the shell comes up" "$out" "shell-up"

# /etc/passwd's first block pointer past the end of the disk: EUCLEAN, a message, no crash.
cp "$top/build/disk.img" "$tmp/ptr.img"
"$DEBUGFS" -w -R "sif /etc/passwd block[0] 9999999" "$tmp/ptr.img" >/dev/null 2>&1
out=$(boot "$tmp/ptr.img" "root=/dev/vda -- /bin/sh -c 'cat /etc/passwd; echo shell-up'")
want "bad pointer: a message" "$out" "ext2 vda: corrupt file system: block pointer beyond the disk"
want "bad pointer: EUCLEAN" "$out" "Structure needs cleaning"
want "bad pointer: the shell goes on" "$out" "shell-up"

# A directory entry in /etc whose rec_len overruns the block.
cp "$top/build/disk.img" "$tmp/dir.img"
blk=$("$DEBUGFS" -R "bmap /etc 0" "$tmp/dir.img" 2>/dev/null)
# Second entry (".."): rec_len at byte 12+4 of the block; 0xfffc runs far past 4 KiB.
printf '\xfc\xff' | dd of="$tmp/dir.img" bs=1 seek=$((blk * 4096 + 16)) conv=notrunc status=none
out=$(boot "$tmp/dir.img" "root=/dev/vda -- /bin/sh -c 'ls /etc; echo shell-up'")
want "bad rec_len: a message" "$out" "ext2 vda: corrupt file system: directory entry"
want "bad rec_len: the shell goes on" "$out" "shell-up"

# A used entry in /etc with no name (name_len 0): getdents gave it out as "" and busybox ls -R looped.
cp "$top/build/disk.img" "$tmp/noname.img"
blk=$("$DEBUGFS" -R "bmap /etc 0" "$tmp/noname.img" 2>/dev/null)
# The third entry (after "." and ".."): name_len at byte 24 + 6.
printf '\x00' | dd of="$tmp/noname.img" bs=1 seek=$((blk * 4096 + 30)) conv=notrunc status=none
out=$(boot "$tmp/noname.img" "root=/dev/vda -- /bin/sh -c 'ls -R /etc; cat /etc/group; echo shell-up'")
want "empty name: a message" "$out" "ext2 vda: corrupt file system: directory entry with an empty name"
want "empty name: EUCLEAN" "$out" "Structure needs cleaning"
want "empty name: the shell goes on" "$out" "shell-up"

# The root directory's entry for /bin renamed "b/n": the disk cannot start init, so the RAM root
# stays (the machine stopped with "cannot start init" when this was found after the switch).
cp "$top/build/disk.img" "$tmp/root.img"
blk=$("$DEBUGFS" -R "bmap / 0" "$tmp/root.img" 2>/dev/null)
off=$(python3 -c "
import sys
b = open(sys.argv[1], 'rb').read()[$blk * 4096:$blk * 4096 + 4096]
o = 0
while o < 4096:
    rl = int.from_bytes(b[o + 4:o + 6], 'little'); nl = b[o + 6]
    if b[o + 8:o + 8 + nl] == b'bin':
        print(o); break
    o += rl
" "$tmp/root.img")
printf '/' | dd of="$tmp/root.img" bs=1 seek=$((blk * 4096 + off + 9)) conv=notrunc status=none
out=$(boot "$tmp/root.img" "root=/dev/vda -- /bin/sh -c 'echo shell-up; ls /'")
want "damaged root: a message" "$out" "ext2 vda: corrupt file system: directory entry with '/' or NUL"
want "damaged root: the RAM root stays" "$out" "keeping the initrd root"
want "damaged root: the shell comes up" "$out" "shell-up"

# /bin/init of no known type: the same.
cp "$top/build/disk.img" "$tmp/init.img"
"$DEBUGFS" -w -R "sif /bin/init mode 0170755" "$tmp/init.img" >/dev/null 2>&1
out=$(boot "$tmp/init.img" "root=/dev/vda -- /bin/sh -c 'echo shell-up'")
want "bad init: a message" "$out" "cannot read init /bin/init there"
want "bad init: the RAM root stays" "$out" "keeping the initrd root"
want "bad init: the shell comes up" "$out" "shell-up"

# /etc/passwd's first block pointed at the inode table: EUCLEAN, and a write does not land there.
cp "$top/build/disk.img" "$tmp/meta.img"
itab=$("$DEBUGFS" -R "stats" "$tmp/meta.img" 2>/dev/null | sed -n 's/.*inode table at \([0-9]*\).*/\1/p' | head -1)
"$DEBUGFS" -w -R "sif /etc/passwd block[0] $((itab + 1))" "$tmp/meta.img" >/dev/null 2>&1
before=$(dd if="$tmp/meta.img" bs=4096 skip=$((itab + 1)) count=1 status=none | md5sum)
out=$(boot "$tmp/meta.img" "root=/dev/vda -- /bin/sh -c 'cat /etc/passwd; echo xxxx > /etc/passwd; \
echo xxxx >> /etc/passwd; sync; echo shell-up'")
after=$(dd if="$tmp/meta.img" bs=4096 skip=$((itab + 1)) count=1 status=none | md5sum)
want "pointer into metadata: a message" "$out" "corrupt file system: block pointer into the file system's metadata"
want "pointer into metadata: the shell goes on" "$out" "shell-up"
if [ -n "$itab" ] && [ "$before" = "$after" ]; then
	echo "ok   pointer into metadata: the inode table is untouched"
else
	echo "FAIL pointer into metadata: the inode table block changed (or none found: '$itab')"
	fail=1
fi

exit $fail
