#!/bin/bash
# The Linux side of `make bench`: boot Debian's own kernel (linux-image-amd64)
# in the benchmark QEMU setup with an initramfs of busybox-static and the
# benchmark programs, and the benchmark disk (tools/bench-disk.sh) on
# virtio-blk, once under -icount and --runs times under plain TCG.
# Logs go to build/bench/linux/; tools/bench-report.py reads them.
#   tools/bench-linux.sh [--runs N] [--icount-runs N] [--timeout S]
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
out=$top/build/bench/linux
bins=$top/build/bench/bin
runs=3 icount_runs=1 timeout=900
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--icount-runs) icount_runs=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "usage: bench-linux.sh [--runs N] [--icount-runs N] [--timeout S]" >&2; exit 2 ;;
	esac
done
# Linux defaults, but for the console: nothing that changes its speed.
cmdline="console=ttyS0 quiet"

vmlinuz=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$vmlinuz" ] || { echo "bench-linux: no /boot/vmlinuz-*: run tools/bench-deps.sh" >&2; exit 1; }
version=${vmlinuz#/boot/vmlinuz-}
[ -f "$bins/list" ] || { echo "bench-linux: run make bench-bins first" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.log

# The uncompressed kernel boots through its PVH entry, far faster under TCG
# than the compressed bzImage; without a PVH note, fall back to bzImage.
kernel=$out/vmlinux-$version
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

# The initramfs: busybox, /init, the benchmarks in /bench, and the modules
# Debian builds virtio-blk and ext4 (which mounts ext2) as, loaded by /init
# in this order, for the benchmark disk (tools/bench-disk.sh) on /disk.
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,bench,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount umount poweroff echo cat cut uname nproc timeout insmod sleep mkdir rmdir; do
	ln -s busybox "$root/bin/$applet"
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
	local log=$out/$1-$2.log
	echo "bench-linux: $1 boot $2 ($("$here/bench-qemu-flags" "$1" smp) CPU)"
	# A fresh benchmark disk each boot, attached as tools/qemu-boot.sh attaches Ferry's.
	"$here/bench-disk.sh" "$out/disk.img" || exit 1
	"$here/bench-boot.sh" "$1" "$log" "$timeout" -kernel "$kernel" \
		-initrd "$out/initramfs.cpio" -append "$cmdline" \
		-drive "file=$out/disk.img,if=none,format=raw,id=d0" \
		-device virtio-blk-pci,drive=d0,disable-legacy=on
	local rc=$?
	echo "@@host kernel $image" >>"$log"
	if [ $rc -ne 0 ]; then
		echo "bench-linux: $1 boot $2 did not finish (see $log):"
		tail -15 "$log" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}
failed=0
start=$SECONDS
for i in $(seq 1 "$icount_runs"); do boot icount "$i"; done
for i in $(seq 1 "$runs"); do boot wall "$i"; done
echo "bench-linux: $((icount_runs + runs)) boots in $((SECONDS - start)) s, $failed failed"
[ "$failed" -eq 0 ]
