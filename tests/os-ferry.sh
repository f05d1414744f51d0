#!/bin/bash
# The user-space tests (tests/os) on Ferry: every program in /tests, run by
# /bin/runtests inside Ferry, with 1 and 4 CPUs and with preemption on and
# off. The same programs run on the build machine's Linux in os-linux.sh.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
fail=0
for conf in "1 on" "4 on" "1 off" "4 off"; do
	set -- $conf
	echo "== tests/os on Ferry: $1 CPU(s), preempt=$2"
	out=$("$top/tools/ferry-run" --smp "$1" --timeout 600 --append "preempt=$2" -- \
		/bin/sh -c '/bin/runtests -t 120 /tests' 2>&1)
	rc=$?
	# A failed test's own last lines, so a hang shows where it hung.
	echo "$out" | awk '/^== /{n=0} {buf[n++ % 20]=$0}
		/^FAIL /{for (i = (n > 20 ? n - 20 : 0); i < n; i++) print "    | " buf[i % 20]}'
	echo "$out" | grep -E "^(FAIL|not ok)|ferry-run:"
	echo "$out" | grep -E "^runtests:"
	if [ $rc -ne 0 ]; then
		echo "FAILED with status $rc ($1 CPUs, preempt=$2)"
		fail=1
	fi
done
exit $fail
