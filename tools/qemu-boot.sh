#!/bin/bash
# Boot the Ferry kernel once in QEMU on the fast test path (qboot + PVH) and
# leave QEMU's exit status: 33 = the kernel reported success, 35 = failure
# or panic, 124 = timeout. Console output goes to stdout; with --stdin,
# the serial console also reads this script's stdin (to drive a shell).
# --bios seabios boots through QEMU's default firmware instead of qboot:
# slower, but SeaBIOS's VGA BIOS leaves the screen in text mode (qboot
# does not set the VGA up, so nothing written to it shows).
#   tools/qemu-boot.sh [--smp N] [--mem MiB] [--timeout S] [--accel tcg|kvm|auto]
#                      [--initrd FILE] [--disk FILE] [--qemu ARG]... [--stdin] [--bios qboot|seabios]
#                      [--cpu MODEL]
#                      [--] 'kernel command line'
# --disk attaches FILE (raw) as a modern-only virtio-blk disk; give it twice for two.
# --cpu sets QEMU's -cpu (default max; the benchmarks use max,erms=off,fsrm=off).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
smp=1 mem=256 timeout=120 accel=tcg cpu=max initrd="" input=/dev/null bios=qboot kernel="${FERRY_KERNEL:-$top/build/ferry.elf}"
extra=() disks=()
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--disk) disks+=("$2"); shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--qemu) extra+=("$2"); shift 2 ;;
	--stdin) input=/dev/stdin; shift ;;
	--bios) bios=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
append="${1:-}"
[ "$accel" = auto ] && accel=$("$here/kvm-probe.sh")
case "$bios" in
qboot) fw=(-bios /usr/share/qemu/qboot.rom) ;;
seabios) fw=() ;;
*) echo "qemu-boot.sh: --bios takes qboot or seabios" >&2; exit 2 ;;
esac
args=(-M q35 "${fw[@]}" -cpu "$cpu" -smp "$smp" -m "$mem"
	-kernel "$kernel" -append "$append" -display none -monitor none -serial stdio
	-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel "$accel")
[ -n "$initrd" ] && args+=(-initrd "$initrd")
for i in "${!disks[@]}"; do
	args+=(-drive "file=${disks[$i]},if=none,format=raw,id=d$i"
		-device "virtio-blk-pci,drive=d$i,disable-legacy=on")
done
exec timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" "${extra[@]}" <"$input"
