#!/bin/bash
# System V shared memory under memory pressure, on a 128 MiB machine (2
# CPUs) with a swap partition: a 192 MiB segment is filled and read back
# whole by a child that attaches it, part of it goes to swap (the swap
# column of /proc/sysvipc/shm), and an 8 MiB SHM_LOCKed segment keeps
# every page in memory and intact (tests/os/sysv_shm.c --pressure).
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
make --no-print-directory -C "$top" kernel initrd >/dev/null 2>&1 || { echo "sysv-shm-swap: build failed"; exit 1; }
MKSWAP=$(command -v mkswap || echo /sbin/mkswap)
tmp=$(mktemp -d /tmp/ferry-shmswap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
E2FSCK=true
. "$top/tests/lib/checks.sh"

truncate -s 512M "$tmp/part.img"
"$MKSWAP" "$tmp/part.img" >/dev/null 2>&1
out=$("$top/tools/qemu-boot.sh" --smp 2 --mem 128 --timeout 900 --initrd "$top/build/initrd.cpio" \
	--disk "$tmp/part.img" -- " -- /bin/sh -c 'swapon /dev/vda && /tests/sysv_shm --pressure 192'" 2>&1 | tr -d '\r')
want "swapon" "$out" "swap: /dev/vda: 524284 KiB on vda"
want "a 192 MiB segment read back whole on 128 MiB" "$out" "ok - a child read every word of the 192 MiB segment back"
want "part of it went to swap" "$out" "ok -   part of it went to swap"
want "a SHM_LOCKed segment stays in memory" "$out" "ok -   none of the locked one did (0 KiB)"
want "and is intact" "$out" "ok -   the locked one is intact"
want "no failed check" "$out" "# sysv_shm: 5 checks, 0 failed"
if grep -qE "panic|not ok" <<<"$out"; then echo "FAIL a panic or a failed check:"; grep -E "panic|not ok" <<<"$out" | sed 's/^/    /'; fail=1; fi
[ "$fail" -eq 0 ] && echo "sysv-shm-swap: all passed"
exit "$fail"
