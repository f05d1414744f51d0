#!/bin/bash
# Boot a Ferry ISO through GRUB on a standard PC (q35) under SeaBIOS or UEFI
# (OVMF), console on stdout, and leave QEMU's exit status: 33 = the kernel
# reported success, 35 = failure or panic, 124 = timeout.
#   tools/grub-boot.sh [--firmware bios|uefi] [--smp N] [--mem MiB]
#                      [--timeout S] [--interactive] [--display D] [--qemu ARG]... ISO
# --interactive (make run): no timeout, keyboard to the serial port,
# Ctrl-A c for QEMU's monitor, and a reset reboots the machine (otherwise
# QEMU exits on a reset, -no-reboot, so a test cannot loop). --display D opens a window (gtk, sdl) with
# the VGA screen; the default is none.
set -u
firmware=bios smp=1 mem=256 timeout=120 interactive=0 display=none
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--firmware) firmware=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--display) display=$2; shift 2 ;;
	--qemu) extra+=("$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "grub-boot: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [options] ISO" >&2; exit 2; }
iso=$1
[ -f "$iso" ] || { echo "grub-boot: no ISO $iso" >&2; exit 2; }

fw=()
case "$firmware" in
bios) ;; # QEMU's default firmware is SeaBIOS
uefi)
	code=/usr/share/OVMF/OVMF_CODE.fd vars=/usr/share/OVMF/OVMF_VARS.fd
	if [ ! -f "$code" ] || [ ! -f "$vars" ]; then
		echo "grub-boot: OVMF not found (Debian package ovmf)" >&2
		exit 2
	fi
	# UEFI writes its variables (boot entries): give it a private copy.
	varcopy=$(mktemp --tmpdir ferry-ovmf-vars.XXXXXX) || exit 2
	trap 'rm -f "$varcopy"' EXIT
	cp "$vars" "$varcopy" || exit 2
	fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
		-drive "if=pflash,format=raw,unit=1,file=$varcopy")
	;;
*) echo "grub-boot: --firmware wants bios or uefi" >&2; exit 2 ;;
esac

# shellcheck disable=SC2054 # the commas are QEMU's
args=(-M q35 -cpu max -smp "$smp" -m "$mem" "${fw[@]}" -cdrom "$iso" -display "$display"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg)
[ "$interactive" -eq 1 ] || args+=(-no-reboot)
# Not exec: the EXIT trap must remove the variables copy.
if [ "$interactive" -eq 1 ]; then
	qemu-system-x86_64 "${args[@]}" -serial mon:stdio "${extra[@]}"
else
	timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" -monitor none \
		-serial stdio "${extra[@]}" </dev/null
fi
