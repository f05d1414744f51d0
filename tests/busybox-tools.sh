#!/bin/bash
# Busybox's procfs readers on Ferry, in one boot: ps, free, uptime, mount,
# top -b -n 1, and df, dmesg (syslog(2)) and /tmp, plus the bad input of /proc and mount(2)
# as a shell sees it. Each tool's output is checked for the lines that
# show it found what it reads in /proc. An /etc/rc is added too: init
# runs it before the command.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/tools.sh" <<'SCRIPT'
echo "== ps"; ps
echo "== free"; free
echo "== uptime"; uptime
echo "== mount"; mount
echo "== top"; top -b -n 1
echo "== df"; df /tmp
echo "== dmesg"; dmesg | head -3; dmesg -r | head -1; dmesg -c >/dev/null; echo "cleared: $(dmesg | wc -c) bytes"
echo "== tmp"; echo written >/tmp/f && cat /tmp/f && ls -ld /tmp
echo "== bad"
cat /proc/999999/stat 2>&1 || echo "cat status $?"
mount -t bogus none /tmp 2>&1 || echo "mount status $?"
umount / 2>&1 || echo "umount status $?"
echo "== rc"; cat /tmp/rc-ran
echo "== end"
SCRIPT
printf 'test -r /proc/$$/stat && echo "rc ran as pid $$ with /proc/$$/stat there" >/tmp/rc-ran\n' >"$tmp/rc"
out=$("$top/tools/ferry-run" --timeout 300 --add "$tmp/tools.sh:/tools.sh" --add "$tmp/rc:/etc/rc" -- /bin/sh /tools.sh 2>&1)
rc=$?
fail=0
section() { sed -n "/^== $1\$/,/^== /p" <<<"$out"; }
check() { # description, section, extended regex that must match in it
	if section "$2" | grep -Eq "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1: no /$3/ in:"; section "$2" | sed 's/^/    /' | head -20
		fail=1
	fi
}
if [ $rc -ne 0 ]; then
	echo "FAIL the script exited with $rc:"; tail -20 <<<"$out" | sed 's/^/    /'
	exit 1
fi
check "ps lists init and itself" ps '^ +1 root .*init'
check "ps shows the shell's command line" ps '/bin/sh /tools.sh'
check "free reads meminfo" free '^Mem: +[1-9][0-9]+ +[0-9]+ +[0-9]+'
check "uptime shows a load average" uptime 'up .*load average: [0-9.]+, [0-9.]+, [0-9.]+'
check "mount reads /proc/mounts" mount '^proc on /proc type proc'
check "mount shows the tmpfs on /tmp" mount '^tmpfs on /tmp type tmpfs'
check "top's memory line" top '^Mem: [0-9]+K used, [0-9]+K free'
check "top's CPU line" top '^CPU: +[0-9]+% usr'
check "top lists processes" top 'PID +PPID +USER +STAT +VSZ'
check "top lists itself" top ' R .*top -b -n 1'
check "df sees the tmpfs" df '^tmpfs +[1-9][0-9]+ '
check "dmesg shows the boot messages the console left out (loglevel=0)" dmesg '^Ferry kernel booting$'
check "dmesg -r shows their syslog level" dmesg '^<6>Ferry kernel booting$'
check "dmesg -c clears the log" dmesg '^cleared: 0 bytes$'
check "/tmp is writable, mode 1777" tmp '^drwxrwxrwt'
check "a missing pid is ENOENT" bad "can't open '/proc/999999/stat': No such file or directory"
check "an unknown file system type is ENODEV" bad 'No such device'
check "umount / is refused" bad "can't unmount /: (Device or resource busy|Invalid argument)"
check "init ran /etc/rc first" rc '^rc ran as pid [0-9]+ with /proc/[0-9]+/stat there$'
exit $fail
