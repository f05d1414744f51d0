#!/bin/bash
# A process killed (SIGKILL, from the shell) in the middle of a large write
# to an ext2 root on virtio-blk leaves a file system e2fsck -fn passes: dd
# writes 1 MiB blocks of zeroes and is killed once its file has passed a
# mark (deep in the double-indirect blocks with 4 KiB blocks, in the
# triple-indirect ones with 1 KiB blocks), then the shell syncs and exits
# (a clean power-off). The file must end between the mark and the full
# size, so the kill really came mid-write. A second boot reads the file
# whole (zeroes to its end, its size as the first boot saw it) and removes
# it; e2fsck -fn after each boot, and the removal gives every block back.
# Then a write from a buffer that faults after its block was mapped
# (tests/os/writefault.c): no block may stay past the file's end.
# With 1 and 2 CPUs, preemption on (with preempt=off dd, whose writes go
# to the block cache without waiting, may keep its CPU to the end).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null || { echo "ext2-kill: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
tmp=$(mktemp -d /tmp/ferry-ext2-kill.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
MiB=1048576

boot() { # image, command line: the console output
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 300 --initrd "$top/build/initrd.cpio" \
		--disk "$2" -- "$3" 2>&1 | tr -d '\r'
}
used=""
fsck() { # image, what; sets used to the blocks in use ("N/M blocks") when clean
	local out
	used=""
	if out=$("$E2FSCK" -fn "$1" 2>&1); then
		echo "ok   e2fsck -fn after $2"
		used=$(sed -n 's|.*, \([0-9]*\)/[0-9]* blocks$|\1|p' <<<"$out")
	else
		echo "FAIL e2fsck -fn after $2:"
		sed 's/^/    /' <<<"$out" | head -30
		fail=1
	fi
}

# case: name, block size, image MiB, dd count (MiB), kill mark (MiB), CPUs, preempt
kill_case() {
	local name=$1 bs=$2 size=$3 count=$4 mark=$5 smp=$6 preempt=$7
	local img=$tmp/$name.img
	truncate -s "${size}M" "$img"
	"$MKE2FS" -q -F -t ext2 -b "$bs" -E root_owner=0:0 -d "$top/build/initrd.root" "$img" ||
		{ echo "FAIL $name: mke2fs"; fail=1; return; }
	fsck "$img" "$name: the new image"
	local before=$used
	# Kill dd from the shell once /big has passed the mark. (An empty or
	# odd answer from stat is shown and polled past, not taken as a size:
	# it was seen once, in a run of make test, ending the loop early.)
	local out
	out=$(boot "$smp" "$img" "root=/dev/vda preempt=$preempt -- /bin/sh -c '\
dd if=/dev/zero of=/big bs=1M count=$count 2>/dev/null & p=\$!; \
while :; do s=\$(stat -c %s /big 2>/dev/null || echo 0); \
case \"\$s\" in \"\"|*[!0-9]*) echo \"odd stat answer [\$s]\"; continue ;; esac; \
[ \$s -ge $((mark * MiB)) ] && break; done; \
kill -9 \$p; wait \$p; echo dd-status \$?; sync; stat -c \"big %s %b\" /big'")
	grep "^odd stat answer" <<<"$out" | head -3 | sed "s/^/note $name: /"
	local got
	got=$(sed -n 's/^big \([0-9]*\) [0-9]*$/\1/p' <<<"$out")
	if ! grep -qx "dd-status 137" <<<"$out"; then
		echo "FAIL $name: dd was not killed by SIGKILL:"; sed 's/^/    /' <<<"$out" | tail -15; fail=1; return
	fi
	if [ -z "$got" ] || [ "$got" -lt $((mark * MiB)) ] || [ "$got" -ge $((count * MiB)) ]; then
		echo "FAIL $name: /big is '$got' bytes, not between the mark ($mark MiB) and $count MiB:"
		sed 's/^/    /' <<<"$out" | tail -15; fail=1; return
	fi
	echo "ok   $name: dd killed mid-write at $((got / MiB)) MiB of $count ($got bytes)"
	fsck "$img" "$name: the kill"
	# The next boot reads it whole and removes it.
	out=$(boot "$smp" "$img" "root=/dev/vda preempt=$preempt -- /bin/sh -c '\
stat -c \"size %s\" /big; cmp /big /dev/zero; wc -c < /big; rm /big && echo removed'")
	if grep -qx "size $got" <<<"$out" && grep -q "cmp: EOF on /big" <<<"$out" &&
		grep -qx "$got" <<<"$out" && grep -qx removed <<<"$out"; then
		echo "ok   $name: the next boot reads $got bytes of zeroes and removes it"
	else
		echo "FAIL $name: the next boot:"; sed 's/^/    /' <<<"$out" | tail -15; fail=1
	fi
	fsck "$img" "$name: the removal"
	local after=$used
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		echo "ok   $name: every block came back ($after in use)"
	else
		echo "FAIL $name: $before blocks in use before, $after after the removal"; fail=1
	fi
}

# A write whose user buffer faults after its block was mapped: the block
# goes again (tests/os/writefault.c; the file is kept for e2fsck to see).
img=$tmp/fault.img
truncate -s 64M "$img"
"$MKE2FS" -q -F -t ext2 -b 4096 -E root_owner=0:0 -d "$top/build/initrd.root" "$img"
out=$(boot 2 "$img" "root=/dev/vda -- /tests/writefault /")
if grep -q "^# writefault: [0-9]* checks, 0 failed" <<<"$out"; then echo "ok   writefault on ext2"; else
	echo "FAIL writefault on ext2:"; sed 's/^/    /' <<<"$out" | tail -15; fail=1; fi
fsck "$img" "writes from a faulting buffer"

kill_case 4k-smp2 4096 160 120 16 2 on
kill_case 4k-smp1 4096 160 120 16 1 on
kill_case 1k-triple 1024 160 120 66 2 on
exit $fail
