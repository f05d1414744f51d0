#!/bin/sh
# Check the kernel ELF has what both loaders need: a PVH note and a
# multiboot2 header in the first 32 KiB.
set -eu
elf=$1
readelf -n "$elf" | grep -q "Xen.*0x00000012" || readelf -n "$elf" | grep -q "Xen" || {
	echo "check-kernel: $elf has no PVH (Xen) ELF note" >&2; exit 1; }
if ! head -c 32768 "$elf" | od -An -tx4 -v | tr -s ' ' '\n' | grep -q '^e85250d6$'; then
	echo "check-kernel: $elf has no multiboot2 header in its first 32 KiB" >&2
	exit 1
fi
