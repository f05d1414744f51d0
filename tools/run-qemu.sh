#!/bin/bash
# `make run` / `make gdb`: boot Ferry on a standard PC (SeaBIOS) with 2 CPUs,
# console on this terminal. --gdb waits for gdb on localhost:1234.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
gdb=()
[ "${1:-}" = --gdb ] && gdb=(-s -S) && echo "run: waiting for gdb: gdb $top/build/ferry.elf -ex 'target remote :1234'"
exec qemu-system-x86_64 -M q35 -cpu max -smp 2 -m 512 -kernel "$top/build/ferry.elf" \
	-append "${FERRY_APPEND:-}" -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${gdb[@]}"
