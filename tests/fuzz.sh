#!/bin/bash
# The fuzzer (user/fuzz.c) for a bounded number of calls on 1 and 4 CPUs:
# random system calls from respawning workers must neither crash nor hang
# the kernel, and leave a system that still works. A new seed each run
# (FUZZ_SEED fixes it); a failure prints the seed to replay it with
# tools/fuzz.sh or make fuzz. make fuzz runs it for as long as asked.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
calls=${FUZZ_TEST_CALLS:-50000}
fail=0
for smp in 1 4; do
	"$top/tools/fuzz.sh" --calls "$calls" --smp "$smp" ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
		--log "$top/build/test-logs/fuzz-smp$smp.log" || fail=1
done
exit $fail
