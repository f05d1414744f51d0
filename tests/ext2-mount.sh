#!/bin/bash
# mount(2) and umount2 with ext2: a second disk mounted read-write on the
# RAM root and on a disk root, its changes on the host image after umount
# (debugfs, e2fsck -fn), read-only mounts (EROFS), statfs (df), a disk that
# is busy (mounted already, or the root's own), a directory in use (umount
# EBUSY), no such disk, an ext3 disk (its journal closed at umount, and
# replayed by a read-only mount after a power cut), and a disk that is not
# ext2 (a message, no mount).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "ext2-mount: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-ext2m.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
boot() { # command line, disks...: the console output
	local cmd=$1 d=()
	shift
	for f in "$@"; do d+=(--disk "$f"); done
	"$top/tools/qemu-boot.sh" --smp 2 --timeout 180 --initrd "$top/build/initrd.cpio" \
		"${d[@]}" -- "$cmd" 2>&1 | tr -d '\r'
}
. "$top/tests/lib/checks.sh"

mkdir -p "$tmp/tree/sub"
echo "hello from the second disk" > "$tmp/tree/hello"
data=$tmp/data.img
"$MKE2FS" -q -F -t ext2 -b 1024 -L data -d "$tmp/tree" "$data" 8M || { echo "FAIL mke2fs"; exit 1; }

# 1. RAM root, the data disk as vda.
out=$(boot "-- /bin/sh -c 'mkdir /mnt; mount -t ext2 /dev/vda /mnt && echo mount-rc=0; \
cat /mnt/hello; echo written-by-ferry > /mnt/sub/new; ls /mnt/sub; df -k /mnt | tail -1; \
grep \" /mnt \" /proc/mounts; mount -t ext2 /dev/vda /tmp || echo second-mount-refused; \
cd /mnt; umount /mnt || echo umount-busy; cd /; umount /mnt && echo umount-rc=0; echo entries=\$(ls /mnt | wc -l); \
mount -t ext2 -o ro vda /mnt && echo ro-mounted; cat /mnt/sub/new; \
echo x > /mnt/ro-file || echo ro-write-refused; umount /mnt; \
mount -t ext2 /dev/vdq /mnt || echo no-such-disk; mount /dev/vda /mnt && echo probed-ext2; \
umount /mnt'" "$data")
want "mount -t ext2" "$out" "mount-rc=0"
want "read a file on the mounted disk" "$out" "hello from the second disk"
want "mounted disk listed in /proc/mounts" "$out" " /mnt ext2 "
want "df of the mounted disk" "$out" "/mnt"
want "a disk mounted twice: EBUSY" "$out" "second-mount-refused"
want "umount of a directory in use: EBUSY" "$out" "umount-busy"
want "umount" "$out" "umount-rc=0"
want "umount: the mount point is empty again" "$out" "entries=0"
want "read-only mount" "$out" "ro-mounted"
want "read-only mount reads what was written" "$out" "written-by-ferry"
want "read-only mount refuses writes" "$out" "Read-only file system"
want "no such disk" "$out" "no-such-disk"
want "no such disk: the kernel says so" "$out" "ext2: cannot mount /dev/vdq: no such disk"
want "mount without -t finds ext2" "$out" "probed-ext2"
want "unmount message" "$out" "ext2 vda: unmounted"
got=$("$DEBUGFS" -R "cat /sub/new" "$data" 2>/dev/null)
[ "$got" = written-by-ferry ] && echo "ok   the host reads what Ferry wrote before umount" ||
	{ echo "FAIL host read of /sub/new: '$got'"; fail=1; }
fsck "$data" "mount and umount on the RAM root"
blocks=$(grep -F "/mnt" <<<"$out" | grep -v proc | awk '$2 ~ /^[0-9]+$/ {print $2; exit}')
[ "${blocks:-0}" -gt 7000 ] && [ "${blocks:-0}" -le 8192 ] && echo "ok   df reports the disk's size ($blocks KiB)" ||
	{ echo "FAIL df size: '${blocks:-}'"; fail=1; }

# 2. Disk root (vda) with the data disk as vdb: the root's disk cannot be mounted again.
root=$tmp/root.img
cp "$top/build/disk.img" "$root"
out=$(boot "root=/dev/vda -- /bin/sh -c 'mkdir -p /mnt; mount -t ext2 /dev/vda /mnt || echo root-disk-refused; \
mount -t ext2 /dev/vdb /mnt && cat /mnt/sub/new && echo second > /mnt/second && umount /mnt && echo done-vdb'" \
	"$root" "$data")
want "the root's disk mounted again: EBUSY" "$out" "root-disk-refused"
want "mount a second disk beside the ext2 root" "$out" "done-vdb"
want "busy disk message" "$out" "ext2 vda: cannot mount: it is already mounted"
fsck "$data" "mount beside a disk root"
fsck "$root" "mount beside a disk root (the root)"
got=$("$DEBUGFS" -R "cat /second" "$data" 2>/dev/null)
[ "$got" = second ] && echo "ok   second disk written beside the root" || { echo "FAIL /second: '$got'"; fail=1; }

# 3. An ext3 second disk: mounted with its journal, umount closes the journal
# (clean for e2fsck -fn), mounted again; one left needing recovery by a power cut is
# replayed by a read-only mount too (as Linux does), which leaves it clean.
j3=$tmp/ext3.img
"$MKE2FS" -q -F -t ext3 -b 1024 -d "$tmp/tree" "$j3" 16M >/dev/null || { echo "FAIL mke2fs ext3"; exit 1; }
out=$(boot "-- /bin/sh -c 'mkdir /mnt; mount /dev/vda /mnt && echo a > /mnt/a && mkdir /mnt/d && \
umount /mnt && echo um1; mount /dev/vda /mnt && cat /mnt/a && rm /mnt/a && umount /mnt && echo um2'" "$j3")
want "ext3 disk: mounted with its journal" "$out" "ext2 vda: mounted read-write with a journal"
want "ext3 disk: umount closes the journal" "$out" "jbd2 vda: journal closed"
want "ext3 disk: written, unmounted, mounted again" "$out" "um2"
fsck "$j3" "mount and umount of an ext3 disk"
"$DEBUGFS" -R "ls /" "$j3" 2>/dev/null | grep -qw d && ! "$DEBUGFS" -R "ls /" "$j3" 2>/dev/null | grep -qw a &&
	echo "ok   ext3 disk: the host sees its changes" || { echo "FAIL ext3 disk: /d or /a wrong on the host"; fail=1; }
# The power cut: QEMU killed once a sync has returned.
log=$tmp/cut.log
"$top/tools/qemu-boot.sh" --smp 1 --timeout 120 --initrd "$top/build/initrd.cpio" --disk "$j3" -- \
	"-- /bin/sh -c 'mkdir /mnt; mount /dev/vda /mnt && echo cut > /mnt/cut && sync && echo SYNCED-\$((6 * 7)); \
sleep 1000'" >"$log" 2>&1 &
cut=$!
for _ in $(seq 1 1200); do grep -q SYNCED-42 "$log" && break; kill -0 "$cut" 2>/dev/null || break; sleep 0.1; done
pkill -KILL -P "$cut" 2>/dev/null
wait "$cut" 2>/dev/null
want "ext3 disk: synced before the cut" "$(cat "$log")" "SYNCED-42"
out=$(boot "-- /bin/sh -c 'mkdir /mnt; mount -o ro /dev/vda /mnt && cat /mnt/cut && umount /mnt'" "$j3")
want "ext3 disk: a read-only mount replays the journal" "$out" "ext2 vda: journal: replayed"
want "ext3 disk: what was synced is there" "$out" "cut"
fsck "$j3" "a read-only mount of a disk that needed recovery"

# 4. A disk that is not ext2: a message, the mount fails, nothing else changes.
junk=$tmp/junk.img
head -c 4M /dev/urandom > "$junk"
cp "$junk" "$tmp/junk.orig"
out=$(boot "-- /bin/sh -c 'mkdir /mnt; mount -t ext2 /dev/vda /mnt || echo junk-refused; ls /mnt | wc -l'" "$junk")
want "not ext2: mount fails" "$out" "junk-refused"
want "not ext2: a console message" "$out" "ext2 vda: cannot mount"
cmp -s "$junk" "$tmp/junk.orig" && echo "ok   not ext2: the disk is untouched" || { echo "FAIL junk disk changed"; fail=1; }

exit $fail
