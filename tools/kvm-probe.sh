#!/bin/bash
# Print "kvm" if a quick probe boot of Ferry under KVM succeeds, else "tcg".
# /dev/kvm existing is not enough: some hosts expose a paravirtual KVM that
# cannot run ordinary guest kernels.
here=$(dirname "$(readlink -f "$0")")
if [ -w /dev/kvm ] && "$here/qemu-boot.sh" --accel kvm --timeout 10 -- "loglevel=0" >/dev/null 2>&1; then
	echo kvm
else
	echo tcg
fi
