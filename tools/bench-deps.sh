#!/bin/bash
# Install the Debian packages `make bench` needs beyond the build's own
# (tools/deps.sh), if missing: Debian's kernel to compare with, busybox for
# its initramfs, the decompressors that get vmlinux out of vmlinuz, python3
# for the report. `make test` never needs these.
set -u
pkgs="linux-image-amd64 busybox-static xz-utils zstd gzip musl-tools gcc binutils qemu-system-x86 python3"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
# The kernel package wants an initramfs generator. Any installed one will
# do; if there is none, take tiny-initramfs rather than initramfs-tools,
# whose udev dependency would upgrade systemd on the build machine.
if ! installed linux-image-amd64 && ! installed initramfs-tools && ! installed dracut &&
	! installed tiny-initramfs; then
	missing="$missing tiny-initramfs"
fi
[ -z "$missing" ] && exit 0
echo "bench-deps: installing$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || exit 1
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing || exit 1
