#!/bin/bash
# Build build/ferry-selftest.iso and boot it through GRUB under the given
# firmware (bios or uefi); pass (exit 0) only if QEMU exits with 33 and the
# console shows the multiboot2 hand-off and "selftest: all passed". Serial
# output goes to stdout. Used by tests/boot-grub-*.sh.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
firmware=${1:?usage: $0 bios|uefi}
timeout=${GRUB_TEST_TIMEOUT:-120}

make -C "$top" --no-print-directory iso-selftest || { echo "grub-selftest: cannot build the ISO"; exit 1; }
out=$(mktemp --tmpdir ferry-grub-serial.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT

start=$SECONDS
"$here/grub-boot.sh" --firmware "$firmware" --timeout "$timeout" "$top/build/ferry-selftest.iso" >"$out" 2>&1
rc=$?
secs=$((SECONDS - start))
cat "$out"
echo
echo "grub-selftest: $firmware: QEMU status $rc after ${secs} s"
fail() { echo "grub-selftest: $firmware: FAIL: $1"; exit 1; }
[ "$rc" -eq 124 ] && fail "timed out after $timeout s"
[ "$rc" -eq 33 ] || fail "QEMU exit status $rc, not 33"
grep -aq "boot: loader multiboot2" "$out" || fail "no 'boot: loader multiboot2' line"
grep -aq "selftest: all passed" "$out" || fail "no 'selftest: all passed' line"
echo "grub-selftest: $firmware: PASS"
