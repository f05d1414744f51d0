#!/bin/bash
# The selftest ISO through GRUB under SeaBIOS: multiboot2 hand-off, self-tests pass.
set -u
exec "$(dirname "$(readlink -f "$0")")/../tools/grub-selftest.sh" bios
