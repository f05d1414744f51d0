#!/bin/bash
# The figures /proc gives, as Linux gives them, on 2 CPUs in one boot:
#   - idle time in /proc/stat grows by about 2 s per core over `sleep 2`
#     (at least 1.2 s each: the shell and sleep run a little), also while
#     a core stays halted the whole time, and top shows the machine idle;
#   - after a busy loop ran for 11 s (two 5 s samples), the 1-minute load
#     average is above 0, and /proc/loadavg and uptime (sysinfo(2)) agree
#     to the hundredth (Linux rounds the one and truncates the other);
#   - /proc/cpuinfo has a block per core with the fields Linux prints,
#     flags among them.
# Bounds are wide so that a loaded host passes: nothing here measures
# its speed.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/figures.sh" <<'SCRIPT'
idle() { grep "^cpu$1 " /proc/stat | awk '{ print $5 }'; }
a0=$(idle 0) a1=$(idle 1)
sleep 2
b0=$(idle 0) b1=$(idle 1)
echo "idle cpu0 $((b0 - a0)) cpu1 $((b1 - a1)) ticks over sleep 2"
top -b -n 2 -d 2 | grep '^CPU:' | tail -1
(while :; do :; done) &
busy=$!
sleep 11
for i in 1 2 3; do
	l=$(cut -d' ' -f1 /proc/loadavg)
	u=$(uptime | sed 's/.*load average: \([0-9.]*\),.*/\1/')
	echo "loadavg $l uptime $u"
done
kill $busy
echo "== cpuinfo"
cat /proc/cpuinfo
SCRIPT
out=$("$top/tools/ferry-run" --smp 2 --timeout 300 --add "$tmp/figures.sh:/figures.sh" -- /bin/sh /figures.sh 2>&1 </dev/null)
rc=$?
echo "$out"
echo "----"
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
[ $rc -eq 0 ] || bad "the script ended with status $rc"

read -r i0 i1 < <(sed -n 's/^idle cpu0 \([0-9-]*\) cpu1 \([0-9-]*\) ticks.*/\1 \2/p' <<<"$out")
if [ -n "${i0:-}" ] && [ "$i0" -ge 120 ] && [ "$i1" -ge 120 ] && [ "$i0" -le 260 ] && [ "$i1" -le 260 ]; then
	ok "idle time grew by $i0 and $i1 ticks (of 100 Hz) on the two cores over sleep 2"
else
	bad "idle time over sleep 2: cpu0 ${i0:-?} cpu1 ${i1:-?} ticks, want 120..260 each"
fi
idle=$(sed -n 's/^CPU:.* \([0-9]*\)% idle.*/\1/p' <<<"$out")
if [ -n "$idle" ] && [ "$idle" -ge 50 ]; then ok "top shows the machine ${idle}% idle"; else
	bad "top's idle share: '${idle:-none}', want at least 50%"; fi

agree=0 loaded=0
while read -r l u; do
	awk -v l="$l" -v u="$u" 'BEGIN { d = l - u; exit !(d >= -0.011 && d <= 0.011) }' && agree=1
	awk -v l="$l" 'BEGIN { exit !(l > 0) }' && loaded=1
done < <(sed -n 's/^loadavg \([0-9.]*\) uptime \([0-9.]*\)$/\1 \2/p' <<<"$out")
[ $agree -eq 1 ] && ok "/proc/loadavg and uptime agree" || bad "/proc/loadavg and uptime disagree"
[ $loaded -eq 1 ] && ok "a busy loop raises the load average" || bad "the load average stayed 0 under a busy loop"

cpuinfo=$(sed -n '/^== cpuinfo$/,$p' <<<"$out")
n=$(grep -c '^processor' <<<"$cpuinfo")
[ "$n" -eq 2 ] && ok "/proc/cpuinfo: a block per core" || bad "/proc/cpuinfo: $n processor blocks, want 2"
for field in "vendor_id" "cpu family" "model" "model name" "stepping" "cpu MHz" "physical id" \
	"siblings" "core id" "cpu cores" "apicid" "fpu" "cpuid level" "wp" "flags" "bogomips" \
	"clflush size" "cache_alignment" "address sizes" "power management"; do
	c=$(grep -c "^$field[[:space:]]*:" <<<"$cpuinfo")
	[ "$c" -eq 2 ] || bad "/proc/cpuinfo: '$field' $c times, want 2"
done
flags=$(grep -m1 '^flags' <<<"$cpuinfo")
missing=""
for f in fpu tsc msr pae cx8 apic cmov clflush mmx fxsr sse sse2 syscall nx lm pni cx16; do
	grep -qw "$f" <<<"$flags" || missing="$missing $f"
done
[ -z "$missing" ] && ok "/proc/cpuinfo: the fields Linux prints, flags with Linux's names" ||
	bad "/proc/cpuinfo flags lack$missing: $flags"
exit $fail
