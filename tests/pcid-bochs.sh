#!/bin/bash
# PCID-tagged process domains on a CPU that has PCIDs. QEMU's TCG has none,
# so this boots the GRUB ISO in Bochs (a Haswell model: PCID and INVPCID,
# 2 CPUs) and runs the user-space tests (tests/os, fork/exec/COW heavy)
# with CR4.PCIDE on and domains loaded under their tags with the CR3
# no-flush bit; then once with pcid=off. Passes only if the kernel says
# PCID tagging is on (so it cannot pass without PCIDs) and every test
# passes.
#
# What this can and cannot show: Bochs checks the architecture (CR4.PCIDE
# only in long mode with CR3's PCID 0, CR3 bit 63 reserved without PCIDE,
# the PCID bits) but ignores the no-flush hint and flushes the tag on every
# CR3 load, so a missing flush would not show here. The flush protocol is
# checked by tests/host/test_pcid.c.
set -u
top=$(dirname "$(dirname "$(readlink -f "$0")")")
# Only a guard against a hang: Bochs on a machine busy with other emulators
# takes many times its idle 30 s, and no bound here judges speed.
timeout=${PCID_BOCHS_TIMEOUT:-1800}
work=$top/build/pcid-bochs

fail() { echo "pcid-bochs: FAIL: $1"; exit 1; }
command -v bochs >/dev/null || fail "bochs is not installed (tools/deps.sh installs it)"
[ -f /usr/share/bochs/BIOS-bochs-latest ] || fail "no /usr/share/bochs/BIOS-bochs-latest (package bochsbios)"
[ -f /usr/share/vgabios/vgabios.bin ] || fail "no /usr/share/vgabios/vgabios.bin (package vgabios)"
make -C "$top" --no-print-directory kernel build/initrd.cpio >/dev/null || fail "cannot build the kernel and initrd"
mkdir -p "$work" || exit 1

# boot NAME 'kernel command line': the serial output lands in $work/NAME.serial.
boot() {
	local name=$1 cmdline=$2 dir=$work/$1
	mkdir -p "$dir" || exit 1
	"$top/tools/mkiso.sh" "$dir/ferry.iso" "$top/build/ferry.elf" "$cmdline" \
		"$top/build/initrd.cpio" >/dev/null || fail "cannot build $dir/ferry.iso"
	# Debian's Bochs has no 'nogui' library and is built with its debugger:
	# the VNC display never waits for a viewer, and 'c' starts the machine.
	cat >"$dir/bochsrc" <<-EOF
		megs: 256
		cpu: model=corei7_haswell_4770, count=2, ips=100000000, reset_on_triple_fault=0
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/vgabios/vgabios.bin
		ata0-master: type=cdrom, path=ferry.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=serial.txt
		display_library: rfb, options="timeout=0"
		speaker: enabled=0
		sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
		log: bochs.log
		panic: action=fatal
		error: action=report
		clock: sync=none
	EOF
	printf 'c\nquit\n' >"$dir/debugger.rc"
	rm -f "$dir/serial.txt"
	local start=$SECONDS
	# Ferry's power-off ends Bochs with status 1 ("ACPI control: soft power off").
	(cd "$dir" && timeout "$timeout" bochs -q -f bochsrc -rc debugger.rc </dev/null >bochs.out 2>&1)
	local rc=$?
	tr -d '\r' <"$dir/serial.txt" >"$work/$name.serial" 2>/dev/null
	echo "pcid-bochs: $name: Bochs status $rc after $((SECONDS - start)) s"
	[ "$rc" -eq 124 ] && { cat "$work/$name.serial"; fail "$name: timed out after $timeout s"; }
	grep -q "soft power off" "$dir/bochs.out" || { cat "$work/$name.serial"; tail -20 "$dir/bochs.out"; fail "$name: Bochs did not end by Ferry's power-off"; }
}

# has NAME PATTERN WHAT: the serial output of NAME must match PATTERN.
has() {
	grep -aqE "$2" "$work/$1.serial" || { cat "$work/$1.serial"; fail "$1: no $3"; }
}

boot tagged "loglevel=2 -- /bin/runtests -t 120 /tests"
grep -aE "^(cpu|smp|domain|runtests):|^FAIL|^not ok" "$work/tagged.serial"
has tagged "^cpu: .* pcid 1 " "'cpu: ... pcid 1' line: Bochs offered no PCID"
has tagged "^smp: 2 of 2 cpus online" "second CPU"
has tagged "^domain: PCID tags on" "'domain: PCID tags on' line: domains were not tagged"
has tagged "^runtests: [0-9]+ passed, 0 failed" "clean runtests summary"
has tagged "^init: /bin/runtests exited with status 0" "exit status 0 from runtests"
if grep -aqiE "panic|^FAIL" "$work/tagged.serial"; then
	cat "$work/tagged.serial"
	fail "tagged: a panic or a failed test"
fi

boot untagged "loglevel=2 pcid=off -- /bin/busybox echo pcid-off-ok"
grep -aE "^(cpu|domain):" "$work/untagged.serial"
has untagged "^cpu: pcid=off: PCIDs not used" "'cpu: pcid=off' line"
has untagged "^domain: PCID tags off" "'domain: PCID tags off' line"
has untagged "^pcid-off-ok" "output of the command"
has untagged "^init: /bin/busybox exited with status 0" "exit status 0"

echo "pcid-bochs: PASS"
