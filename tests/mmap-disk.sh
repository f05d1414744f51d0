#!/bin/bash
# File mappings on an ext2 disk: tests/os/mapfile runs on the disk root
# (4 KiB blocks, and 1 KiB blocks where a page holds four of them), with
# 1 and 4 CPUs, and so do tests/os/fullread (reads of files not read
# since boot are whole), tests/os/txtbsy (ETXTBSY) and tests/os/exec
# (whose ten busybox processes run from the disk share its text through
# the page cache, as from the RAM root) and tests/os/fadvise (DONTNEED
# drops pages, WILLNEED and readahead(2) bring them back); then a file written only through a MAP_SHARED mapping and
# msync(MS_SYNC)ed is on the disk even when QEMU is killed (SIGKILL, no
# clean power-off) right after: e2fsprogs replays the journal (the disk
# is ext3), a fresh boot reads it back through a mapping, debugfs on the
# host agrees byte for byte, and e2fsck -fn passes.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd disk >/dev/null 2>&1 || { echo "mmap-disk: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-mmap-disk.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

boot() { # cpus, image, command: the console output
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 300 --initrd "$top/build/initrd.cpio" \
		--disk "$2" -- "root=/dev/vda -- /bin/sh -c '$3'" 2>&1 | tr -d '\r'
}

# The semantics on ext2, 4 KiB and 1 KiB blocks.
small=$tmp/1k.img
truncate -s 64M "$small"
"$MKE2FS" -q -F -t ext2 -b 1024 -E root_owner=0:0 -d "$top/build/initrd.root" "$small" >/dev/null 2>&1
for smp in 1 4; do
	for img in disk 1k; do
		f=$tmp/$img-$smp.img
		if [ $img = disk ]; then cp "$top/build/disk.img" "$f"; else cp "$small" "$f"; fi
		# fullread first: the big io_uring test programs are not read yet.
		out=$(boot "$smp" "$f" "/tests/fullread /tests/uring_bad /tests/uring_setup /tests/uring_ops \
/tests/uring_flow; /tests/mapfile /; /tests/txtbsy /; /tests/exec; /tests/fadvise /")
		for t in fullread mapfile txtbsy exec fadvise; do
			if grep -q "^# $t: [0-9]* checks, 0 failed" <<<"$out"; then
				echo "ok   $t on ext2 ($img blocks, $smp CPUs)"
			else
				echo "FAIL $t on ext2 ($img blocks, $smp CPUs):"
				grep -E "^not ok|panic|checks" <<<"$out" | sed 's/^/    /'
				tail -5 <<<"$out" | sed 's/^/    /'
				fail=1
			fi
		done
		grep -E "busybox processes take" <<<"$out" | sed 's/^ok - /note /'
		fsck "$f" "mapfile ($img blocks, $smp CPUs)"
	done
done

# Boot and run the msync writer; kill QEMU (the child of qemu-boot.sh's timeout) once it says so.
boot_and_kill() { # cpus, image: the console output
	local log=$tmp/console.log
	: >"$log"
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 180 --initrd "$top/build/initrd.cpio" \
		--disk "$2" -- "root=/dev/vda -- /bin/sh -c '/tests/mapfile --msync /mapped 300; sleep 1000'" \
		>"$log" 2>&1 &
	local qpid=$!
	for _ in $(seq 1 1800); do
		grep -q "^msynced-42" "$log" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	pkill -KILL -P "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	tr -d '\r' <"$log"
}

# msync, then SIGKILL to QEMU: the data must be on the disk.
for smp in 1 2; do
	img=$tmp/msync$smp.img
	cp "$top/build/disk.img" "$img"
	out=$(boot_and_kill "$smp" "$img")
	want "$smp CPUs: msync returned" "$out" "msynced-42"
	# build/disk.img is ext3: msync committed the journal, which e2fsprogs replays first
	# (exit status 1 at most: "file system modified"), asking nothing.
	rep=$("$E2FSCK" -fy "$img" 2>&1)
	rc=$?
	if [ $rc -le 1 ] && ! grep -q '?' <<<"$rep"; then echo "ok   $smp CPUs: e2fsck replays the journal, nothing to fix"
	else echo "FAIL $smp CPUs: e2fsck -fy (status $rc):"; sed 's/^/    /' <<<"$rep"; fail=1; fi
	fsck "$img" "$smp CPUs: the kill after msync"
	# The host's view: the pattern byte for byte.
	python3 - "$tmp/want" <<'PY'
import sys
PG = 4096
with open(sys.argv[1], "wb") as f:
	f.write(bytes(ord('A') + (i * 7 + i // PG) % 26 for i in range(300 * PG)))
PY
	"$DEBUGFS" -R "dump /mapped $tmp/got" "$img" >/dev/null 2>&1
	if cmp -s "$tmp/want" "$tmp/got"; then
		echo "ok   $smp CPUs: the disk holds every byte written through the mapping"
	else
		echo "FAIL $smp CPUs: the disk's /mapped differs from what was written"; fail=1
	fi
	out=$(boot "$smp" "$img" "/tests/mapfile --check /mapped 300")
	want "$smp CPUs: a fresh boot reads it back through a mapping" "$out" "pattern ok"
	fsck "$img" "$smp CPUs: the fresh boot"
done
exit $fail
