#!/bin/bash
# Ferry's own programs, run on Linux as far as Linux allows: init's
# reporting, orphan reaping and exit codes (outside PID 1, and as PID 1 of
# a new PID namespace if this machine allows one), ps's fallback without
# getpstat, hello, and runtests' verdicts on failing and hanging tests.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
make --no-print-directory user >/dev/null || exit 1
bin=build/user/bin
fails=0
check() { # check NAME WANT-STATUS WANT-REGEX OUTPUT STATUS
	if [ "$5" -eq "$2" ] && grep -Eq -- "$3" <<<"$4"; then
		echo "ok - $1"
	else
		echo "not ok - $1: status $5 (want $2), output:"; sed 's/^/    /' <<<"$4"
		fails=$((fails + 1))
	fi
}

out=$($bin/init /bin/true 2>&1); check "init reports exit 0" 0 "^init: /bin/true exited with status 0$" "$out" $?
out=$($bin/init -- sh -c 'exit 3' 2>&1); check "init reports exit 3" 3 "^init: sh exited with status 3$" "$out" $?
out=$($bin/init sh -c 'kill -TERM $$' 2>&1); check "init reports a signal" 143 "^init: sh killed by signal 15$" "$out" $?
out=$($bin/init /nonexistent 2>&1); st=$?
check "init reports a missing command" 127 "cannot run /nonexistent.*exited with status 127" "$(tr '\n' ' ' <<<"$out")" $st
out=$($bin/init -v sh -c '(sh -c "sleep 0.2; exit 9" &); sleep 0.6; exit 4' 2>&1)
check "init reaps orphans while the command runs" 4 "reaped orphan [0-9]+ \(status 0x900\)" "$out" $?
out=$(env -u PATH $bin/init /usr/bin/printenv PATH 2>&1); check "init sets PATH=/bin when there is none" 0 "^/bin$" "$out" $?

# As PID 1 of a new PID namespace, init's power off (reboot) ends the
# namespace by SIGINT to init; where CAP_SYS_BOOT is missing it fails and
# init exits with the command's status. Never the host: init only calls
# reboot as PID 1, and this is never the host's PID 1.
if unshare --pid --fork true 2>/dev/null; then
	out=$(timeout 20 unshare --pid --fork $bin/init -v sh -c '(sh -c "exit 9" &); sleep 0.3; echo "pid $$"; exit 5' 2>&1)
	st=$? want=130
	[ $st -eq 5 ] && want=5
	check "init as PID 1: runs the command, reaps, powers off" $want "pid 2.*init: sh exited with status 5" "$(tr '\n' ' ' <<<"$out")" $st
	check "init as PID 1 reaps orphans" $want "reaped orphan" "$out" $st
else
	echo "skip - no PID namespaces here: init as PID 1 not tried"
fi

out=$($bin/ferry-ps 2>&1); check "ferry-ps without getpstat says so" 1 "getpstat is not available" "$out" $?
out=$($bin/ferry-ps --help 2>&1); check "ferry-ps --help" 0 "^  RSS_K" "$out" $?
out=$($bin/hello a b 2>&1); check "hello" 0 "^hello, world$" "$out" $?

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nexit 0\n' >"$tmp/a-pass"
printf '#!/bin/sh\nexit 3\n' >"$tmp/b-exit"
printf '#!/bin/sh\nkill -SEGV $$\n' >"$tmp/c-segv"
printf '#!/bin/sh\nexec sleep 10\n' >"$tmp/d-hang"
printf 'not a test\n' >"$tmp/e-not-executable"
chmod +x "$tmp/a-pass" "$tmp/b-exit" "$tmp/c-segv" "$tmp/d-hang"
out=$($bin/runtests -t 1 "$tmp" 2>&1); st=$?
check "runtests passes a passing test" 1 "^PASS a-pass$" "$out" $st
check "runtests fails a non-zero exit" 1 "^FAIL b-exit \(exited with 3\)$" "$out" $st
check "runtests fails a crash" 1 "^FAIL c-segv \(killed by signal 11\)$" "$out" $st
check "runtests times out a hang" 1 "^FAIL d-hang \(killed by signal 14: timed out\)$" "$out" $st
check "runtests skips non-executables and counts" 1 "^runtests: 1 passed, 3 failed$" "$out" $st
out=$($bin/runtests "$tmp/a-pass" 2>&1); check "runtests exits 0 when all pass" 0 "1 passed, 0 failed" "$out" $?

echo "# user-linux: $fails failed"
[ $fails -eq 0 ]
