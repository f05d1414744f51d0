#!/bin/bash
# Boot the Ferry kernel once in QEMU on the fast test path (qboot + PVH) and
# leave QEMU's exit status: 33 = the kernel reported success, 35 = failure
# or panic, 124 = timeout. Console output goes to stdout; with --stdin,
# the serial console also reads this script's stdin (to drive a shell).
#   tools/qemu-boot.sh [--smp N] [--mem MiB] [--timeout S] [--accel tcg|kvm|auto]
#                      [--initrd FILE] [--qemu ARG]... [--stdin] [--] 'kernel command line'
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
smp=1 mem=256 timeout=120 accel=tcg initrd="" input=/dev/null kernel="${FERRY_KERNEL:-$top/build/ferry.elf}"
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--qemu) extra+=("$2"); shift 2 ;;
	--stdin) input=/dev/stdin; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
done
append="${1:-}"
[ "$accel" = auto ] && accel=$("$here/kvm-probe.sh")
args=(-M q35 -bios /usr/share/qemu/qboot.rom -cpu max -smp "$smp" -m "$mem"
	-kernel "$kernel" -append "$append" -display none -monitor none -serial stdio
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel "$accel")
[ -n "$initrd" ] && args+=(-initrd "$initrd")
exec timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" "${extra[@]}" <"$input"
