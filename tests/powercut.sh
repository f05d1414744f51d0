#!/bin/bash
# Abrupt power cuts on an ext3 root (ext2 with a journal): writers in
# Ferry create, fsync, append to, rename and delete files
# (tests/lib/powercut-writer.sh) and one of them is killed with SIGKILL,
# then QEMU itself is killed (SIGKILL: no clean power-off) at a random
# moment. After each cut:
#  - e2fsprogs replays the journal on a copy of the image (e2fsck -fy) and
#    has nothing to fix: Ferry's log is one Linux can replay;
#  - Ferry boots once more, replays the journal itself, frees the orphans
#    and powers off cleanly; then e2fsck -fn finds nothing at all, and
#    every file whose fsync had returned before the cut is on the image
#    with the content the guest logged (read with debugfs).
# Rounds: mixed writers (most), one that fsyncs a file and then writes
# megabytes of other data (the fsync'ed file must survive that), and one
# cut right after sync(2) returned (everything written before it is
# there, a rename and a removal included, and a file removed while open
# is an orphan that the next mount frees), and every fourth one with
# writers making and removing hundreds of small files (the log wraps and
# is checkpointed while they go on). With 1, 2 and 4 CPUs. The cut
# comes a random time after the writers start (ROUNDS=n, SEED=s to vary).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null || { echo "powercut: build failed"; exit 1; }
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
tmp=$(mktemp -d /tmp/ferry-powercut.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
rounds=${ROUNDS:-12}
seed=${SEED:-$(date +%s)}
RANDOM=$seed
echo "note: seed $seed (SEED=$seed ROUNDS=$rounds tests/powercut.sh repeats this run)"

# The image: Ferry's tree and the writer script, made by mke2fs as ext3.
stage=$tmp/stage
cp -a "$top/build/initrd.root" "$stage"
mkdir -p "$stage/powercut"
cp "$top/tests/lib/powercut-writer.sh" "$stage/powercut/writer.sh"
img=$tmp/disk.img
truncate -s 96M "$img"
"$MKE2FS" -q -F -t ext3 -b 4096 -E root_owner=0:0 -d "$stage" "$img" || { echo "FAIL mke2fs"; exit 1; }

# Boot the writers; once they have started, wait `delay` tenths of a second and kill QEMU.
cut_power() { # cpus, args, mark, delay: the console output
	local log=$tmp/console.log
	: >"$log"
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 300 --initrd "$top/build/initrd.cpio" \
		--disk "$img" -- "root=/dev/vda -- /bin/sh /powercut/writer.sh $2" >"$log" 2>&1 &
	local boot=$! started=0
	for _ in $(seq 1 3000); do
		grep -q "$3" "$log" && { started=1; break; }
		kill -0 "$boot" 2>/dev/null || break
		sleep 0.1
	done
	[ $started -eq 1 ] && sleep "$(($4 / 10)).$(($4 % 10))"
	pkill -KILL -P "$boot" 2>/dev/null
	wait "$boot" 2>/dev/null
	tr -d '\r' <"$log"
}

boot() { # cpus, command: the console output of a boot that powers off by itself
	"$top/tools/qemu-boot.sh" --smp "$1" --timeout 300 --initrd "$top/build/initrd.cpio" \
		--disk "$img" -- "root=/dev/vda -- /bin/sh -c '$2'" 2>&1 | tr -d '\r'
}

# Nothing for e2fsck to ask about: no "?" (replaying and clearing orphans are not questions).
clean_fsck() { # image, options, what
	local out
	out=$("$E2FSCK" "$2" "$1" 2>&1)
	local rc=$?
	if grep -q '?' <<<"$out" || [ $rc -ge 4 ] || { [ "$2" = -fn ] && [ $rc -ne 0 ]; }; then
		echo "FAIL e2fsck $2 $3 (status $rc):"
		sed 's/^/    /' <<<"$out" | head -30
		fail=1
		return 1
	fi
	return 0
}

check_files() { # what, console output, line tag: every logged file intact on the image
	local n=0 bad=0 path sum got
	while read -r _ path sum; do
		n=$((n + 1))
		got=$("$DEBUGFS" -R "cat $path" "$img" 2>/dev/null | md5sum | cut -c1-32)
		if [ "$got" != "$sum" ]; then
			echo "FAIL $1: $path: logged $sum, on the disk $got"
			bad=1
		fi
	done < <(grep "^$3 /[^ ]* [0-9a-f]\{32\}$" <<<"$2")
	[ $bad -eq 0 ] && echo "ok   $1: $n $3 files intact" || fail=1
	total=$((total + n))
}

total=0
for round in $(seq 1 "$rounds"); do
	smp=$((1 << round % 3)) # 2, 4, 1, 2, 4, 1...
	case $round in
	1) mode=sync delay=0 ;;
	2) mode=bulk delay=$((80 + RANDOM % 50)) ;;
	*) mode=mixed delay=$((10 + RANDOM % 60)) ;;
	esac
	case $((round % 4)) in
	0) mode=meta delay=$((20 + RANDOM % 80)) ;;
	esac
	what="round $round ($mode, $smp CPUs, cut $((delay / 10)).$((delay % 10)) s in)"
	mark=WRITERS-42
	[ $mode = sync ] && mark=SYNCED-42
	out=$(cut_power "$smp" "$RANDOM $mode" "$mark" "$delay")
	if ! grep -q "$mark" <<<"$out"; then
		echo "FAIL $what: the writers did not start:"
		sed 's/^/    /' <<<"$out" | tail -15
		fail=1
		continue
	fi
	# Linux's tools replay what Ferry logged, and find the result consistent.
	cp "$img" "$tmp/copy.img"
	clean_fsck "$tmp/copy.img" -fy "of a copy (e2fsprogs replays the journal) after $what" &&
		echo "ok   $what: e2fsprogs replays the journal, nothing to fix"
	# Ferry replays it, frees the orphans and powers off cleanly.
	again=$(boot "$smp" "echo replayed-\$((6 * 7))")
	if ! grep -q "replayed-42" <<<"$again" || ! grep -q "powering off" <<<"$again"; then
		echo "FAIL $what: the next boot did not come up and power off:"
		sed 's/^/    /' <<<"$again" | tail -15
		fail=1
		continue
	fi
	clean_fsck "$img" -fn "after the next boot ($what)" &&
		echo "ok   $what: replayed by Ferry ($(grep -c 'journal: replayed' <<<"$again") replays), e2fsck -fn clean"
	check_files "$what" "$out" FSYNCED
	if [ $mode = sync ]; then
		check_files "$what, after sync" "$out" SYNCFILE
		if "$DEBUGFS" -R "stat /sy/f2" "$img" 2>&1 | grep -q "File not found"; then
			echo "ok   $what: a file removed before sync stays removed"
		else
			echo "FAIL $what: /sy/f2 was removed before sync but is on the disk"
			fail=1
		fi
		# /sy/held was removed while open: an orphan at the cut, freed by the next mount.
		if grep -q "ext2 vda: 1 orphan inodes to free" <<<"$again"; then
			echo "ok   $what: the file removed while open is freed at the next mount"
		else
			echo "FAIL $what: no orphan freed at the next mount:"
			sed 's/^/    /' <<<"$again" | grep ext2
			fail=1
		fi
	fi
done
echo "note: $rounds power cuts, $total logged files checked"
exit $fail
