#!/bin/bash
# `make run` / `make gdb`: boot build/ferry.iso through GRUB on a standard PC
# (q35, SeaBIOS, 2 CPUs, 512 MiB), console on this terminal (Ctrl-A x quits,
# Ctrl-A c is QEMU's monitor). When build/run-disk.img and
# build/ferry-run.iso exist (make run builds them), it boots that ISO with
# the disk attached as the ext2 root (FERRY_DISK=FILE picks another image),
# and holds a lock (flock) on the disk meanwhile so that tools/run-disk.sh
# does not change it under QEMU (FERRY_ISO=FILE: another ISO for the
# disk; make run ROOT=debian boots build/ferry-debian.iso on build/debian.img).
# DISK.swap, when there, is attached too, as the second disk (its swap area).
# --gdb waits for gdb on localhost:1234.
# FERRY_FIRMWARE=uefi boots under OVMF instead; FERRY_DISPLAY=gtk (or sdl)
# opens a window with the VGA screen as well. Networking: a virtio-net card on
# QEMU's user networking (eth0 configured by DHCP); FERRY_NET=none leaves it
# out, FERRY_HOSTFWD='TCP:8080:80 ...' forwards host ports to Ferry's.
#
# A reset (busybox's reboot) boots the machine again; power off (poweroff,
# halt, or exit from the first shell) ends QEMU, and this script with
# status 0. Ctrl-A x ends QEMU at once, like a power cut: changes not yet
# committed to the disk's journal (at most 5 s old; sync and fsync commit)
# are lost, and the next make run replays the journal (tools/run-disk.sh).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
args=(--firmware "${FERRY_FIRMWARE:-bios}" --smp 2 --mem 512 --interactive
	--display "${FERRY_DISPLAY:-none}")
if [ "${1:-}" = --gdb ]; then
	args+=(--qemu -s --qemu -S)
	echo "run: waiting for gdb: gdb $top/build/ferry.elf -ex 'target remote :1234' -ex 'hbreak kmain' -ex c"
fi
if [ "${FERRY_NET:-user}" = user ]; then
	nd=user,id=n0
	for f in ${FERRY_HOSTFWD:-}; do
		if ! [[ "$f" =~ ^([tT][cC][pP]|[uU][dD][pP]):([0-9]+):([0-9]+)$ ]]; then
			echo "run: FERRY_HOSTFWD takes TCP:HOSTPORT:GUESTPORT words, not '$f'" >&2
			exit 2
		fi
		nd="$nd,hostfwd=${BASH_REMATCH[1],,}::${BASH_REMATCH[2]}-:${BASH_REMATCH[3]}"
	done
	args+=(--qemu -netdev --qemu "$nd" --qemu -device --qemu virtio-net-pci,netdev=n0,disable-legacy=on)
fi
iso=$top/build/ferry.iso
disk=${FERRY_DISK:-$top/build/run-disk.img}
root="the initrd in RAM"
run_iso=${FERRY_ISO:-$top/build/ferry-run.iso}
if [ -f "$disk" ] && [ -f "$run_iso" ]; then
	exec 9<"$disk"
	if ! flock -n 9; then
		echo "run: $disk is in use by another QEMU (a make run in another terminal?)" >&2
		exit 1
	fi
	iso=$run_iso
	root="ext2 on $disk"
	args+=(--qemu -drive --qemu "file=$disk,if=none,format=raw,id=d0"
		--qemu -device --qemu "virtio-blk-pci,drive=d0,disable-legacy=on")
	# Its swap area (tools/run-disk.sh makes it; the disk's /etc/fstab names it /dev/vdb).
	if [ -f "$disk.swap" ]; then
		args+=(--qemu -drive --qemu "file=$disk.swap,if=none,format=raw,id=d1"
			--qemu -device --qemu "virtio-blk-pci,drive=d1,disable-legacy=on")
		root="$root, swap on $disk.swap"
	fi
fi
echo "run: Ferry in QEMU, root $root. To stop: poweroff (or exit) in Ferry's shell." \
	"Ctrl-A x quits QEMU at once and may lose the last seconds of writes; Ctrl-A c is QEMU's monitor."
"$here/grub-boot.sh" "${args[@]}" "$iso"
rc=$?
# The kernel ends QEMU through isa-debug-exit: 33 is its success, 35 failure.
case $rc in
33) exit 0 ;;
35) exit 1 ;;
*) exit "$rc" ;;
esac
