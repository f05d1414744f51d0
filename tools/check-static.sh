#!/bin/sh
# Check that each file is a static PIE Ferry can load without a dynamic
# linker: ELF type DYN, no PT_INTERP, no DT_NEEDED, no text relocations,
# a non-executable stack and no segment both writable and executable (W^X).
# Debian's musl-gcc makes dynamic PIEs when asked for static-pie, so the
# build runs this on every user binary.
#   tools/check-static.sh FILE...
set -eu
status=0
bad() { echo "check-static: $1: $2" >&2; status=1; }
for f in "$@"; do
	hdr=$(readelf -h "$f" 2>/dev/null) || { bad "$f" "not an ELF file"; continue; }
	echo "$hdr" | grep -q 'Type:[[:space:]]*DYN' || bad "$f" "not ET_DYN (not a PIE)"
	echo "$hdr" | grep -q 'Machine:[[:space:]]*Advanced Micro Devices X86-64' || bad "$f" "not x86-64"
	ph=$(readelf -lW "$f")
	echo "$ph" | grep -q '^[[:space:]]*INTERP' && bad "$f" "has PT_INTERP (dynamic, not static-pie)"
	echo "$ph" | grep -Eq '^[[:space:]]*GNU_STACK.* RWE ' && bad "$f" "executable stack"
	echo "$ph" | grep -Eq '^[[:space:]]*LOAD.* RWE ' && bad "$f" "a LOAD segment is writable and executable"
	dyn=$(readelf -dW "$f")
	echo "$dyn" | grep -q '(NEEDED)' && bad "$f" "needs shared libraries"
	echo "$dyn" | grep -Eq '\(TEXTREL\)|TEXTREL' && bad "$f" "has text relocations"
done
exit $status
