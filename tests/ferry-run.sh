#!/bin/bash
# tools/ferry-run as people and outside test suites use it: output passed
# through, exit status passed back (128+signal when killed), --add, the
# timeout, and Debian's busybox-static running unmodified.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
run=$top/tools/ferry-run
fail=0
expect() { # description, expected status, expected output (exact), command...
	local what=$1 want_rc=$2 want_out=$3; shift 3
	local out rc
	out=$("$run" "$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ]; then
		echo "FAIL $what: status $rc (want $want_rc), output:"; echo "$out" | sed 's/^/    /' | tail -20
		fail=1
	else
		echo "ok   $what"
	fi
}
expect "busybox echo hello" 0 "hello" -- /bin/busybox echo hello
expect "a busybox pipeline" 0 "3" -- /bin/busybox sh -c 'for i in 1 2 3; do echo $i; done | wc -l'
expect "exit status passes back" 3 "" -- /bin/sh -c 'exit 3'
expect "a signal's death is 128+N" 137 "" -- /bin/sh -c 'kill -9 $$'
expect "arguments keep their spaces" 0 "a b|c" -- /bin/sh -c 'echo "$1|$2"' sh 'a b' c
expect "a missing program" 127 "init: cannot run /bin/nonexistent: No such file or directory" -- /bin/nonexistent
# The shell's `wait` sleeps in rt_sigsuspend until SIGCHLD: 80 jobs on 2 CPUs.
expect "wait for 80 background jobs" 0 "done" --smp 2 -- /bin/sh -c \
	'for i in $(seq 1 40); do /bin/true & sh -c "exit 0" & done; wait; echo done'
expect "a trap handler runs, then the shell goes on" 0 "trapped
after" -- /bin/sh -c 'trap "echo trapped" USR1; kill -USR1 $$; echo after'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'added by --add\n' >"$tmp/note.txt"
expect "--add puts a file in the image" 0 "added by --add" --add "$tmp/note.txt:/etc/note.txt" -- /bin/cat /etc/note.txt
out=$("$run" --timeout 5 -- /bin/sleep 100 2>&1); rc=$?
if [ $rc -eq 124 ] && grep -q "timed out" <<<"$out"; then echo "ok   --timeout"; else echo "FAIL --timeout: status $rc: $out"; fail=1; fi
exit $fail
