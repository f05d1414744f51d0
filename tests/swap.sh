#!/bin/bash
# Swap, reclaim and the end of memory, on a 128 MiB machine (2 CPUs):
#  - a swap partition made by the host's mkswap: four processes fill and
#    re-read 128 MiB each (four times the machine), every word right;
#    /proc/swaps and /proc/meminfo agree; swapoff brings everything back
#    and it is still right;
#  - a swap file on an ext2 root: swapon, the same pressure, the file is
#    busy (ETXTBSY) while it is an area, swapoff; busybox mkswap inside
#    Ferry makes a file that swapon takes; a file with holes (busybox
#    refuses it itself) and one with no header are refused (EINVAL);
#  - the page cache gives way: a 96 MiB file read into the cache, then
#    80 MiB of anonymous memory with no swap: the program runs, the cache
#    shrinks;
#  - no swap at all: a memory hog is killed by the out-of-memory killer
#    with its one console line, twice in one boot, and the shell and the
#    kernel go on.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null 2>&1 || { echo "swap: build failed"; exit 1; }
MKSWAP=$(command -v mkswap || echo /sbin/mkswap)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
tmp=$(mktemp -d /tmp/ferry-swap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
. "$top/tests/lib/checks.sh"

boot() { # timeout, command, disks...: the console output
	local to=$1 cmd=$2
	shift 2
	local d=()
	for img in "$@"; do d+=(--disk "$img"); done
	local root=""
	[ "${ROOT:-}" ] && root="root=/dev/vda"
	"$top/tools/qemu-boot.sh" --smp 2 --mem 128 --timeout "$to" --initrd "$top/build/initrd.cpio" \
		"${d[@]}" -- "$root -- /bin/sh -c '$cmd'" 2>&1 | tr -d '\r'
}

wantok() { # what, output, a whole line that must be there (as t.h prints it)
	if grep -qxF -- "$3" <<<"$2"; then echo "ok   $1"; else
		echo "FAIL $1: no line '$3' in:"; sed 's/^/    /' <<<"$2" | tail -30; fail=1; fi
}

wantre() { # what, output, an extended regex a line must match
	if grep -qE -- "$3" <<<"$2"; then echo "ok   $1"; else
		echo "FAIL $1: nothing like '$3' in:"; sed 's/^/    /' <<<"$2" | tail -30; fail=1; fi
}

nowant() { # what, output, a line that must not be there (extended regex)
	if grep -qE -- "$3" <<<"$2"; then echo "FAIL $1:"; grep -E -- "$3" <<<"$2" | sed 's/^/    /'; fail=1
	else echo "ok   $1"; fi
}

# ---- a swap partition ----
part=$tmp/part.img
truncate -s 512M "$part"
"$MKSWAP" "$part" >/dev/null 2>&1
out=$(boot 900 'swapon /dev/vda && cat /proc/swaps; /tests/memstress --procs 4 --mib 128 --keep 16 --then "cat /proc/swaps; grep -E \"^(Swap|MemFree)\" /proc/meminfo; grep -h VmSwap /proc/[0-9]*/status | sort | tail -1; swapoff /dev/vda && echo swapoff-done; cat /proc/swaps; grep ^Swap /proc/meminfo"' "$part")
want "swapon of a partition" "$out" "swap: /dev/vda: 524284 KiB on vda"
want "/proc/swaps lists it" "$out" "/dev/vda                                partition       524284"
wantok "4 x 128 MiB filled and read back on 128 MiB with swap" "$out" "ok - 4 processes filled 128 MiB each and read every word back"
want "swapoff brought every page back" "$out" "swapoff-done"
wantok "what was kept is right after swapoff" "$out" "ok - every process found the 16 MiB it kept intact afterwards"
wantok "memstress: no failure" "$out" "# memstress: 3 checks, 0 failed"
want "SwapTotal after swapoff" "$out" "SwapTotal:             0 kB"
used=$(grep -A1 '^Filename' <<<"$out" | sed -n 's|^/dev/vda  *partition  *524284  *\([0-9]*\).*|\1|p' | sed -n 2p)
free=$(grep '^SwapFree:' <<<"$out" | head -1 | awk '{print $2}')
# Read a moment apart: a page or two may come back in between.
if [ -n "$used" ] && [ -n "$free" ] && [ $((used + free - 524284)) -ge 0 ] &&
	[ $((used + free - 524284)) -le 1024 ]; then
	echo "ok   /proc/swaps used ($used) + SwapFree ($free) = SwapTotal"
else
	echo "FAIL /proc/swaps and /proc/meminfo disagree (used '$used', free '$free')"; fail=1
fi
vmswap=$(grep -o 'VmSwap:[[:space:]]*[0-9]*' <<<"$out" | awk '{print $2}' | sort -n | tail -1)
if [ "${vmswap:-0}" -gt 0 ]; then echo "ok   VmSwap shows pages out ($vmswap kB)"; else
	echo "FAIL no process shows VmSwap"; fail=1; fi
want "the shell went on" "$out" "init: /bin/sh exited with status 0"
nowant "no panic" "$out" "panic|not ok"

# ---- a swap file on an ext2 root, and busybox mkswap ----
stage=$tmp/stage
mkdir -p "$stage"
cp -a "$top/build/initrd.root/." "$stage/"
# Random contents, so the file has no holes; mkswap writes the header page.
head -c $((192 << 20)) /dev/urandom >"$stage/swapfile"
"$MKSWAP" "$stage/swapfile" >/dev/null 2>&1
chmod 600 "$stage/swapfile"
# mkswap zeroes the boot block and leaves the header page's tail zero: 1 KiB
# blocks of zeros that mke2fs -d would leave as holes. Neither is read.
python3 - "$stage/swapfile" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
	for off, n in ((0, 1024), (1536, 2048)):
		f.seek(off)
		f.write(os.urandom(n))
PY
head -c $((96 << 20)) /dev/urandom >"$stage/big"
root=$tmp/root.img
truncate -s 400M "$root"
"$MKE2FS" -q -F -t ext2 -E root_owner=0:0 -d "$stage" "$root" >/dev/null 2>&1
rm -rf "$stage"
out=$(ROOT=1 boot 900 'swapon /swapfile && cat /proc/swaps; echo x >>/swapfile || echo busy-refused; /tests/memstress --procs 2 --mib 128 --keep 16 --then "swapoff /swapfile && echo swapoff-done"; dd if=/dev/urandom of=/sw2 bs=1M count=16 2>/dev/null; mkswap /sw2 >/dev/null && swapon /sw2 && grep -c ^/sw2 /proc/swaps && swapoff /sw2 && echo sw2-done; truncate -s 16M /holes; mkswap /holes >/dev/null; swapon /holes || echo holes-refused; dd if=/dev/urandom of=/nohdr bs=1M count=4 2>/dev/null; swapon /nohdr || echo nohdr-refused; sync' "$root")
# Pages whose 1 KiB blocks a block map splits are left out, as on Linux: a little under 192 MiB.
if grep -qE '^swap: /swapfile: 19[0-9]{4} KiB on vda' <<<"$out" &&
	grep -qE '^/swapfile +file +19[0-9]{4} ' <<<"$out"; then
	echo "ok   swapon of a swap file, in /proc/swaps"
else
	echo "FAIL swapon of a swap file:"; grep -E "swap" <<<"$out" | sed 's/^/    /'; fail=1
fi
want "an active swap file cannot be written (ETXTBSY)" "$out" "busy-refused"
wantok "2 x 128 MiB on 128 MiB with a swap file" "$out" "ok - 2 processes filled 128 MiB each and read every word back"
want "swapoff of the file" "$out" "swapoff-done"
wantok "kept memory right after swapoff of the file" "$out" "ok - every process found the 16 MiB it kept intact afterwards"
want "busybox mkswap's file is taken and let go" "$out" "sw2-done"
want "a file with holes is refused" "$out" "holes-refused"
want "a file with no swap header is refused" "$out" "nohdr-refused"
want "it says why" "$out" "swapon: /nohdr: no SWAPSPACE2 signature"
want "the shell went on" "$out" "init: /bin/sh exited with status 0"
nowant "no panic" "$out" "panic|not ok"
fsck "$root" "swapping to a file on it"

# ---- the page cache gives way; then the out-of-memory killer ----
out=$(ROOT=1 boot 600 'cat /big >/dev/null; grep ^Cached: /proc/meminfo; /tests/memstress --procs 1 --mib 80 --keep 1; grep ^Cached: /proc/meminfo; /tests/memstress --procs 1 --mib 200 --keep 1 --expect-oom; /tests/memstress --procs 2 --mib 100 --keep 1 --expect-oom; /tests/memstress' "$root")
c1=$(grep '^Cached:' <<<"$out" | sed -n 1p | awk '{print $2}')
c2=$(grep '^Cached:' <<<"$out" | sed -n 2p | awk '{print $2}')
if [ "${c1:-0}" -gt 65536 ] && [ "${c2:-0}" -lt $((c1 - 32768)) ]; then
	echo "ok   the page cache gave way to anonymous memory (Cached $c1 -> $c2 kB)"
else
	echo "FAIL the page cache did not shrink (Cached '$c1' -> '$c2' kB)"; fail=1
fi
wantok "80 MiB of anonymous memory beside a cached 96 MiB file, no swap" "$out" "ok - 1 processes filled 80 MiB each and read every word back"
n=$(grep -cE '^ferry: out of memory: killed pid [0-9]+ \(memstress\), [0-9]+ KiB resident$' <<<"$out")
if [ "$n" -ge 2 ]; then echo "ok   the out-of-memory killer said so ($n kills)"; else
	echo "FAIL out-of-memory kills: $n"; grep -E "out of memory" <<<"$out" | sed 's/^/    /'; fail=1; fi
wantre "a 200 MiB hog was killed" "$out" "^ok - a child ended before filling 200 MiB"
wantre "of two 100 MiB hogs, one was killed, the other right" "$out" "^ok - the out-of-memory killer ended"
wantok "memory is whole again afterwards" "$out" "ok - 4 processes filled 8 MiB each and read every word back"
want "the shell went on" "$out" "init: /bin/sh exited with status 0"
nowant "no panic" "$out" "panic"

exit $fail
