#!/bin/bash
# A swap disk that fails in the middle of its writes (issue 11, bad
# input): the pages of a failed write stay in memory, one console line
# says so, the area takes no more pages and no data is lost.
#
# The failing disk is real to Ferry: QEMU's blkdebug driver between the
# virtio-blk disk and its image answers every write that touches one
# sector 16 MiB in with EIO (reads, and writes elsewhere, go through).
# On a 128 MiB machine (2 CPUs) it is the first swap area (the preferred
# one), a good 512 MiB disk the second; four processes fill and re-read
# 64 MiB each (twice the machine), every word checked; the areas are
# turned off one by one afterwards and what the processes kept is checked
# again.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null 2>&1 || { echo "swap-fail: build failed"; exit 1; }
MKSWAP=$(command -v mkswap || echo /sbin/mkswap)
tmp=$(mktemp -d /tmp/ferry-swap-fail.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

wantok() { # what, output, a whole line that must be there (as t.h prints it)
	if grep -qxF -- "$3" <<<"$2"; then echo "ok   $1"; else
		echo "FAIL $1: no line '$3' in:"; sed 's/^/    /' <<<"$2" | tail -30; fail=1; fi
}

bad=$tmp/bad.img good=$tmp/good.img
truncate -s 256M "$bad"
truncate -s 512M "$good"
"$MKSWAP" "$bad" >/dev/null 2>&1
"$MKSWAP" "$good" >/dev/null 2>&1
# Sector 32768 (16 MiB in): every write that covers it fails, for good.
cat >"$tmp/blkdebug.conf" <<'EOF'
[inject-error]
event = "pwritev"
iotype = "write"
errno = "5"
sector = "32768"
once = "off"
EOF

cmd='swapon /dev/vda && swapon /dev/vdb && cat /proc/swaps; /tests/memstress --procs 4 --mib 64 --keep 16 --then "cat /proc/swaps; swapoff /dev/vda && echo swapoff-bad-done; swapoff /dev/vdb && echo swapoff-good-done; cat /proc/swaps"'
out=$("$top/tools/qemu-boot.sh" --smp 2 --mem 128 --timeout 900 --initrd "$top/build/initrd.cpio" \
	--disk "blkdebug:$tmp/blkdebug.conf:$bad" --disk "$good" -- "-- /bin/sh -c '$cmd'" 2>&1 | tr -d '\r')

want "both areas on" "$out" "swap: /dev/vdb: 524284 KiB on vdb"
want "the failed write is said once on the console" "$out" \
	"swap: /dev/vda: a write failed: pages stay in memory, the area takes no more"
n=$(grep -c "a write failed" <<<"$out")
if [ "$n" = 1 ]; then echo "ok   one line, not one per page"; else
	echo "FAIL the failure was said $n times"; fail=1; fi
wantok "4 x 64 MiB filled and read back right on 128 MiB" "$out" \
	"ok - 4 processes filled 64 MiB each and read every word back"
# /proc/swaps while the processes wait: the bad area holds what it wrote
# before the failure (less than 16 MiB), the good one took the rest.
swaps=$(awk '/^Filename/ { n++ } n == 2' <<<"$out" | head -3)
bad_used=$(awk '$1 == "/dev/vda" { print $4 }' <<<"$swaps")
good_used=$(awk '$1 == "/dev/vdb" { print $4 }' <<<"$swaps")
if [ -n "$bad_used" ] && [ "$bad_used" -lt 16384 ] && [ "${good_used:-0}" -gt 0 ]; then
	echo "ok   the failing area stopped short of 16 MiB ($bad_used KiB), the good one took over ($good_used KiB)"
else
	echo "FAIL /proc/swaps: failing area '$bad_used' KiB, good area '$good_used' KiB:"
	sed 's/^/    /' <<<"$swaps"; fail=1
fi
want "swapoff of the failing area" "$out" "swapoff-bad-done"
want "swapoff of the good area" "$out" "swapoff-good-done"
wantok "what was kept is right after both swapoffs" "$out" \
	"ok - every process found the 16 MiB it kept intact afterwards"
wantok "memstress: no failure" "$out" "# memstress: 3 checks, 0 failed"
want "the shell went on" "$out" "init: /bin/sh exited with status 0"
if grep -qE "panic|not ok|out of memory" <<<"$out"; then
	echo "FAIL no panic, failed check or kill:"; grep -E "panic|not ok|out of memory" <<<"$out" | sed 's/^/    /'
	fail=1
else
	echo "ok   no panic, failed check or out-of-memory kill"
fi
[ $fail -eq 0 ] || { echo "---- console ----"; tail -60 <<<"$out"; }
exit $fail
