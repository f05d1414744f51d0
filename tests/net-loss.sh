#!/bin/bash
# TCP under loss: two Ferry guests joined by tools/net-relay.py, a host
# process on 127.0.0.1 that carries every Ethernet frame between their
# socket netdevs and drops about 5 % of them (both ways, ACKs too) and
# swaps some with the next one. Guest B receives with `tcpblast recv`,
# guest A sends 50 MiB (LOSS_BYTES) of a known stream with `tcpblast
# send`; B checks every byte against the stream and both print the
# stream's checksum, which must agree. Guests are 10.0.4.1 and 10.0.4.2.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
. "$here/lib/net.sh"
make -C "$top" -s kernel initrd >/dev/null || exit 1
bytes=${LOSS_BYTES:-52428800}
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
ain=$(free_udp_port) aout=$(free_udp_port) bin=$(free_udp_port) bout=$(free_udp_port)
python3 "$top/tools/net-relay.py" --a-in "$ain" --a-out "$aout" --b-in "$bin" --b-out "$bout" \
	--drop "${LOSS_DROP:-0.05}" --reorder "${LOSS_REORDER:-0.02}" >"$tmp/relay" 2>&1 &
pids+=($!)
guest() { # name in out mac cmdline
	"$top/tools/qemu-boot.sh" --smp 2 --mem 256 --timeout 1500 --initrd "$top/build/initrd.cpio" \
		--qemu -netdev --qemu "socket,id=n0,udp=127.0.0.1:$2,localaddr=127.0.0.1:$3" \
		--qemu -device --qemu "virtio-net-pci,netdev=n0,disable-legacy=on,mac=$4" \
		-- "loglevel=1 $5" >"$tmp/$1" 2>&1 &
	pids+=($!)
}
guest b "$bin" "$bout" 52:54:00:00:04:02 "ip=10.0.4.2/24 -- /bin/tcpblast recv 5000"
wait_for "$tmp/b" "listening" 120 || { cat "$tmp/b"; echo "FAIL: receiver did not start"; exit 1; }
guest a "$ain" "$aout" 52:54:00:00:04:01 "ip=10.0.4.1/24 -- /bin/tcpblast send 10.0.4.2 5000 $bytes"
wait "${pids[2]}"
wait "${pids[1]}"
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
sent=$(tr -d '\r' <"$tmp/a" | grep '^tcpblast: sent')
got=$(tr -d '\r' <"$tmp/b" | grep '^tcpblast: received')
echo "sender:   ${sent:-nothing}"
echo "receiver: ${got:-nothing}"
cat "$tmp/relay"
sum() { echo "$1" | sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p'; }
if [ -n "$sent" ] && [ -n "$got" ] && [ "$(sum "$sent")" = "$(sum "$got")" ] &&
	echo "$got" | grep -q "received $bytes bytes" && ! echo "$got" | grep -q DIFFER; then
	echo "PASS: $bytes bytes through a lossy relay, checksums agree"
	exit 0
fi
tail -n 20 "$tmp/a" "$tmp/b"
echo "FAIL: net-loss"
exit 1
