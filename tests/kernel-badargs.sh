#!/bin/bash
# Bad kernel command-line values are reported and ignored; the kernel still
# boots and passes its self-tests.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
out=$("$top/tools/qemu-boot.sh" --smp 2 --timeout 240 -- \
	"smp=lots preempt=maybe pcid=sometimes loglevel=9 init=relative/path frobnicate=1 selftest" 2>&1)
rc=$?
[ $rc -eq 33 ] || { echo "bad args: QEMU status $rc"; echo "$out" | tail -30; exit 1; }
for want in "smp= wants a number" "preempt= wants on or off" "pcid= wants on or off" "loglevel= wants 0..3" \
	"init= wants an absolute path" "unknown option 'frobnicate=1'" "selftest: all passed"; do
	grep -qF "$want" <<<"$out" || { echo "bad args: missing '$want'"; exit 1; }
done
echo "bad arguments reported and ignored"
