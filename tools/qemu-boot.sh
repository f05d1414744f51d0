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
#                      [--cpu MODEL] [--net user|none] [--hostfwd PROTO:HOSTPORT:GUESTPORT]...
#                      [--] 'kernel command line'
# --disk attaches FILE (raw) as a modern-only virtio-blk disk; give it twice for two.
# --cpu sets QEMU's -cpu (default max; the benchmarks use max,erms=off,fsrm=off).
# --net user adds a modern-only virtio-net card on QEMU's user networking
# (guest 10.0.2.15, gateway and host 10.0.2.2, DNS 10.0.2.3); --hostfwd
# forwards a host port to a guest port (tcp or udp). The default is none.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
smp=1 mem=256 timeout=120 accel=tcg cpu=max initrd="" input=/dev/null bios=qboot kernel="${FERRY_KERNEL:-$top/build/ferry.elf}"
extra=() disks=() net=none fwds=()
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
	--net) net=$2; shift 2 ;;
	--hostfwd) fwds+=("$2"); shift 2 ;;
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
case "$net" in
user)
	nd=user,id=n0
	for f in "${fwds[@]}"; do
		if ! [[ "$f" =~ ^([tT][cC][pP]|[uU][dD][pP]):([0-9]+):([0-9]+)$ ]]; then
			echo "qemu-boot.sh: --hostfwd takes TCP:HOSTPORT:GUESTPORT (or UDP:...), not '$f'" >&2
			exit 2
		fi
		nd="$nd,hostfwd=${BASH_REMATCH[1],,}::${BASH_REMATCH[2]}-:${BASH_REMATCH[3]}"
	done
	args+=(-netdev "$nd" -device virtio-net-pci,netdev=n0,disable-legacy=on) ;;
none)
	[ ${#fwds[@]} -eq 0 ] || { echo "qemu-boot.sh: --hostfwd needs --net user" >&2; exit 2; } ;;
*) echo "qemu-boot.sh: --net takes user or none" >&2; exit 2 ;;
esac
exec timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" "${extra[@]}" <"$input"
