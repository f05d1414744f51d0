#!/bin/bash
# One benchmark boot: run QEMU with the shared benchmark settings
# (tools/bench-qemu-flags MODE) plus the given arguments, copy the serial
# console to LOG, and add "@@host" lines: the settings, the wall time from
# QEMU's start to the line "@@init", the total time and QEMU's status.
#   tools/bench-boot.sh MODE LOG TIMEOUT QEMU-ARG...
set -u
here=$(dirname "$(readlink -f "$0")")
mode=$1 log=$2 timeout=$3
shift 3
mapfile -t flags < <("$here/bench-qemu-flags" "$mode")
[ ${#flags[@]} -gt 0 ] || exit 2
{
	echo "@@host mode $mode"
	echo "@@host smp $("$here/bench-qemu-flags" "$mode" smp)"
	echo "@@host mem $("$here/bench-qemu-flags" "$mode" mem)"
	echo "@@host flags ${flags[*]}"
	echo "@@host qemu $(qemu-system-x86_64 --version | head -1)"
	# Other work on the machine slows wall-time figures: record how much.
	echo "@@host loadavg $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) host CPUs"
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
echo "@@host qemu_status $rc" >>"$log"
grep -q '^@@done' "$log"
