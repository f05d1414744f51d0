#!/bin/bash
# `make run` / `make gdb`: boot build/ferry.iso through GRUB on a standard PC
# (q35, SeaBIOS, 2 CPUs, 512 MiB), console on this terminal (Ctrl-A x quits,
# Ctrl-A c is QEMU's monitor). --gdb waits for gdb on localhost:1234.
# FERRY_FIRMWARE=uefi boots under OVMF instead; FERRY_DISPLAY=gtk (or sdl)
# opens a window with the VGA screen as well.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
args=(--firmware "${FERRY_FIRMWARE:-bios}" --smp 2 --mem 512 --interactive
	--display "${FERRY_DISPLAY:-none}")
if [ "${1:-}" = --gdb ]; then
	args+=(--qemu -s --qemu -S)
	echo "run: waiting for gdb: gdb $top/build/ferry.elf -ex 'target remote :1234' -ex 'hbreak kmain' -ex c"
fi
"$here/grub-boot.sh" "${args[@]}" "$top/build/ferry.iso"
rc=$?
# The kernel ends QEMU through isa-debug-exit: 33 is its success, 35 failure.
case $rc in
33) exit 0 ;;
35) exit 1 ;;
*) exit "$rc" ;;
esac
