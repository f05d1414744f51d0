#!/bin/bash
# The Linux side of `make bench`: boot Debian's own kernel (linux-image-amd64)
# in the benchmark QEMU setup with an initramfs of busybox-static and the
# benchmark programs, and the benchmark disk (tools/bench-disk.sh) on
# virtio-blk: --icount-runs times under -icount (1 CPU) and --runs times
# under plain TCG (2 CPUs). When a program of the list is tagged debian, a
# fresh copy of the Debian image of `make debian` (build/debian.img) is the
# second disk, mounted on /debian, where the program chroots.
#   tools/bench-linux.sh [--config default|lean] [--runs N] [--icount-runs N] [--timeout S]
# Two configurations, each with its own logs in build/bench/linux-CONFIG/
# (tools/bench-report.py reads them):
#   default  Debian's kernel command line on `-cpu max`, as a user gets it.
#   lean     `-cpu max,erms=off,fsrm=off` (the CPU Ferry always runs on:
#            no byte-wise `rep movsb`, which -icount charges per byte), and
#            no zeroing of every allocation, no kernel-stack randomisation,
#            no mitigations (init_on_alloc=0 randomize_kstack_offset=off
#            mitigations=off).
# Both add no_timer_check (a 2-CPU boot on a loaded host can otherwise panic
# with "IO-APIC + timer doesn't work!") and, in wall mode, clocksource=tsc
# tsc=reliable (else Linux finds the two emulated CPUs' TSCs "unsynchronized"
# and takes the emulated HPET, and clock_gettime would measure QEMU's device
# emulation rather than the kernel; Ferry reads the TSC).
# --timeout is each boot's wall-clock limit (default 5400 s: a backstop for
# a hung kernel, long enough for a host busy with two other such jobs); a
# hung program is stopped by a guest-time limit (`tools/bench-qemu-flags
# MODE limit`).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
bins=$top/build/bench/bin
config=default runs=3 icount_runs=1 timeout=5400
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--icount-runs) icount_runs=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: bench-linux.sh [--config default|lean] [--runs N] [--icount-runs N] [--timeout S]" >&2; exit 2 ;;
	esac
done
cmdline="console=ttyS0 quiet no_timer_check"
bench_limit() { "$here/bench-qemu-flags" "$1" limit; }
case "$config" in
default) cpu=default ;;
lean) cpu=lean cmdline="$cmdline init_on_alloc=0 randomize_kstack_offset=off mitigations=off" ;;
*) echo "bench-linux: --config takes default or lean" >&2; exit 2 ;;
esac
out=$top/build/bench/linux-$config

vmlinuz=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$vmlinuz" ] || { echo "bench-linux: no /boot/vmlinuz-*: run tools/bench-deps.sh" >&2; exit 1; }
version=${vmlinuz#/boot/vmlinuz-}
[ -f "$bins/list" ] || { echo "bench-linux: run make bench-bins first" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.log

# The uncompressed kernel boots through its PVH entry, far faster under TCG
# than the compressed bzImage; without a PVH note, fall back to bzImage.
kernel=$top/build/bench/vmlinux-$version
if [ ! -s "$kernel" ]; then
	echo "bench-linux: extracting vmlinux from $vmlinuz"
	"$here/bench-vmlinux.sh" "$vmlinuz" >"$kernel.tmp" && mv "$kernel.tmp" "$kernel" ||
		{ rm -f "$kernel.tmp"; exit 1; }
fi
if readelf -nW "$kernel" | grep -Eq 'PHYS32_ENTRY|\(0x00000012\)'; then
	image="vmlinux $version (PVH entry)"
else
	echo "bench-linux: $kernel has no PVH entry note: booting the bzImage instead"
	kernel=$vmlinuz
	image="bzImage $version (no PVH note in vmlinux)"
fi

# The initramfs: busybox with a link per applet (as Ferry's image has them),
# /init, the benchmarks in /bench, and the modules Debian builds virtio-blk
# and ext4 (which mounts ext2) as, loaded by /init in this order, for the
# benchmark disk (tools/bench-disk.sh) on /disk.
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,bench,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
mods=/lib/modules/$version/kernel
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
	drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
	lib/crc16 crypto/crc32c_generic fs/mbcache fs/jbd2/jbd2 fs/ext4/ext4; do
	# Built in (=y) needs no module; a missing one shows as "@@meta disk none" in the log.
	f=$(ls "$mods/$m.ko"* 2>/dev/null | head -1)
	[ -n "$f" ] || continue
	case "$f" in
	*.ko) cp "$f" "$root/lib/modules/" ;;
	*.ko.xz) xz -dc "$f" >"$root/lib/modules/$(basename "$m").ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/lib/modules/$(basename "$m").ko" ;;
	*.ko.gz) gzip -dc "$f" >"$root/lib/modules/$(basename "$m").ko" ;;
	esac
	basename "$m" >>"$root/lib/modules/order"
done
cp "$top/bench/linux-init" "$root/init"
cp "$bins"/* "$root/bench/"
python3 "$here/bench-cpio.py" "$out/initramfs.cpio" "$root" --node dev/console:c:5:1 || exit 1

boot() {	# mode run
	local mode=$1 log=$out/$1-$2.log args=$cmdline
	# The guest-time limit of each program (bench_limit above).
	args="$args bench_timeout=$(bench_limit "$mode") bench_iotimeout=$("$here/bench-qemu-flags" "$mode" iolimit)"
	[ "$mode" = wall ] && args="$args clocksource=tsc tsc=reliable"
	echo "bench-linux ($config): $mode boot $2 ($("$here/bench-qemu-flags" "$mode" smp) CPU)"
	# A fresh benchmark disk each boot, attached as tools/qemu-boot.sh attaches Ferry's.
	"$here/bench-disk.sh" "$out/disk.img" || exit 1
	local debian=()
	if [ "$need_debian" = 1 ]; then
		cp --sparse=always "$top/build/debian.img" "$out/debian.img" || exit 1
		# shellcheck disable=SC2054 # QEMU's commas, within one argument
		debian=(-drive "file=$out/debian.img,if=none,format=raw,id=d1"
			-device virtio-blk-pci,drive=d1,disable-legacy=on)
	fi
	"$here/bench-boot.sh" "$cpu" "$mode" "$log" "$timeout" -kernel "$kernel" \
		-initrd "$out/initramfs.cpio" -append "$args bench_mode=$mode" \
		-drive "file=$out/disk.img,if=none,format=raw,id=d0" \
		-device virtio-blk-pci,drive=d0,disable-legacy=on "${debian[@]}"
	local rc=$?
	rm -f "$out/debian.img" # about 700 MiB of data
	{
		echo "@@host kernel $image"
		echo "@@host config linux-$config"
	} >>"$log"
	if [ $rc -ne 0 ]; then
		echo "bench-linux ($config): $mode boot $2 did not finish (see $log):"
		tail -15 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}
need_debian=0
if grep -q ' debian' "$bins/list"; then
	[ -f "$top/build/debian.img" ] || { echo "bench-linux: no build/debian.img: make debian" >&2; exit 1; }
	need_debian=1
fi
failed=0
start=$SECONDS
boots=$((icount_runs + runs))
for i in $(seq 1 "$icount_runs"); do boot icount "$i"; done
for i in $(seq 1 "$runs"); do boot wall "$i"; done
echo "bench-linux ($config): $boots boots in $((SECONDS - start)) s, $failed failed"
[ "$failed" -eq 0 ]
