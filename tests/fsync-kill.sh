#!/bin/bash
# fsync really puts data on the disk: on an ext2 root, write files and
# fsync them (dd conv=fsync: fsync(2); busybox sync -d FILE: fdatasync(2);
# sync -f FILE: syncfs(2)), print their checksums, then QEMU is killed
# with SIGKILL as soon as the guest says so: no clean power-off, no
# periodic write-back (every 5 s) in between. The host image must hold
# every byte (read with debugfs) and pass e2fsck -fn. With 1 and 2 CPUs
# on build/disk.img (ext3: fsync commits the journal, so e2fsprogs first
# replays it, e2fsck -fy, and must find nothing else to fix), and with 2
# on a plain ext2 image (no journal: fsync writes everything in place).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd disk >/dev/null 2>&1 || { echo "fsync-kill: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-fsync-kill.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

# Boot in the background; kill QEMU (the child of qemu-boot.sh's timeout) at the mark.
boot_and_kill() { # cpus, image, command, mark: the console output
	local log=$tmp/console.log
	: >"$log"
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 180 --initrd "$top/build/initrd.cpio" \
		--disk "$2" -- "root=/dev/vda -- /bin/sh -c '$3'" >"$log" 2>&1 &
	local boot=$!
	for _ in $(seq 1 1800); do
		grep -q "$4" "$log" && break
		kill -0 "$boot" 2>/dev/null || break
		sleep 0.1
	done
	pkill -KILL -P "$boot" 2>/dev/null
	wait "$boot" 2>/dev/null
	tr -d '\r' <"$log"
}

MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
for run in "1 ext3" "2 ext3" "2 ext2"; do
	read -r smp kind <<<"$run"
	img=$tmp/disk$smp$kind.img
	if [ "$kind" = ext3 ]; then
		cp "$top/build/disk.img" "$img"
	else
		truncate -s 64M "$img"
		"$MKE2FS" -q -F -t ext2 -b 4096 -E root_owner=0:0 -d "$top/build/initrd.root" "$img"
	fi
	out=$(boot_and_kill "$smp" "$img" '
dd if=/dev/urandom of=/f1 bs=4096 count=700 conv=fsync 2>/dev/null; md5sum /f1;
head -c 1234567 /dev/urandom > /f2; sync -d /f2; md5sum /f2;
mkdir /d; head -c 70000 /dev/urandom > /d/f3; sync -f /d/f3; md5sum /d/f3;
echo synced-$((40+2)); sleep 1000' "synced-42")
	smp="$smp CPUs, $kind"
	want "$smp: the guest synced" "$out" "synced-42"
	if [ "$kind" = ext3 ]; then
		# e2fsprogs replays the log (exit status 1 at most: "file system modified") and asks nothing.
		rep=$("$E2FSCK" -fy "$img" 2>&1)
		rc=$?
		if [ $rc -le 1 ] && ! grep -q '?' <<<"$rep"; then echo "ok   $smp: e2fsck replays the journal, nothing to fix"
		else echo "FAIL $smp: e2fsck -fy (status $rc):"; sed 's/^/    /' <<<"$rep"; fail=1; fi
	fi
	for f in /f1 /f2 /d/f3; do
		sum=$(sed -n "s|^\([0-9a-f]\{32\}\)  $f\$|\1|p" <<<"$out")
		got=$("$DEBUGFS" -R "cat $f" "$img" 2>/dev/null | md5sum | cut -d' ' -f1)
		if [ -n "$sum" ] && [ "$sum" = "$got" ]; then
			echo "ok   $smp: $f is on the disk after the kill"
		else
			echo "FAIL $smp: $f: guest $sum, disk $got"
			sed 's/^/    /' <<<"$out" | tail -10
			fail=1
		fi
	done
	fsck "$img" "$smp: the kill"
done
exit $fail
