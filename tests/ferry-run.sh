#!/bin/bash
# tools/ferry-run as people and outside test suites use it: output passed
# through, exit status passed back (128+signal when killed), standard
# input passed in (a pipe, a file, /dev/null), the kernel's reason for a
# program it cannot start, --add, the timeout, --help, and Debian's
# busybox-static running unmodified.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
run=$top/tools/ferry-run
fail=0
expect() { # description, expected status, expected output (exact), command...
	local what=$1 want_rc=$2 want_out=$3; shift 3
	local out rc
	out=$("$run" "$@" 2>&1 </dev/null)
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

# Standard input: a pipe and a file reach the program whole, then end of
# file; within seconds, not at the timeout (a limit of 90 s catches that,
# whatever the load on this machine).
check_in() { # description, expected status, expected output, input file, command...
	local what=$1 want_rc=$2 want_out=$3 in=$4; shift 4
	local out rc
	out=$(timeout -k 5 90 "$run" --timeout 300 "$@" <"$in" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ]; then
		echo "FAIL $what: status $rc (want $want_rc), output:"; echo "$out" | sed 's/^/    /' | tail -20
		fail=1
	else
		echo "ok   $what"
	fi
}
out=$(echo x | timeout -k 5 90 "$run" -- /bin/cat 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = x ]; then echo "ok   echo x | ferry-run -- /bin/cat"; else
	echo "FAIL echo x | ferry-run -- /bin/cat: status $rc, output: $out"; fail=1; fi
# Every byte value, the escape byte 0xff and the console's ^C, ^D, ^Z and
# \r among them, passes unchanged; 40 KiB is ten times the console's buffer.
perl -e 'binmode STDOUT; print map { chr } 0..255 for 1..160' >"$tmp/bytes"
check_in "all 256 byte values, 40 KiB, through a file" 0 "$(md5sum <"$tmp/bytes")" "$tmp/bytes" -- /bin/md5sum
check_in "a program that reads late still gets all of it" 0 "40960" "$tmp/bytes" --smp 2 -- /bin/sh -c 'sleep 2; wc -c'
# 300 KiB is far more than the console's ring, init's relay and the pipe
# hold: the rest must wait in the UART (flow control), none of it dropped.
head -c 307200 /dev/urandom >"$tmp/big"
check_in "300 KiB to a program that reads 3 s late: none lost" 0 "$(md5sum <"$tmp/big")" "$tmp/big" --smp 2 -- /bin/sh -c 'sleep 3; md5sum'
check_in "a program that does not read its input" 0 "done" "$tmp/bytes" -- /bin/echo done
check_in "from /dev/null: end of file at once" 0 "0" /dev/null -- /bin/sh -c 'wc -c; test ! -t 0'
out=$(printf 'one\ntwo\n' | "$run" -- /bin/sh -c 'test -t 0 || echo "not a tty"; sort -r' 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "not a tty
two
one" ]; then echo "ok   a pipeline's input is a pipe, not the console"; else
	echo "FAIL a pipeline's input: status $rc, output: $out"; fail=1; fi

# A program Ferry cannot start: status 127 and the kernel's reason, without --verbose.
# (A dynamically linked musl program runs: tests/os/interp.)
if command -v gcc >/dev/null; then
	printf 'int main(void) { return 0; }\n' >"$tmp/dyn.c"
	if gcc -o "$tmp/dyn" "$tmp/dyn.c" 2>/dev/null && readelf -lW "$tmp/dyn" | grep -q INTERP; then
		# glibc's, without its libraries (--no-libs): its interpreter is not in the image.
		expect "a dynamic program whose interpreter is missing: 127 and the kernel's reason" 127 "init: cannot run /bin/dyn: No such file or directory
init: the kernel says: its interpreter /lib64/ld-linux-x86-64.so.2 is not there" --no-libs --add "$tmp/dyn" -- /bin/dyn
	else
		echo "skip a dynamic program (gcc makes no dynamic program here)"
	fi
fi

# --help: the comment at the top of the script, on stdout, status 0.
out=$("$run" --help 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && grep -q "^Exit status:" <<<"$out" && ! grep -q "set -u" <<<"$out"; then
	echo "ok   --help"; else echo "FAIL --help: status $rc, output ends: $(tail -2 <<<"$out")"; fail=1; fi
printf 'added by --add\n' >"$tmp/note.txt"
expect "--add puts a file in the image" 0 "added by --add" --add "$tmp/note.txt:/etc/note.txt" -- /bin/cat /etc/note.txt
out=$("$run" --timeout 5 -- /bin/sleep 100 2>&1 </dev/null); rc=$?
if [ $rc -eq 124 ] && grep -q "timed out" <<<"$out"; then echo "ok   --timeout"; else echo "FAIL --timeout: status $rc: $out"; fail=1; fi
exit $fail
