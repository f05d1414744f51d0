#!/bin/bash
# Ferry on QEMU's user networking (DHCP from QEMU, 10.0.2.15), end to end:
#  - busybox httpd in Ferry serves a 20 MiB file; the host fetches it
#    through --hostfwd and its MD5 must match the one Ferry computed;
#  - busybox wget in Ferry fetches a 5 MiB file from a python3 http.server
#    on the host (QEMU's host address 10.0.2.2, a free port on 127.0.0.1);
#  - ping -c 3 of the gateway; ifconfig, route and netstat show the
#    configuration. Loopback only on the host side.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(dirname "$here")
. "$here/lib/net.sh"
make -C "$top" -s kernel initrd >/dev/null || exit 1
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
mkdir "$tmp/www"
head -c 5242880 /dev/urandom >"$tmp/www/file"
want_wget=$(md5sum <"$tmp/www/file" | cut -d' ' -f1)
hport=$(free_tcp_port) fport=$(free_tcp_port)
(cd "$tmp/www" && exec python3 -m http.server --bind 127.0.0.1 "$hport" >"$tmp/http.log" 2>&1) &
pids+=($!)
mkfifo "$tmp/in"
script="mkdir -p /tmp/www; dd if=/dev/urandom of=/tmp/www/big bs=1M count=20 2>/dev/null; \
echo SERVED \$(md5sum /tmp/www/big); httpd -p 8080 -h /tmp/www; \
wget -q -O /tmp/got http://10.0.2.2:$hport/file && echo GOT \$(md5sum /tmp/got); \
ping -c 3 10.0.2.2; ifconfig eth0; route -n; echo NET-READY; read x; netstat -tn; echo NET-DONE"
"$top/tools/qemu-boot.sh" --smp 2 --mem 512 --timeout 600 --stdin --initrd "$top/build/initrd.cpio" \
	--net user --hostfwd "TCP:$fport:8080" -- "loglevel=1 -- /bin/sh -c '$script'" \
	<"$tmp/in" >"$tmp/log" 2>&1 &
pids+=($!)
exec 3>"$tmp/in"
rc=0
if ! wait_for "$tmp/log" NET-READY 300; then
	rc=1
	echo "FAIL: Ferry did not get through its part"
else
	got=$(python3 - "$fport" <<'PY'
import hashlib, sys, urllib.request
h = hashlib.md5()
with urllib.request.urlopen("http://127.0.0.1:%s/big" % sys.argv[1], timeout=300) as r:
    while True:
        b = r.read(1 << 16)
        if not b:
            break
        h.update(b)
print(h.hexdigest())
PY
)
	served=$(tr -d '\r' <"$tmp/log" | sed -n 's/^SERVED \([0-9a-f]*\).*/\1/p')
	if [ -n "$served" ] && [ "$got" = "$served" ]; then
		echo "ok - the host fetched 20 MiB from httpd in Ferry through --hostfwd, MD5 $got"
	else
		echo "FAIL: httpd in Ferry: served MD5 '$served', the host got '$got'"; rc=1
	fi
fi
echo go >&3
wait_for "$tmp/log" NET-DONE 60
wait "${pids[1]}" 2>/dev/null
log=$(tr -d '\r' <"$tmp/log")
wgot=$(echo "$log" | sed -n 's/^GOT \([0-9a-f]*\).*/\1/p')
if [ "$wgot" = "$want_wget" ]; then
	echo "ok - wget in Ferry fetched 5 MiB from the host's http.server, MD5 $wgot"
else
	echo "FAIL: wget in Ferry: MD5 '$wgot', want '$want_wget'"; rc=1
fi
if echo "$log" | grep -q "3 packets transmitted, 3 packets received"; then
	echo "ok - ping -c 3 10.0.2.2: three answers"
else
	echo "FAIL: ping of the gateway"; rc=1
fi
echo "$log" | grep -q "inet addr:10.0.2.15" && echo "ok - ifconfig shows the address DHCP gave" ||
	{ echo "FAIL: ifconfig eth0"; rc=1; }
echo "$log" | grep -q "^0.0.0.0 *10.0.2.2 .*UG" && echo "ok - route -n shows the default route" ||
	{ echo "FAIL: route -n"; rc=1; }
if echo "$log" | grep -q "KERNEL PANIC\|KERNEL EXCEPTION"; then echo "FAIL: kernel crash"; rc=1; fi
[ $rc -eq 0 ] || echo "$log" | tail -40
[ $rc -eq 0 ] && echo "PASS: net"
exit $rc
