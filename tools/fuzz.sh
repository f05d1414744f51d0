#!/bin/bash
# Run Ferry's fuzzer (user/fuzz.c) in QEMU and judge the kernel by it.
#
#   tools/fuzz.sh [--calls N] [--seconds S] [--seed X] [--smp N] [--workers N] [--log FILE]
#
# Boots Ferry with N CPUs (default 4) and runs /bin/fuzz: random system
# calls from many worker processes until N calls (default 20000) or S
# seconds, whichever comes first (--seconds alone: no call limit). A
# random seed unless --seed. Passes if the fuzzer ended, said how many
# calls it made and found the system still working afterwards; a kernel
# panic, a hang or a failed check fails it, and the seed to replay the run
# is printed (tools/fuzz.sh --seed X, or make fuzz FUZZ_SEED=X). The whole
# console goes to FILE (default build/fuzz.log).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
calls="" seconds="" seed="" smp=4 workers=6 log=$top/build/fuzz.log
usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--calls) calls=${2:?}; shift 2 ;;
	--seconds) seconds=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--workers) workers=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$seed" ] || seed=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
seed=0x${seed#0x}
[ -n "$calls" ] || { [ -n "$seconds" ] && calls=18446744073709551615 || calls=20000; }
args=(-s "$seed" -n "$calls" -j "$workers")
[ -n "$seconds" ] && args+=(-t "$seconds")
# The host's limit only guards against a hung kernel: the fuzzer's own
# limit ends the run. Generous for a loaded machine under TCG.
if [ -n "$seconds" ]; then
	limit=$((seconds + 600))
else
	limit=$((600 + calls / 20))
fi
mkdir -p "$(dirname "$log")"
if [ -n "$seconds" ] && [ "$calls" = 18446744073709551615 ]; then
	what="$seconds seconds"
else
	what="$calls calls${seconds:+ or $seconds seconds}"
fi
echo "== fuzz: seed $seed, $what, $smp CPUs, $workers workers"
start=$(date +%s)
"$top/tools/ferry-run" --verbose --smp "$smp" --timeout "$limit" -- /bin/fuzz "${args[@]}" >"$log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
summary=$(grep -a '^fuzz: [0-9]* calls' "$log" | tail -1)
if [ $rc -eq 0 ] && [ -n "$summary" ]; then
	echo "$summary ($took s on the host)"
	exit 0
fi
echo "FAILED (status $rc after $took s): the kernel's last words, from $log:"
grep -a -n -E 'KERNEL|panic|assert|fuzz:|not end|ferry-run' "$log" | tail -20 | sed 's/^/    /'
grep -a -A40 -E '^KERNEL (PANIC|EXCEPTION)' "$log" | head -60 | sed 's/^/    /'
echo "replay: tools/fuzz.sh --seed $seed --smp $smp --workers $workers${seconds:+ --seconds $seconds}${seconds:+ --calls $calls}"
echo "        (or make fuzz FUZZ_SEED=$seed; a single worker: /bin/fuzz -r WORKERSEED with the seed -v prints)"
exit 1
