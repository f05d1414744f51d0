#!/bin/bash
# Extended attributes on an ext2/ext3 root, checked against e2fsprogs both
# ways (user/xattr runs the calls in Ferry):
#  - set on the host with debugfs (in the inode, and a 3000-byte value in
#    an attribute block), and one block shared by two files (refcount 2,
#    as Linux makes them): Ferry reads them all;
#  - set in Ferry (in the inode and in blocks, through the ext3 journal),
#    a shared block changed (copied: the other file keeps it), a file
#    with a block removed: after a clean power-off e2fsck -fn is clean and
#    debugfs lists Ferry's values;
#  - a power cut right after sync: e2fsprogs replays the journal and finds
#    the attributes; so does Ferry;
#  - tests/os/xattr run on the ext3 root;
#  - a plain ext2 with 1 KiB blocks, 128-byte inodes and no ext_attr
#    feature: the first attribute sets the feature, e2fsck is clean;
#  - damaged attribute blocks (bad magic, a value over the entry table, a
#    value past the block's end, a table running off it) and a damaged
#    in-inode area: EUCLEAN (errno 117) with a console
#    line, the shell goes on, nothing is written over them.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel disk >/dev/null || { echo "ext2-xattr: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
tmp=$(mktemp -d /tmp/ferry-ext2-xattr.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

dbg() { "$DEBUGFS" "$@" 2>/dev/null; }
# The script on standard input goes onto the image as /x.sh (the kernel's
# command line is too short for it), and Ferry runs it: the console output.
boot() { # image
	cat >"$tmp/x.sh"
	dbg -w -R "rm /x.sh" "$1" >/dev/null
	dbg -w -R "write $tmp/x.sh /x.sh" "$1" >/dev/null
	"$top/tools/qemu-boot.sh" --smp 2 --timeout 240 --initrd "$top/build/initrd.cpio" \
		--disk "$1" -- "root=/dev/vda -- /bin/sh /x.sh" 2>&1 | tr -d '\r'
}
acl_of() { dbg -R "stat $2" "$1" | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p'; }
blocks_of() { dbg -R "stat $2" "$1" | sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p'; }
poke() { # image, byte offset, bytes as printf escapes
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
nope() { # what, output, text that must not be there
	if grep -qF -- "$3" <<<"$2"; then echo "FAIL $1: '$3' in:"; sed 's/^/    /' <<<"$2" | tail -20; fail=1
	else echo "ok   $1"; fi
}

img=$tmp/disk.img
cp "$top/build/disk.img" "$img"
bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
head -c 3000 /dev/zero | tr '\0' 'v' >"$tmp/big"
# The host's attributes: in the inode, in a block, and one block two files share.
dbg -w -R "ea_set /etc/passwd user.host hostvalue" "$img"
dbg -w -R "ea_set -f $tmp/big /etc/group user.big" "$img"
dbg -w -R "ea_set -f $tmp/big /etc/hostname user.shared" "$img"
b=$(acl_of "$img" /etc/hostname)
hb=$(blocks_of "$img" /etc/hosts)
dbg -w -R "sif /etc/hosts file_acl $b" "$img"
dbg -w -R "sif /etc/hosts blocks $((hb + bs / 512))" "$img"
poke "$img" $((b * bs + 4)) '\002'
fsck "$img" "the host's attributes (a block shared by two files)"

out=$(boot "$img" <<'EOF'
rep() { head -c "$1" /dev/zero | tr '\0' "$2"; }
xattr get /etc/passwd user.host
xattr get /etc/group user.big | wc -c
xattr get /etc/hostname user.shared | wc -c
xattr get /etc/hosts user.shared | wc -c
xattr list /etc/hosts
xattr set /etc/passwd user.ferry fromferry
xattr set /etc/passwd trusted.t trustedvalue
xattr set /etc/passwd security.s securityvalue
xattr set /etc/hosts user.shared changed
xattr set /etc/hosts user.second two
mkdir /xd
xattr set /xd user.dir dirvalue
echo data > /xf
xattr set /xf user.big "$(rep 2000 b)"
xattr set /xf user.more "$(rep 1500 m)"
echo x > /del
xattr set /del user.x "$(rep 2000 d)"
rm /del
xattr set /xf user.none 1
xattr rm /xf user.none
xattr get /xf user.none
echo done
EOF
)
want "reads debugfs's in-inode value" "$out" "hostvalue"
want "reads debugfs's block value whole" "$out" "3001"
want "lists a shared block's names" "$out" "user.shared"
want "rm of an attribute, then get: ENODATA" "$out" "xattr: user.none: No data available (errno 61)"
want "the writes went through" "$out" "done"
nope "no corruption reported" "$out" "corrupt"
fsck "$img" "Ferry's attributes, the shared block copied, a file with a block removed"
l=$(dbg -R "ea_list /etc/passwd" "$img")
want "debugfs: Ferry's user.* next to the host's" "$l" 'user.ferry (9) = "fromferry"'
want "debugfs: the host's own still there" "$l" 'user.host (9) = "hostvalue"'
want "debugfs: trusted.*" "$l" 'trusted.t (12) = "trustedvalue"'
want "debugfs: security.*" "$l" 'security.s (13) = "securityvalue"'
want "debugfs: a directory's" "$(dbg -R "ea_list /xd" "$img")" 'user.dir (8) = "dirvalue"'
l=$(dbg -R "ea_list /xf" "$img")
want "debugfs: a 2000-byte value" "$l" "user.big (2000)"
want "debugfs: a 1500-byte value" "$l" "user.more (1500)"
want "debugfs: the changed copy of the shared block" "$(dbg -R "ea_list /etc/hosts" "$img")" 'user.shared (7) = "changed"'
want "debugfs: the other sharer keeps the old" "$(dbg -R "ea_list /etc/hostname" "$img")" "user.shared (3000)"
# "changed" fits in the inode: /etc/hosts lets go of the shared block, which
# /etc/hostname keeps; the block /xf's values need is its own.
nb=$(acl_of "$img" /etc/hosts)
if [ "$nb" != "$b" ] && [ "$(acl_of "$img" /etc/hostname)" = "$b" ]; then echo "ok   /etc/hosts let go of the shared block ($b -> $nb)"
else echo "FAIL /etc/hosts still on the shared block: $b, now $nb"; fail=1; fi
rc=$(od -An -tu4 -j $((b * bs + 4)) -N4 "$img" | tr -d ' ')
if [ "$rc" = 1 ]; then echo "ok   its refcount went down to 1"; else echo "FAIL refcount $rc, want 1"; fail=1; fi

# The next boot reads what Ferry wrote.
out=$(boot "$img" <<'EOF'
xattr get /etc/passwd user.ferry
xattr get /xf user.big | wc -c
xattr list /etc/hosts
EOF
)
want "persisted: an in-inode value" "$out" "fromferry"
want "persisted: a block value" "$out" "2001"
want "persisted: names after the copy" "$out" "user.second"

# A power cut after sync: the journal holds the attributes.
cut=$tmp/cut.img
cp "$img" "$cut"
cat >"$tmp/x.sh" <<'EOF'
xattr set /etc/passwd user.cut incut
echo cut > /cutf
xattr set /cutf user.cutbig "$(head -c 1000 /dev/zero | tr '\0' c)"
sync
echo synced
sleep 600
EOF
dbg -w -R "rm /x.sh" "$cut" >/dev/null
dbg -w -R "write $tmp/x.sh /x.sh" "$cut" >/dev/null
log=$tmp/cut.log
"$top/tools/qemu-boot.sh" --smp 2 --timeout 240 --initrd "$top/build/initrd.cpio" --disk "$cut" -- \
	"root=/dev/vda -- /bin/sh /x.sh" >"$log" 2>&1 &
qb=$!
for _ in $(seq 1 1200); do
	grep -q synced "$log" && break
	kill -0 "$qb" 2>/dev/null || break
	sleep 0.2
done
pkill -KILL -P "$qb" 2>/dev/null
wait "$qb" 2>/dev/null
want "the cut came after sync" "$(tr -d '\r' <"$log")" "synced"
cp "$cut" "$tmp/cut2.img"
"$E2FSCK" -fy "$cut" >"$tmp/fy" 2>&1
if grep -q '?' "$tmp/fy"; then echo "FAIL e2fsck -fy after the cut found things to fix:"; sed 's/^/    /' "$tmp/fy"; fail=1
else echo "ok   e2fsck -fy replays the journal with nothing to fix"; fi
want "e2fsprogs' replay: the in-inode value" "$(dbg -R "ea_list /etc/passwd" "$cut")" 'user.cut (5) = "incut"'
want "e2fsprogs' replay: the block value" "$(dbg -R "ea_list /cutf" "$cut")" "user.cutbig (1000)"
out=$(boot "$tmp/cut2.img" <<'EOF'
xattr get /etc/passwd user.cut
xattr get /cutf user.cutbig | wc -c
EOF
)
want "Ferry's replay: the in-inode value" "$out" "incut"
want "Ferry's replay: the block value" "$out" "1001"
fsck "$tmp/cut2.img" "Ferry's replay"

# tests/os/xattr on the ext2 root: every call, its errors and the rights, on the disk.
os=$tmp/os.img
cp "$top/build/disk.img" "$os"
out=$(boot "$os" <<'EOF'
/tests/xattr
EOF
)
want "tests/os/xattr on the ext2 root" "$out" "# xattr: "
want "tests/os/xattr: nothing failed" "$out" " checks, 0 failed"
want "tests/os/xattr: it filled a block" "$out" "ok - filling the block ends in ENOSPC"
fsck "$os" "tests/os/xattr"

# Plain ext2, 1 KiB blocks, 128-byte inodes, no ext_attr feature: Ferry sets it.
small=$tmp/small.img
truncate -s 32M "$small"
"$MKE2FS" -q -F -t ext2 -b 1024 -I 128 -O ^ext_attr -E root_owner=0:0 -d "$top/build/initrd.root" "$small" >/dev/null 2>&1
out=$(boot "$small" <<'EOF'
rep() { head -c "$1" /dev/zero | tr '\0' "$2"; }
echo f > /f
xattr set /f user.a "$(rep 400 a)"
xattr set /f user.b "$(rep 300 b)"
xattr set /f user.c "$(rep 200 c)"
xattr set /f user.full 1234567890
xattr get /f user.b | wc -c
EOF
)
want "1 KiB block: a full block says ENOSPC" "$out" "xattr: user.full: No space left on device (errno 28)"
want "1 KiB block: values read back" "$out" "301"
fsck "$small" "attributes on plain ext2 without the feature at first"
want "the ext_attr feature is set" "$(dumpe2fs -h "$small" 2>/dev/null | grep features)" "ext_attr"
want "debugfs lists them" "$(dbg -R "ea_list /f" "$small")" "user.c (200)"

# Damage: each file's block broken its own way, and one inode's own area.
bad=$tmp/bad.img
cp "$top/build/disk.img" "$bad"
for f in magic overlap past runoff; do
	echo "$f" >"$tmp/$f"
	dbg -w -R "write $tmp/$f /$f" "$bad" >/dev/null
	dbg -w -R "ea_set -f $tmp/big /$f user.v" "$bad"
done
dbg -w -R "ea_set /etc/passwd user.inode small" "$bad"
poke "$bad" $(($(acl_of "$bad" /magic) * bs)) '\001\002\003\004'
poke "$bad" $(($(acl_of "$bad" /overlap) * bs + 32 + 2)) '\040\000' # its value at 32: over the table
poke "$bad" $(($(acl_of "$bad" /past) * bs + 32 + 2)) '\000\017'    # at 3840, 3000 bytes long
# No end to the table: 20-byte entries (names 1, 2...) from the first one's
# end to the block's, the last one cut short.
ro=$(($(acl_of "$bad" /runoff) * bs + 52))
for i in $(seq 1 $(((bs - 52) / 20 + 1))); do
	printf '\001\004\000\000\000\000\000\000\000\000\000\000\000\000\000\000'"\\$(printf %o $i)"'\000\000\000'
done | head -c $((bs - 52)) | dd of="$bad" bs=1 seek="$ro" conv=notrunc status=none
imap=$(dbg -R "imap /etc/passwd" "$bad")
iblk=$(sed -n 's/.*located at block \([0-9]*\),.*/\1/p' <<<"$imap")
ioff=$(sed -n 's/.*offset \(0x[0-9a-f]*\).*/\1/p' <<<"$imap")
poke "$bad" $((iblk * bs + ioff + 128 + 32 + 4 + 2)) '\377\377' # its in-inode value far away
damaged() { for f in /magic /overlap /past /runoff; do dd if="$bad" bs="$bs" skip="$(acl_of "$bad" $f)" count=1 status=none; done | md5sum; }
before=$(damaged)
out=$(boot "$bad" <<'EOF'
for f in /magic /overlap /past /runoff; do
	xattr get $f user.v
	xattr list $f
	xattr set $f user.new 1
	cat $f
done
xattr get /etc/passwd user.inode
echo survived
EOF
)
want "bad magic: EUCLEAN" "$out" "xattr: user.v: No error information (errno 117)"
want "bad magic: a console line" "$out" "attribute block with a bad header"
want "a value over the table or past the block: a console line" "$out" "attribute value outside its area or over the table"
want "a table running off the block: a console line" "$out" "runs off its area"
want "a bad in-inode value: EUCLEAN" "$out" "xattr: user.inode: No error information (errno 117)"
want "the files themselves still read" "$out" "overlap"
want "the shell goes on" "$out" "survived"
nope "no kernel panic" "$out" "panic"
if [ "$(damaged)" = "$before" ]; then echo "ok   nothing written over the damaged blocks"
else echo "FAIL a damaged block was written"; fail=1; fi
# Removing a file whose block is damaged leaves the block alone, with a console line.
out=$(boot "$bad" <<'EOF'
rm /magic /overlap
echo removed
EOF
)
want "rm of a file with a bad block" "$out" "removed"
want "its block is not freed" "$out" "attribute block with a bad header, not freed"
exit $fail
