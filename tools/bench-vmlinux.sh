#!/bin/bash
# Print the uncompressed ELF kernel hidden in a compressed Linux image
# (bzImage/vmlinuz) to stdout. The image is a boot stub followed by the
# kernel compressed with one of gzip, xz, zstd, lzma, bzip2 or lz4; we look
# for each format's magic, try to decompress from every place it occurs, and
# keep the first result that starts with the ELF magic.
#   tools/bench-vmlinux.sh /boot/vmlinuz-VERSION > vmlinux
set -u
img=${1:?usage: bench-vmlinux.sh VMLINUZ}
[ -r "$img" ] || { echo "bench-vmlinux: cannot read $img" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# format name, magic as a grep -P byte pattern, decompressor reading stdin
formats=(
	"xz	\xfd7zXZ\x00	xz -dc"
	"zstd	\x28\xb5\x2f\xfd	zstd -dc"
	"gzip	\x1f\x8b\x08	gzip -dc"
	"lzma	\x5d\x00\x00\x00	xz -dc --format=lzma"
	"bzip2	BZh	bzip2 -dc"
	"lz4	\x02\x21\x4c\x18	lz4 -dc"
)
for f in "${formats[@]}"; do
	IFS=$'\t' read -r name magic cmd <<<"$f"
	command -v "${cmd%% *}" >/dev/null || continue
	for off in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
		# Trailing data after the stream makes the decompressors complain;
		# what counts is whether a complete ELF file came out.
		tail -c +$((off + 1)) "$img" | $cmd >"$tmp" 2>/dev/null
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
			readelf -h "$tmp" >/dev/null 2>&1; then
			echo "bench-vmlinux: $name stream at offset $off" >&2
			cat "$tmp"
			exit 0
		fi
	done
done
echo "bench-vmlinux: no compressed ELF kernel found in $img" >&2
exit 1
