# Benchmarks (bench/*.c) and the side-by-side comparison with Linux.
#   make bench          Linux side, then Ferry side when it can run programs, then the report
#   make bench-linux    Linux side only (Debian's kernel in the same QEMU setup), then the report
#   make bench-ferry    Ferry side only, then the report
#   make bench-bins     just build the benchmark programs
# BENCH_RUNS=N sets the number of wall-time boots (default 3), BENCH_ICOUNT_RUNS
# those under -icount (default 1: instruction counts repeat closely).
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
BENCH_CFLAGS := -std=c11 -fPIE -O2 -g -Wall -Wextra -Wno-unused-parameter -MMD -MP
BENCH_LDFLAGS := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,noexecstack
BENCH_LIBGCC = $(shell gcc -print-libgcc-file-name)

# Run in this order; exec_tiny is the program the process benchmarks start.
BENCH_PROGS := syscall memory process yield pipe unix epoll thread file seqread
BENCH_HELPERS := exec_tiny
# Those that use the benchmark disk (tools/bench-disk.sh) on /disk: Ferry
# boots them from it (root=/dev/vda); Linux has it mounted there throughout.
BENCH_DISK_PROGS := seqread
BENCH_BINS := $(patsubst %,$(BENCH_OUT)/bin/%,$(BENCH_PROGS) $(BENCH_HELPERS))
BENCH_OBJS := $(patsubst bench/%.c,$(BENCH_OUT)/obj/%.o,$(wildcard bench/*.c))
.SECONDARY: $(BENCH_OBJS)

.PHONY: bench bench-linux bench-ferry bench-bins bench-report bench-deps

bench-deps:
	@tools/bench-deps.sh

bench-bins: $(BENCH_BINS) $(BENCH_OUT)/bin/list $(BENCH_OUT)/disk-list

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

$(BENCH_OUT)/bin/%: $(BENCH_OUT)/obj/%.o $(BENCH_OUT)/obj/bench.o
	@mkdir -p $(dir $@)
	$(bench_link)

$(BENCH_OUT)/bin/list: mk/bench.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' $(BENCH_PROGS) > $@

$(BENCH_OUT)/disk-list: mk/bench.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' $(BENCH_DISK_PROGS) > $@

# The report is written even when a boot failed; make then fails after it.
bench-linux: bench-deps bench-bins
	@rc=0; tools/bench-linux.sh $(BENCH_FLAGS) || rc=1; \
	python3 tools/bench-report.py --linux-only $(BENCH_OUT); exit $$rc

bench-ferry: bench-bins
	@rc=0; tools/bench-ferry.sh $(BENCH_FLAGS) || rc=1; \
	python3 tools/bench-report.py $(BENCH_OUT); exit $$rc

bench: bench-deps bench-bins
	@rc=0; tools/bench-linux.sh $(BENCH_FLAGS) || rc=1; \
	tools/bench-ferry.sh $(BENCH_FLAGS) || rc=1; \
	python3 tools/bench-report.py $(BENCH_OUT); exit $$rc

bench-report:
	@python3 tools/bench-report.py $(BENCH_OUT)

-include $(wildcard $(BENCH_OUT)/obj/*.d)
