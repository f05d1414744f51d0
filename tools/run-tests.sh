#!/bin/bash
# Run every test: host unit tests, then kernel self-tests booted in QEMU
# with 1, 2 and 4 CPUs. Ends with "N passed, N failed"; exits non-zero on
# any failure. Logs go to build/test-logs/.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
logs=$top/build/test-logs
mkdir -p "$logs"
passed=0 failed=0
# Every boot through tools/qemu-boot.sh (tools/ferry-run, the tests/*.sh)
# runs the extra-checking kernel (mk/check.mk: freed memory poisoned and
# checked when it is handed out again); the ISOs and Bochs boot
# build/ferry.elf, so both builds are tested.
export FERRY_KERNEL=${FERRY_KERNEL:-$top/build/ferry-check.elf}
echo "== kernel booted by the tests: ${FERRY_KERNEL#$top/}"
failures=()

ok() { passed=$((passed + 1)); printf '  PASS %s\n' "$1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); printf '  FAIL %s (%s)\n' "$1" "$2"; }

echo "== host unit tests"
# Check gives a test case 4 s unless it says otherwise: a loaded machine
# (other QEMU jobs on the same two cores) ran test_virtq and test_vt past
# that. The timeout only guards against a hang, so it is generous.
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300}
for t in "$top"/build/host/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$logs/host-$name.log
	if CK_FORK=yes "$t" >"$log" 2>&1; then
		ok "host/$name ($(grep -o 'Checks: [0-9]*' "$log" | head -1))"
	else
		bad "host/$name" "see $log"
		tail -20 "$log" | sed 's/^/    /'
	fi
done

echo "== kernel self-tests in QEMU"
for smp in 1 2 4; do
	name="selftest-smp$smp"
	log=$logs/$name.log
	"$here/qemu-boot.sh" --smp "$smp" --timeout 240 -- "selftest loglevel=2" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 33 ] && grep -q "selftest: all passed" "$log"; then
		ok "$name"
	else
		bad "$name" "QEMU status $rc, see $log"
		tail -30 "$log" | sed 's/^/    /'
	fi
done

for extra in "$top"/tests/*.sh; do
	[ -x "$extra" ] || continue
	name=$(basename "$extra" .sh)
	log=$logs/$name.log
	if "$extra" >"$log" 2>&1; then ok "$name"; else bad "$name" "see $log"; tail -30 "$log" | sed 's/^/    /'; fi
done

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
