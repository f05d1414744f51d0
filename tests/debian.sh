#!/bin/bash
# Debian's own programs on Ferry: `make debian` builds build/debian.img (a
# debootstrap'd bookworm root, cached under build/debian/; the first build
# needs the network to the Debian mirror), this boots Ferry (2 CPUs,
# 1 GiB) on a copy of it, runs tests/debian/workload.sh with Debian's bash
# (coreutils and findutils over /usr against the same counts on the host's
# copy of the tree, tar+gzip and xz round trips, sort -u of a large file,
# grep -r and sed -i, a bash script with pipelines, subshells, trap and
# wait, python3 with json, subprocess, threading, multiprocessing and
# tempfile, a perl one-liner, dpkg -l, apt-get --version, mke2fs and
# e2fsck on a loop device (and e2fsck -fy mending a bitmap), gcc hello.c &&
# ./a.out; with the mirror in reach, glibc's resolver, apt-get update and
# apt-get install hello), checks each result, then e2fsck -fn on the copy.
# No image (no network for the first build): FAIL, saying so.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
fail=0
. "$top/tests/lib/checks.sh"
start=$(date +%s)
if ! make --no-print-directory -C "$top" kernel initrd debian; then
	echo "FAIL debian: the Debian image could not be built (see above; the first build needs the network to the Debian mirror)"
	exit 1
fi
echo "debian: image ready after $(( $(date +%s) - start )) s"
tree=$top/build/debian/root
img=$top/build/debian-test.img
trap 'rm -f "$img"' EXIT
cp --sparse=always "$top/build/debian.img" "$img" || exit 1
printf '%s\n' 'mkdir /root' "write $top/tests/debian/workload.sh /root/workload.sh" |
	"$DEBUGFS" -w -f - "$img" >/dev/null 2>&1

# The host's answers to the workload's questions, from the same tree.
headers=$(cd "$tree" && find usr -name '*.h' | wc -l)
linux_md5=$(cd "$tree" && LC_ALL=C find usr/include/linux -name '*.h' -print0 | LC_ALL=C sort -z | xargs -0 cat | md5sum | cut -d' ' -f1)
errnos=$(LC_ALL=C grep -r -h 'define[[:space:]]*E[A-Z]*[[:space:]]' "$tree/usr/include/asm-generic" | wc -l)
packages=$(grep -c '^Status: install ok installed' "$tree/var/lib/dpkg/status")
# The network: when the host reaches the mirror, apt-get runs in Ferry too.
mirror_host=$(awk '$1 == "deb" { sub("^[a-z]*://", "", $2); sub("/.*", "", $2); print $2; exit }' "$tree/etc/apt/sources.list")
net=nonet
getent hosts "$mirror_host" >/dev/null 2>&1 && net=net
echo "debian: on the host: $headers headers, $errnos errno lines, $packages packages; mirror $mirror_host: $net"

t0=$(date +%s)
out=$("$top/tools/ferry-run" --smp 2 --mem 1024 --timeout 900 --disk "$img" -- \
	/bin/bash /root/workload.sh "$headers" "$linux_md5" "$errnos" "$packages" "$net" </dev/null 2>&1)
rc=$?
echo "debian: the workload took $(( $(date +%s) - t0 )) s in Ferry (status $rc)"
sed 's/^/    /' <<<"$out" | grep -v '^    debian-ok '
for what in "find /usr -name '*.h' | wc -l" "find -print0 | sort -z | xargs -0 cat | md5sum" \
	"ls, stat, du, head, cut, tr" "tar -czf, gzip -t, tar -xzf, diff -r" "gzip -9 | gunzip round trip" \
	"tar -cJf of files not read yet, then diff -r" \
	"xz | unxz round trip" "sort -u of 300000 lines" "sort -n -u | md5sum" "grep -r over /usr/include" \
	"grep -rl" "grep from a pipe" "sed -i" "bash pipelines, subshells, trap, wait" \
	"python3 json subprocess threading multiprocessing tempfile" "perl one-liner" "dpkg -l" \
	"dpkg -s bash" "apt-get --version" "mke2fs, mount through a loop device, e2fsck -fn" \
	"e2fsck -fy repairs a bitmap cleared behind its back" "gcc hello.c && ./a.out"; do
	want "$what" "$out" "debian-ok $what"
done
if [ $net = net ]; then
	for what in "getent hosts (glibc's resolver)" "apt-get update" "apt-get install hello"; do
		want "$what" "$out" "debian-ok $what"
	done
else
	echo "skip apt-get update and install: the host does not reach $mirror_host"
fi
want "the workload ran to its end" "$out" "debian-workload-end"
[ $rc -eq 0 ] && echo "ok   bash exited with status 0" || { echo "FAIL bash exited with status $rc"; fail=1; }
fsck "$img" "the workload"
echo "debian: $(( $(date +%s) - start )) s in all"
exit $fail
