#!/bin/bash
# virtio-blk and the block cache against a real disk image: boot with a
# scratch raw image attached, run the self-tests (which write patterns,
# flush, read back, keep many requests in flight, and sync the cache),
# then check on the host that the patterns really are in the file.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
img=$(mktemp /tmp/ferry-vblk.XXXXXX.img)
trap 'rm -f "$img" "$img".want' EXIT
truncate -s 16M "$img"
out=$("$top/tools/qemu-boot.sh" --smp 2 --timeout 180 --disk "$img" -- "selftest loglevel=2" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 33 ] || { echo "virtio-blk: QEMU status $rc"; exit 1; }
for want in "virtio-blk: vda at" "selftest: virtio_blk_rw_flush_inflight ok" \
	"selftest: bcache_get_dirty_sync ok" "selftest: all passed"; do
	grep -qF "$want" <<<"$out" || { echo "virtio-blk: missing '$want'"; exit 1; }
done
# Sector 2048 on: 64 sectors of "ferry-blk NNNNN\n" lines (virtio_blk_test.c).
for i in $(seq 0 2047); do printf 'ferry-blk %05u\n' "$i"; done >"$img.want"
cmp <(dd if="$img" bs=512 skip=2048 count=64 status=none) "$img.want" ||
	{ echo "virtio-blk: the written sectors are not in the image"; od -c -N 64 -j 1048576 "$img"; exit 1; }
# 4 KiB block 512 (2 MiB): "bcache-NNNNNNNN\n" lines, written back by bcache_sync (bcache_test.c).
for i in $(seq 0 255); do printf 'bcache-%08u\n' "$i"; done >"$img.want"
cmp <(dd if="$img" bs=4096 skip=512 count=1 status=none) "$img.want" ||
	{ echo "virtio-blk: the synced block is not in the image"; od -c -N 64 -j 2097152 "$img"; exit 1; }
# Block 577: dirtied and never synced; the write-back task or the power-off wrote it.
for i in $(seq 100000 100255); do printf 'bcache-%08u\n' "$i"; done >"$img.want"
cmp <(dd if="$img" bs=4096 skip=577 count=1 status=none) "$img.want" ||
	{ echo "virtio-blk: the block left dirty was not written back"; exit 1; }
# Block 578: made by bcache_get_new (never read), written by the sync.
for i in $(seq 200000 200255); do printf 'bcache-%08u\n' "$i"; done >"$img.want"
cmp <(dd if="$img" bs=4096 skip=578 count=1 status=none) "$img.want" ||
	{ echo "virtio-blk: the block from bcache_get_new was not written"; exit 1; }
echo "virtio-blk: patterns found in the image"

# Again without MSI-X (vectors=0), in another slot: legacy INTx through the
# I/O APIC, whose GSI pci.c derives from the slot and pin (q35 routing).
truncate -s 0 "$img"; truncate -s 16M "$img"
out=$("$top/tools/qemu-boot.sh" --smp 1 --timeout 180 \
	--qemu -drive --qemu "file=$img,if=none,format=raw,id=d0" \
	--qemu -device --qemu virtio-blk-pci,drive=d0,disable-legacy=on,vectors=0,addr=0x05 \
	-- "selftest loglevel=2" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 33 ] || { echo "virtio-blk (INTx): QEMU status $rc"; exit 1; }
for want in "INTx GSI 21" "selftest: virtio_blk_rw_flush_inflight ok" \
	"selftest: bcache_get_dirty_sync ok" "selftest: all passed"; do
	grep -qF "$want" <<<"$out" || { echo "virtio-blk (INTx): missing '$want'"; exit 1; }
done
for i in $(seq 0 2047); do printf 'ferry-blk %05u\n' "$i"; done >"$img.want"
cmp <(dd if="$img" bs=512 skip=2048 count=64 status=none) "$img.want" ||
	{ echo "virtio-blk (INTx): the written sectors are not in the image"; exit 1; }
echo "virtio-blk: INTx path good"
