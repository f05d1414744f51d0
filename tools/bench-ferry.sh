#!/bin/bash
# The Ferry side of `make bench`: run every benchmark program on Ferry
# through tools/ferry-run (one boot per program), --icount-runs times under
# -icount (1 CPU; not those tagged smp2 in build/bench/bin/list, which need
# two CPUs, nor those tagged wall, which wait for the disk throughout) and
# --runs times under plain TCG (2 CPUs), with the CPU, CPU count, memory and
# timing flags of tools/bench-qemu-flags (always the lean CPU,
# max,erms=off,fsrm=off); those tagged disk boot from the benchmark disk,
# those tagged debian from a copy of the Debian image (build/debian.img).
# Logs go to build/bench/ferry/, in the format of the Linux side's. Until
# Ferry can run user programs this says so, leaves build/bench/ferry/status,
# and exits 0: the report then shows "—".
#   tools/bench-ferry.sh [--runs N] [--icount-runs N] [--timeout S]
# A program that hangs is stopped by busybox timeout in the guest, after the
# guest time of `tools/bench-qemu-flags MODE limit`, and its boot after
# --timeout seconds of wall time (default 1800: a backstop for a hung
# kernel, long enough for a host busy with two other such jobs).
# FERRY_RUN=PROGRAM stands in for tools/ferry-run (to test this script).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
out=$top/build/bench/ferry
bins=$top/build/bench/bin
runs=3 icount_runs=1 timeout=1800
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--icount-runs) icount_runs=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: bench-ferry.sh [--runs N] [--icount-runs N] [--timeout S]" >&2; exit 2 ;;
	esac
done
mkdir -p "$out"
rm -f "$out"/*.log "$out/status"

not_yet() {
	echo "ferry: not yet able to run user programs ($1)" | tee "$out/status"
	exit 0
}
run=${FERRY_RUN:-$top/tools/ferry-run}
[ -x "$run" ] || not_yet "no tools/ferry-run"
[ -f "$bins/list" ] || { echo "bench-ferry: run make bench-bins first" >&2; exit 1; }

# Every benchmark file goes to /bench/ in Ferry's image, as on Linux.
adds=()
for f in "$bins"/*; do
	[ "$(basename "$f")" = list ] || adds+=(--add "$f:/bench/$(basename "$f")")
done

qflags() { "$here/bench-qemu-flags" --cpu lean "$@"; }

# ferry-run's options for a mode: CPU, CPUs, memory and timing flags from
# tools/bench-qemu-flags; the machine flags are ferry-run's own (those of
# tools/qemu-boot.sh: -M q35, qboot, as in bench-qemu-flags).
ferry_opts() {
	echo --cpu "$(qflags "$1" cpu)" --smp "$(qflags "$1" smp)" --mem "$(qflags "$1" mem)" \
		--accel tcg --timeout "$timeout"
	[ "$1" = icount ] && echo --qemu -icount --qemu shift=0,sleep=off
}

# The program runs under busybox timeout: a guest-time limit.
ferry() {	# mode, then the program and its arguments
	local mode=$1 limit
	limit=$(qflags "$mode" limit)
	shift
	# shellcheck disable=SC2046
	"$run" $(ferry_opts "$mode") "${adds[@]}" -- /bin/busybox timeout "$limit" "$@" </dev/null
}

# The programs tagged disk boot from a fresh benchmark disk
# (tools/bench-disk.sh, with the programs in /bench), root=/dev/vda, and
# use its /disk; Linux has the same image mounted on /disk.
ferry_disk() {	# mode, then the program and its arguments
	local mode=$1 limit
	limit=$(qflags "$mode" iolimit)
	shift
	"$here/bench-disk.sh" "$out/disk.img" || return 1
	# shellcheck disable=SC2046
	"$run" $(ferry_opts "$mode") --disk "$out/disk.img" -- /bin/busybox timeout "$limit" "$@" </dev/null
}

# The programs tagged debian boot from a fresh copy of the Debian image of
# `make debian` with the benchmark programs written into its /bench;
# Linux has the same copy mounted on /debian and chroots there. The
# image has no busybox: coreutils' timeout sets the guest-time limit.
ferry_debian() {	# mode, then the program and its arguments
	local mode=$1 limit img=$out/debian.img f
	limit=$(qflags "$mode" iolimit)
	shift
	[ -f "$top/build/debian.img" ] || { echo "bench-ferry: no build/debian.img: make debian"; return 1; }
	cp --sparse=always "$top/build/debian.img" "$img" || return 1
	{
		echo "mkdir /bench"
		for f in "$bins"/*; do echo "write $f /bench/$(basename "$f")"; done
	} | "$DEBUGFS" -w -f - "$img" >/dev/null 2>&1 || { echo "bench-ferry: debugfs failed on $img"; return 1; }
	# shellcheck disable=SC2046
	"$run" $(ferry_opts "$mode") --disk "$img" -- /usr/bin/timeout "$limit" "$@" </dev/null
	local rc=$?
	rm -f "$img" # about 700 MiB of data
	return $rc
}
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)

probe=$(ferry wall /bench/exec_tiny 2>&1)
rc=$?
[ $rc -eq 0 ] || not_yet "probe run of /bench/exec_tiny ended with status $rc: $(echo "$probe" | tail -1)"

boot() {	# mode run
	local mode=$1 log=$out/$1-$2.log
	echo "bench-ferry: $mode run $2 ($(qflags "$mode" smp) CPU)"
	{
		echo "@@host mode $mode"
		echo "@@host smp $(qflags "$mode" smp)"
		echo "@@host mem $(qflags "$mode" mem)"
		echo "@@host cpu $(qflags "$mode" cpu)"
		echo "@@host flags tools/ferry-run $(ferry_opts "$mode" | paste -sd ' ')"
		echo "@@host qemu $(qemu-system-x86_64 --version | head -1)"
		echo "@@host loadavg $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) host CPUs"
		echo "@@host kernel ferry $(git -C "$top" describe --always --dirty 2>/dev/null)"
		echo "@@host config ferry"
		echo "@@host wall_limit_s $timeout"
		echo "@@meta guest_limit_s $(qflags "$mode" limit)"
		echo "@@meta guest_iolimit_s $(qflags "$mode" iolimit)"
		# Boot to the first line a program prints: ferry-run shows nothing before.
		if [ "$mode" = wall ]; then
			local start=$EPOCHREALTIME first=""
			while IFS= read -r _; do
				[ -z "$first" ] && first=$EPOCHREALTIME
			# The default image, so no repacking of added files is timed.
			# shellcheck disable=SC2046
			done < <("$run" $(ferry_opts "$mode") -- /bin/busybox echo @@init </dev/null 2>/dev/null)
			[ -n "$first" ] && echo "@@host boot_to_init_ms $(((${first/[.,]/} - ${start/[.,]/}) / 1000))"
		fi
		echo "@@init"
		while read -r b tags; do
			case "$mode $tags" in icount*smp2* | icount*wall*) continue ;; esac
			echo "@@begin $b"
			local t0=$SECONDS
			case " $tags " in
			*" disk "*) ferry_disk "$mode" "/bench/$b" 2>&1 ;;
			*" debian "*) ferry_debian "$mode" "/bench/$b" 2>&1 ;;
			*) ferry "$mode" "/bench/$b" 2>&1 ;;
			esac
			local rc=$?
			echo "@@host elapsed_s_$b $((SECONDS - t0))"
			echo "@@end $b $rc"
		done <"$bins/list"
		echo "@@done"
	} >"$log"
	grep '^@@end' "$log" | grep -v ' 0$' | sed "s/^@@end /bench-ferry: $mode run $2: failed: /"
}
for i in $(seq 1 "$icount_runs"); do boot icount "$i"; done
for i in $(seq 1 "$runs"); do boot wall "$i"; done
exit 0
