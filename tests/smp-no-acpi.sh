#!/bin/bash
# A machine without ACPI tables (QEMU -no-acpi, 4 CPUs offered): Ferry must
# say so in one line, calibrate against the PIT, run on the boot CPU only
# and still pass its self-tests.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
out=$("$top/tools/qemu-boot.sh" --smp 4 --timeout 120 --qemu -no-acpi -- "selftest loglevel=2" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 33 ] || { echo "no-acpi: QEMU status $rc"; exit 1; }
for want in "acpi: no RSDP found" "measured against the PIT" "running on the boot cpu only" \
	"selftest: all passed"; do
	grep -qF "$want" <<<"$out" || { echo "no-acpi: missing '$want'"; exit 1; }
done
