# Benchmarks (bench/*.c) and the side-by-side comparison with Linux.
#   make bench          Linux (default and lean), then Ferry, then the report
#   make bench-linux    Linux side only (Debian's kernel in the same QEMU setup), then the report
#   make bench-ferry    Ferry side only, then the report
#   make bench-report   the report again from the logs there are
#   make bench-bins     just build the benchmark programs
# BENCH_RUNS=N sets the number of wall-time boots (default 3), BENCH_ICOUNT_RUNS
# those under -icount (default 1: instruction counts repeat closely).
# BENCH_PROGS="signal msg" runs only those programs (on every side), to try
# one quickly, BENCH_PROGS=all every program, BENCH_PROGS="swapin debian"
# the two left out of the default set (see BENCH_EXTRA below);
# BENCH_LINUX_CONFIGS=lean runs only that Linux configuration.
# A program that fails, times out or gives no figure makes the target fail
# and is named at the end of the report.
#
# The programs are static-pie musl binaries linked by hand: Debian's
# `musl-gcc -static-pie` quietly makes a dynamic PIE. Every binary is checked
# to have neither PT_INTERP nor DT_NEEDED.

BENCH_RUNS ?= 3
BENCH_ICOUNT_RUNS ?= 1
BENCH_FLAGS = --runs $(BENCH_RUNS) --icount-runs $(BENCH_ICOUNT_RUNS)
BENCH_OUT := $(BUILD)/bench
BENCH_MUSL := /usr/lib/x86_64-linux-musl
BENCH_CC := musl-gcc
BENCH_CFLAGS := -std=c11 -fPIE -O2 -g -Wall -Wextra -Wno-unused-parameter -Iinclude -MMD -MP
BENCH_LDFLAGS := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,noexecstack
BENCH_LIBGCC = $(shell gcc -print-libgcc-file-name)

# Run in this order; exec_tiny is the program the process benchmarks start,
# files.tar the archive bench/untar.c unpacks.
BENCH_ALL := syscall memory process yield pipe unix epoll thread file signal msg uring shell fairness untar seqread net mmapfile msync swapin debian
# Not in the default set: they would about double `make bench`'s time (each
# boot of swapin pushes 300 MiB through a swap file, about 1.5 minutes a
# boot under TCG; debian runs bash, python3 and gcc, 1.5 to 2 minutes a
# boot, and needs `make debian`, whose first build downloads Debian).
BENCH_EXTRA := swapin debian
BENCH_PROGS ?= $(filter-out $(BENCH_EXTRA),$(BENCH_ALL))
override BENCH_PROGS := $(if $(filter all,$(BENCH_PROGS)),$(BENCH_ALL),$(BENCH_PROGS))
BENCH_HELPERS := exec_tiny
# Those that use the benchmark disk (tools/bench-disk.sh) on /disk: Ferry
# boots them from it (root=/dev/vda); Linux has it mounted there throughout.
BENCH_DISK_PROGS := untar seqread mmapfile msync swapin
# Those that run Debian's own programs: on the Debian root of `make debian`
# (build/debian.img, tools/mkdebian.sh), which Ferry boots from and Linux
# has mounted on /debian (the program chroots there).
BENCH_DEBIAN_PROGS := debian
# Those that need two CPUs: run in wall mode only, not in the 1-CPU -icount
# boot (Linux hangs bringing up a second CPU under QEMU 7.2's -icount).
BENCH_SMP2_PROGS := fairness
# Those that wait for the disk throughout: wall mode only (under -icount
# QEMU's clock jumps ahead to the next timer while the guest waits, and
# their runs would take many minutes of guest time).
BENCH_WALL_PROGS := msync swapin
BENCH_LINUX_CONFIGS ?= default lean
BENCH_BINS := $(patsubst %,$(BENCH_OUT)/bin/%,$(BENCH_ALL) $(BENCH_HELPERS)) $(BENCH_OUT)/bin/files.tar
BENCH_OBJS := $(patsubst bench/%.c,$(BENCH_OUT)/obj/%.o,$(wildcard bench/*.c))
# The list the boots read: one program a line, with its tags.
BENCH_LIST := $(foreach p,$(BENCH_PROGS),$(p)$(if $(filter $(p),$(BENCH_DISK_PROGS)), disk)$(if $(filter $(p),$(BENCH_DEBIAN_PROGS)), debian)$(if $(filter $(p),$(BENCH_SMP2_PROGS)), smp2)$(if $(filter $(p),$(BENCH_WALL_PROGS)), wall)\n)
# The Debian image, built (once; debootstrap is cached) only when a program needs it.
BENCH_IMAGES := $(if $(filter $(BENCH_DEBIAN_PROGS),$(BENCH_PROGS)),debian)
.SECONDARY: $(BENCH_OBJS)

.PHONY: bench bench-linux bench-ferry bench-bins bench-report bench-deps bench-net

# Host-to-Ferry TCP throughput over virtio-net, wall time (tools/bench-net-host.sh).
bench-net: kernel user
	@tools/bench-net-host.sh

bench-deps:
	@tools/bench-deps.sh

bench-bins: $(BENCH_BINS) bench-list $(BENCH_IMAGES)

$(BENCH_OUT)/obj/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) -c $< -o $@

define bench_link
	$(CC) $(BENCH_LDFLAGS) -o $@ $(BENCH_MUSL)/rcrt1.o $(BENCH_MUSL)/crti.o $^ \
		$(BENCH_MUSL)/libc.a $(BENCH_LIBGCC) $(BENCH_MUSL)/crtn.o
	@if readelf -lW $@ | grep -q INTERP || readelf -dW $@ | grep -q NEEDED || \
		! readelf -hW $@ | grep -q 'DYN '; then \
		echo "bench: $@ is not a static PIE"; rm -f $@; exit 1; fi
endef

$(BENCH_OUT)/bin/exec_tiny: $(BENCH_OUT)/obj/exec_tiny.o
	@mkdir -p $(dir $@)
	$(bench_link)

# uring uses Ferry's own io_uring library (user/lib/uring.c), not liburing.
$(BENCH_OUT)/obj/user-uring.o: user/lib/uring.c
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) -Iuser/lib -c $< -o $@
$(BENCH_OUT)/obj/uring.o: BENCH_CFLAGS += -Iuser/lib
$(BENCH_OUT)/bin/uring: $(BENCH_OUT)/obj/uring.o $(BENCH_OUT)/obj/bench.o $(BENCH_OUT)/obj/user-uring.o
	@mkdir -p $(dir $@)
	$(bench_link)

$(BENCH_OUT)/bin/%: $(BENCH_OUT)/obj/%.o $(BENCH_OUT)/obj/bench.o
	@mkdir -p $(dir $@)
	$(bench_link)

$(BENCH_OUT)/bin/files.tar: tools/bench-tar.py
	@mkdir -p $(dir $@)
	python3 tools/bench-tar.py $@

# Rewritten only when BENCH_PROGS changes what it says.
.PHONY: bench-list
bench-list:
	@mkdir -p $(BENCH_OUT)/bin
	@printf '$(BENCH_LIST)' | sed 's/^ //' > $(BENCH_OUT)/bin/list.new
	@cmp -s $(BENCH_OUT)/bin/list.new $(BENCH_OUT)/bin/list && rm $(BENCH_OUT)/bin/list.new || \
		mv $(BENCH_OUT)/bin/list.new $(BENCH_OUT)/bin/list

# The report is written even when a boot failed; make then fails after it.
bench-linux: bench-deps bench-bins
	@rc=0; for c in $(BENCH_LINUX_CONFIGS); do tools/bench-linux.sh --config $$c $(BENCH_FLAGS) || rc=1; done; \
	python3 tools/bench-report.py --linux-only $(BENCH_OUT) || rc=1; exit $$rc

bench-ferry: bench-bins
	@rc=0; tools/bench-ferry.sh $(BENCH_FLAGS) || rc=1; \
	python3 tools/bench-report.py $(BENCH_OUT) || rc=1; exit $$rc

bench: bench-deps bench-bins
	@rc=0; for c in $(BENCH_LINUX_CONFIGS); do tools/bench-linux.sh --config $$c $(BENCH_FLAGS) || rc=1; done; \
	tools/bench-ferry.sh $(BENCH_FLAGS) || rc=1; \
	python3 tools/bench-report.py $(BENCH_OUT) || rc=1; exit $$rc

bench-report:
	@python3 tools/bench-report.py $(BENCH_OUT)

-include $(wildcard $(BENCH_OUT)/obj/*.d)
