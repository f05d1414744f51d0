#!/bin/sh
# Emit the kernel's text symbols (from `nm -n` of the first link) as an
# assembly file for the .ksyms section. With no argument: an empty table.
set -eu
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.global ksyms_count, ksyms_addrs, ksyms_offsets, ksyms_names'
if [ $# -eq 0 ]; then
	printf 'ksyms_count:\n\t.quad 0\nksyms_addrs:\nksyms_offsets:\nksyms_names:\n\t.byte 0\n'
	exit 0
fi
nm -n "$1" | awk '$2 ~ /^[tT]$/ && $3 !~ /^\./ { print $1, $3 }' > "$1.syms"
count=$(wc -l < "$1.syms")
printf 'ksyms_count:\n\t.quad %d\nksyms_addrs:\n' "$count"
awk '{ printf "\t.quad 0x%s\n", $1 }' "$1.syms"
printf 'ksyms_offsets:\n'
awk 'BEGIN { off = 0 } { printf "\t.long %d\n", off; off += length($2) + 1 }' "$1.syms"
printf 'ksyms_names:\n'
awk '{ printf "\t.asciz \"%s\"\n", $2 }' "$1.syms"
