#!/bin/bash
# Kernel bugs provoked on purpose (crash=KIND) must each end the run at once
# with QEMU status 35 and a clear report: the kind of error and a backtrace
# with symbol names.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
fail=0
check() { # kind, expected text...
	local kind=$1; shift
	local out rc
	out=$("$top/tools/qemu-boot.sh" --timeout 60 -- "crash=$kind loglevel=1" 2>&1)
	rc=$?
	if [ $rc -ne 35 ]; then
		echo "crash=$kind: QEMU status $rc, expected 35"; echo "$out" | tail -20; fail=1; return
	fi
	for want in "$@" "backtrace:" "crash_on_purpose" "machine stopped"; do
		if ! grep -qF "$want" <<<"$out"; then
			echo "crash=$kind: missing '$want'"; echo "$out" | tail -20; fail=1; return
		fi
	done
	echo "crash=$kind: reported as expected"
}
check pagefault "KERNEL EXCEPTION" "page fault" "cr2 00000000dead0000"
check assert "KERNEL PANIC" "assertion failed"
check doublefree "KERNEL PANIC" "double free"
check foreignfree "KERNEL PANIC" "was not returned by kmalloc"
check pagedoublefree "KERNEL PANIC"
exit $fail
