#!/bin/sh
# Install the Debian packages Ferry's build, run and tests need, if missing.
set -eu
pkgs="gcc libc6-dev make binutils qemu-system-x86 qemu-utils musl-tools busybox-static e2fsprogs cpio \
grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf check pkg-config expect \
bochs bochsbios vgabios python3 liburing-dev debootstrap"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
