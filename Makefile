# Ferry: build, run and test. `make run` and `make test` install what is
# missing (tools/deps.sh), so both work on a fresh Debian machine.

BUILD   ?= build
# Quiet by default: one "  CC      file" line per step; V=1 shows the commands.
Q       := $(if $(V),,@)
CC      := gcc
LD      := ld
QEMU    := qemu-system-x86_64

KCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx -fno-stack-protector -fno-omit-frame-pointer \
	-fno-strict-aliasing -fno-common -fno-optimize-sibling-calls -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Werror=implicit-function-declaration -Ikernel -Iinclude -I$(BUILD)/gen -MMD -MP
KASFLAGS := -Ikernel -Iinclude -MMD -MP -g -DVDSO_SO=\"$(BUILD)/vdso/vdso.so\"
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T kernel/arch/x86_64/kernel.ld

# kernel/vdso/vdso.c is user-mode code: mk/vdso.mk builds it apart.
KSRCS := $(filter-out kernel/vdso/vdso.c,$(shell find kernel -name '*.c' -o -name '*.S' | sort))
KOBJS := $(patsubst %,$(BUILD)/%.o,$(KSRCS))
KERNEL := $(BUILD)/ferry.elf

.PHONY: all kernel deps run test iso gdb bench-kernel clean help
all: kernel

help:
	@echo "Ferry's make targets (README.md says more):"
	@echo "  make run           build, update build/run-disk.img, boot to a shell in QEMU"
	@echo "                     (ADD='HOST[:GUEST] ...' copies host files onto the disk too)"
	@echo "  make reset-disk    make build/run-disk.img a fresh copy of build/disk.img"
	@echo "  make test          build and run every test; ends with 'N passed, N failed'"
	@echo "  make gdb           as make run, stopped at the first instruction, gdb on :1234"
	@echo "  make all           the kernel (build/ferry.elf) and the user programs"
	@echo "  make kernel        build/ferry.elf"
	@echo "  make check-kernel  build/ferry-check.elf: freed memory poisoned and checked (make test boots it)"
	@echo "  make user          user/*.c and tests/os/*.c, static-pie musl programs"
	@echo "  make initrd        build/initrd.cpio, the RAM root"
	@echo "  make disk          build/disk.img, the ext2 root disk as built"
	@echo "  make iso           build/ferry.iso for a PC (ISO_CMDLINE='kernel args')"
	@echo "  make iso-selftest  build/ferry-selftest.iso"
	@echo "  make host-tests    the host unit tests (tests/host), built, not run"
	@echo "  make bench         Ferry and Linux side by side (also bench-linux, bench-ferry)"
	@echo "  make bench-kernel  the kernel's own micro-benchmarks"
	@echo "  make deps          install the Debian packages the rest needs"
	@echo "  make clean         remove build/ (build/run-disk.img with your files too)"
	@echo "  V=1                show the build's commands"

deps:
	@tools/deps.sh

kernel: $(KERNEL)

# Linux system-call numbers, generated from the build machine's ABI header.
$(BUILD)/gen/sysnum.h: tools/gen-sysnum.sh
	@mkdir -p $(dir $@)
	@tools/gen-sysnum.sh > $@

$(BUILD)/kernel/%.c.o: kernel/%.c Makefile | $(BUILD)/gen/sysnum.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: kernel/%.S Makefile
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the second embeds the first's symbol table for backtraces.
$(BUILD)/ksyms0.S: tools/gen-ksyms.sh
	@mkdir -p $(BUILD)
	@tools/gen-ksyms.sh > $@
$(BUILD)/ferry.pass1.elf: $(KOBJS) $(BUILD)/ksyms0.S.o kernel/arch/x86_64/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms0.S.o
$(BUILD)/ksyms.S: $(BUILD)/ferry.pass1.elf tools/gen-ksyms.sh
	@tools/gen-ksyms.sh $< > $@
$(BUILD)/%.S.o: $(BUILD)/%.S
	@$(CC) -c $< -o $@
$(KERNEL): $(KOBJS) $(BUILD)/ksyms.S.o kernel/arch/x86_64/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/ksyms.S.o
	@tools/check-kernel.sh $@
	@python3 tools/gen-syscalls-doc.py $@ docs/syscalls.md

# Each mk/*.mk adds a part of the build (host tests, user programs, ISO...).
include $(wildcard mk/*.mk)

test: deps
	@$(MAKE) --no-print-directory kernel check-kernel host-tests
	@tools/run-tests.sh

# FERRY_DISK, when set, boots that image as it is instead of RUN_DISK (mk/disk.mk).
run: deps run-iso $(if $(filter debian,$(ROOT)),debian,run-disk)
	@FERRY_DISK="$${FERRY_DISK:-$(RUN_DISK)}" FERRY_ISO=$(RUN_ISO) tools/run-qemu.sh

gdb: run-iso $(if $(filter debian,$(ROOT)),debian,run-disk)
	@FERRY_DISK="$${FERRY_DISK:-$(RUN_DISK)}" FERRY_ISO=$(RUN_ISO) tools/run-qemu.sh --gdb

# The kernel's own micro-benchmarks (TSC nanoseconds) with 1 and 2 CPUs.
bench-kernel: deps kernel
	@for n in 1 2; do echo "== bench-kernel: $$n CPU(s), QEMU TCG -M q35 -cpu max (tools/qemu-boot.sh)"; \
		tools/qemu-boot.sh --smp $$n --timeout 300 -- "bench loglevel=1" | tr -d '\r' | grep '^bench:'; done

clean:
	rm -rf $(BUILD)

-include $(KOBJS:.o=.d)
