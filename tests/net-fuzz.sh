#!/bin/bash
# Bad input on the wire: tools/net-fuzz.py sends frames into Ferry's
# virtio-net card through a QEMU socket netdev (UDP on 127.0.0.1 only):
# garbage, truncated and oversized frames, bad checksums and header
# lengths, overlapping fragments and fragment floods, TCP segments with
# absurd windows, sequence numbers and options, SYN floods at a listening
# port (busybox httpd) and others, RSTs with wrong sequence numbers, bad
# UDP and ARP. Ferry must not crash, must still answer a ping afterwards
# (and httpd's listening socket a SYN: its bounded backlog survived),
# and its free memory must come back (within 4 MiB) once the reassembly
# timeout (30 s) and half-open connections have let go.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
. "$here/lib/net.sh"
make -C "$top" -s kernel initrd >/dev/null || exit 1
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
port=$(free_udp_port) qport=$(free_udp_port)
mkfifo "$tmp/in"
script='busybox httpd -p 80 -h /tmp 2>/dev/null; sleep 1; grep MemFree /proc/meminfo; echo FUZZ-READY; read x; sleep 40; grep MemFree /proc/meminfo; echo FUZZ-DONE'
"$top/tools/qemu-boot.sh" --smp 2 --mem 256 --timeout 600 --stdin --initrd "$top/build/initrd.cpio" \
	--qemu -netdev --qemu "socket,id=n0,udp=127.0.0.1:$port,localaddr=127.0.0.1:$qport" \
	--qemu -device --qemu virtio-net-pci,netdev=n0,disable-legacy=on,mac=52:54:00:12:34:56 \
	-- "loglevel=${FUZZ_LOGLEVEL:-1} ip=10.0.3.15/24:10.0.3.2 -- /bin/sh -c '$script'" \
	<"$tmp/in" >"$tmp/log" 2>&1 &
pids+=($!)
exec 3>"$tmp/in" # keep the console's input open
if ! wait_for "$tmp/log" FUZZ-READY 120; then
	cat "$tmp/log"
	echo "FAIL: Ferry did not come up"
	exit 1
fi
python3 "$top/tools/net-fuzz.py" --port "$port" --qemu-port "$qport" --frames "${FUZZ_FRAMES:-20000}" --check-listener ${FUZZ_KINDS:+--kinds "$FUZZ_KINDS"}
fuzz=$?
echo go >&3
wait_for "$tmp/log" FUZZ-DONE 180
wait "${pids[0]}" 2>/dev/null
tr -d '\r' <"$tmp/log" | grep -v '^$' | tail -15
rc=0
[ $fuzz -eq 0 ] || { echo "FAIL: the guest stopped answering"; rc=1; }
if grep -q "KERNEL PANIC\|KERNEL EXCEPTION" "$tmp/log"; then echo "FAIL: kernel crash"; rc=1; fi
free=$(tr -d '\r' <"$tmp/log" | awk '/^MemFree:/ {print $2}')
before=$(echo "$free" | head -1) after=$(echo "$free" | sed -n 2p)
if [ -z "$before" ] || [ -z "$after" ]; then
	echo "FAIL: no memory figures"; rc=1
elif [ $((before - after)) -gt 4096 ]; then
	echo "FAIL: free memory went from $before kB to $after kB"; rc=1
else
	echo "ok: free memory $before kB before, $after kB after"
fi
[ $rc -eq 0 ] && echo "PASS: net-fuzz"
exit $rc
