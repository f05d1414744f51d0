#!/bin/bash
# One benchmark boot: run QEMU with the shared benchmark settings
# (tools/bench-qemu-flags --cpu CPU MODE) plus the given arguments, copy the
# serial console to LOG, and add "@@host" lines: the settings, the wall time
# from QEMU's start to the line "@@init", the total time and QEMU's status.
#   tools/bench-boot.sh CPU MODE LOG TIMEOUT QEMU-ARG...
# CPU is lean or default (see tools/bench-qemu-flags). Exits 0 if the boot
# reached "@@done" within TIMEOUT seconds of wall time.
set -u
here=$(dirname "$(readlink -f "$0")")
cpu=$1 mode=$2 log=$3 timeout=$4
shift 4
qflags() { "$here/bench-qemu-flags" --cpu "$cpu" "$mode" "$@"; }
mapfile -t flags < <(qflags)
[ ${#flags[@]} -gt 0 ] || exit 2
{
	echo "@@host mode $mode"
	echo "@@host smp $(qflags smp)"
	echo "@@host mem $(qflags mem)"
	echo "@@host cpu $(qflags cpu)"
	echo "@@host flags ${flags[*]}"
	echo "@@host qemu $(qemu-system-x86_64 --version | head -1)"
	# Other work on the machine slows wall-time figures: record how much.
	echo "@@host loadavg $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) host CPUs"
	echo "@@host wall_limit_s $timeout"
} >"$log"
start=$EPOCHREALTIME
timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${flags[@]}" "$@" </dev/null 2>&1 |
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ "$line" = "@@init" ]; then
			now=$EPOCHREALTIME
			echo "@@host boot_to_init_ms $(((${now/[.,]/} - ${start/[.,]/}) / 1000))"
		fi
		printf '%s\n' "$line"
	done >>"$log"
rc=${PIPESTATUS[0]}
now=$EPOCHREALTIME
echo "@@host elapsed_s $(((${now/[.,]/} - ${start/[.,]/}) / 1000000))" >>"$log"
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "@@host timed_out after ${timeout}s of wall time" >>"$log"
echo "@@host qemu_status $rc" >>"$log"
grep -q '^@@done' "$log"
