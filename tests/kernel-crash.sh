#!/bin/bash
# Kernel bugs provoked on purpose (crash=KIND) must each end the run at once
# with QEMU status 35 and a clear report: the kind of error and a backtrace
# with symbol names.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
fail=0
make --no-print-directory -s -C "$top" kernel check-kernel >/dev/null 2>&1 || { echo "kernel-crash: build failed"; exit 1; }
check() { # [--smp N] kind, expected text...
	local smp=1
	[ "$1" = --smp ] && { smp=$2; shift 2; }
	local kind=$1; shift
	local out rc
	out=$("$top/tools/qemu-boot.sh" --smp "$smp" --timeout 60 -- "crash=$kind loglevel=1" 2>&1)
	rc=$?
	if [ $rc -ne 35 ]; then
		echo "crash=$kind: QEMU status $rc, expected 35"; echo "$out" | tail -20; fail=1; return
	fi
	for want in "$@" "backtrace:" "machine stopped"; do
		if ! grep -qF "$want" <<<"$out"; then
			echo "crash=$kind: missing '$want'"; echo "$out" | tail -20; fail=1; return
		fi
	done
	echo "crash=$kind: reported as expected"
}
check pagefault "KERNEL EXCEPTION" "page fault" "cr2 00000000dead0000" crash_on_purpose
check assert "KERNEL PANIC" "assertion failed" crash_on_purpose
check doublefree "KERNEL PANIC" "double free" crash_on_purpose
check foreignfree "KERNEL PANIC" "was not returned by kmalloc" crash_on_purpose
check pagedoublefree "KERNEL PANIC" crash_on_purpose
# Running off the end of a kernel stack hits its guard page (the boot core's, another core's).
check stack "KERNEL EXCEPTION on cpu 0" "double fault" \
	"kernel stack overflow: cpu 0's stack ran into its guard page" stack_eater
check --smp 2 stack-ap "KERNEL EXCEPTION on cpu 1" "double fault" \
	"kernel stack overflow: cpu 1's stack ran into its guard page" stack_eater
# Short of the guard page: the canary at the end of the stack, checked when a task is done.
check canary "KERNEL PANIC" "ran into the last bytes of cpu 0's kernel stack" executor_loop
# The extra-checking kernel (make check-kernel): freed memory written to, found when reused.
export FERRY_KERNEL=$top/build/ferry-check.elf
check uaf "KERNEL PANIC" "was written after it was freed" kmalloc
check pageuaf "KERNEL PANIC" "free page" "was written after it was freed" page_alloc
check lockuaf "KERNEL PANIC" "the lock is in freed memory" spin_in_freed_memory
exit $fail
