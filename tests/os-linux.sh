#!/bin/bash
# Build every tests/os program (static PIEs with musl) and tests/uring
# program (static, glibc and liburing) and run them all on this machine's
# Linux with Ferry's own test runner: the Linux behaviour they check must
# hold here too; Ferry-only checks skip themselves.
set -eu
top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
make --no-print-directory user
progs=()
for src in tests/os/*.c; do
	progs+=("build/tests/os/$(basename "$src" .c)")
done
for src in tests/uring/*.c; do
	progs+=("build/tests/uring/$(basename "$src" .c)")
done
timeout 600 build/user/bin/runtests -t 120 "${progs[@]}"
