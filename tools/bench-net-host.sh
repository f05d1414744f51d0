#!/bin/bash
# Host-to-Ferry TCP throughput over virtio-net, in wall time: Ferry runs
# `tcpblast recv` behind QEMU user networking's --hostfwd, and the host
# sends it BENCH_NET_BYTES (default 64 MiB) of tcpblast's stream through
# 127.0.0.1 with the same (static, Linux-native) tcpblast binary. Ferry
# checks every byte. Prints `host_to_ferry_tcp MB/s` (the receiver's
# figure, from its first to its last byte) for each of BENCH_RUNS boots
# (default 3) and the median. QEMU as tools/qemu-boot.sh sets it up (TCG, 2 CPUs).
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
. "$top/tests/lib/net.sh"
bytes=${BENCH_NET_BYTES:-67108864}
runs=${BENCH_RUNS:-3}
make -C "$top" -s kernel initrd >/dev/null || exit 1
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
figs=()
for ((i = 1; i <= runs; i++)); do
	port=$(free_tcp_port)
	"$top/tools/qemu-boot.sh" --smp 2 --mem 512 --timeout 600 --initrd "$top/build/initrd.cpio" \
		--net user --hostfwd "TCP:$port:5001" -- "loglevel=0 -- /bin/tcpblast recv 5001" \
		>"$tmp/log" 2>&1 &
	vm=$!
	if ! wait_for "$tmp/log" listening 120; then
		cat "$tmp/log"
		exit 1
	fi
	"$top/build/user/bin/tcpblast" send 127.0.0.1 "$port" "$bytes" >/dev/null
	wait $vm
	line=$(grep '^tcpblast: received' "$tmp/log")
	echo "# boot $i: $line"
	echo "$line" | grep -q "received $bytes bytes" && ! echo "$line" | grep -q DIFFER || exit 1
	figs+=("$(echo "$line" | sed 's/.* \([0-9.]*\) MB\/s.*/\1/')")
done
median=$(printf '%s\n' "${figs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "host_to_ferry_tcp $median MB/s"
