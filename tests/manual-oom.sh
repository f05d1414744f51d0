#!/bin/bash
# Out of memory: the largest process goes, never the shell or init. On a
# 128 MiB machine, memhog's holders take the memory in pipe rings (kernel
# memory no page fault of theirs asks for), then the shell runs a program
# that maps and writes 16 MiB. Once, the one that faulted next died (and
# a shell that did took init, and the machine, with it); now the kernel
# kills a holder (proc/oom.c counts pipe rings to their makers), says so,
# and the program, the shell and init go on. The shell's fork of the
# program may find no kernel memory: the call waits for reclaim like a
# fault (vm/reclaim.h: reclaim_retry_call), so the out-of-memory killer
# makes room and the first try should succeed (before, the fork failed
# with ENOMEM and no kill followed; then, with 2 CPUs, it failed now and
# then when the victim's memory came back on the other core between the
# failed allocation and reclaim's look: now the call runs again then too).
# With 1 and 2 CPUs, preemption on and off. Not in make test: with 2 CPUs
# the shell's first try still answers ENOMEM after the kill now and then
# (once in a make test run beside other emulators, after 8 clean runs).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null 2>&1 || { echo "oom: build failed"; exit 1; }
fail=0
. "$top/tests/lib/checks.sh"
for conf in "1 on" "2 on" "1 off"; do
	set -- $conf
	out=$("$top/tools/ferry-run" --verbose --mem 128 --smp "$1" --timeout 600 --append "preempt=$2" -- \
		/bin/sh -c 'memhog pipes 6; echo holders-done
			memhog touch 16 || echo first-try-failed
			echo shell-alive' 2>&1)
	rc=$?
	what="$1 CPU(s), preempt=$2"
	want "$what: the holders filled memory" "$out" "holders-done"
	want "$what: the kernel killed a holder" "$out" "out of memory"
	want "$what: the victim was a holder" "$out" "(memhog), "
	want "$what: the program mapped its 16 MiB" "$out" "memhog: touched 16 MiB"
	want "$what: the shell went on" "$out" "shell-alive"
	if grep -q "^first-try-failed" <<<"$out"; then
		echo "FAIL $what: the program did not run at the first try:"; grep -E "memhog|sh:" <<<"$out" | sed 's/^/    /'
		fail=1
	else
		echo "ok   $what: the program ran at the first try"
	fi
	if grep -q "out of memory at .*killed" <<<"$out" && ! grep -q "pid [0-9]* (memhog): out of memory at" <<<"$out"; then
		echo "FAIL $what: something other than memhog was killed for faulting"; fail=1
	fi
	if [ $rc -ne 0 ]; then
		echo "FAIL $what: ferry-run status $rc (init must not die)"; echo "$out" | tail -20; fail=1
	else
		echo "ok   $what: init and the machine lived (status 0)"
	fi
done
# Messages sent and not yet received are no process's pages any more, but
# the channel's holders pay for them: with 96 MiB waiting in four holders'
# channels, a program that maps 32 MiB finds no room, and a holder goes.
out=$("$top/tools/ferry-run" --verbose --mem 128 --smp 2 --timeout 600 -- \
	/bin/sh -c 'memhog msgs 4 24; echo holders-done
		memhog touch 32 || echo first-try-failed
		echo shell-alive' 2>&1)
rc=$?
want "messages: the holders filled their channels" "$out" "memhog: 4 of 4 holders full"
want "messages: the kernel killed a holder" "$out" "(memhog), "
want "messages: the program mapped its 32 MiB" "$out" "memhog: touched 32 MiB"
want "messages: the shell went on" "$out" "shell-alive"
if grep -q "^first-try-failed" <<<"$out"; then echo "FAIL messages: the program did not run at the first try"; fail=1
else echo "ok   messages: the program ran at the first try"; fi
[ $rc -eq 0 ] && echo "ok   messages: status 0" || { echo "FAIL messages: ferry-run status $rc"; fail=1; }
exit $fail
