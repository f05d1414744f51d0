# User programs, built with Debian's musl as static PIEs: user/*.c become
# build/user/bin/NAME, tests/os/*.c become build/tests/os/NAME. Each is one
# .c file linked with the small user library (user/lib/*.c).
#
# Debian's `musl-gcc -static-pie` quietly makes a dynamic PIE (its specs
# add -dynamic-linker), so we compile with musl-gcc and link by hand with
# musl's rcrt1.o (the self-relocating start file), and tools/check-static.sh
# refuses any result with an interpreter, a needed library or a text
# relocation.

MUSL_LIB  ?= /usr/lib/x86_64-linux-musl
USER_CC   ?= musl-gcc
UCFLAGS   := -std=c11 -D_GNU_SOURCE -fPIE -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Werror=implicit-function-declaration -Iinclude -Iuser/lib -MMD -MP
ULDFLAGS  := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,text -Wl,-z,noexecstack \
	-Wl,-z,max-page-size=4096
ULIBGCC   := $(shell $(CC) -print-libgcc-file-name)
UCRT_HEAD := $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o
UCRT_TAIL := -Wl,--start-group $(MUSL_LIB)/libc.a $(ULIBGCC) -Wl,--end-group $(MUSL_LIB)/crtn.o

ULIB_SRCS := $(wildcard user/lib/*.c)
ULIB      := $(BUILD)/user/lib/libferry.a
UPROGS    := $(patsubst user/%.c,$(BUILD)/user/bin/%,$(wildcard user/*.c))
UTESTS    := $(patsubst tests/os/%.c,$(BUILD)/tests/os/%,$(wildcard tests/os/*.c))
UOBJS     := $(patsubst %.c,$(BUILD)/uobj/%.o,$(ULIB_SRCS) $(wildcard user/*.c tests/os/*.c))
URING_TESTS := $(patsubst tests/uring/%.c,$(BUILD)/tests/uring/%,$(wildcard tests/uring/*.c))
URING_OBJS  := $(patsubst %.c,$(BUILD)/uring-obj/%.o,$(wildcard tests/uring/*.c))
# Test data that must not be static: dynamically linked musl programs
# (their interpreter, musl's ld.so, goes in the image as /lib/ld-musl-x86_64.so.1).
UTESTDATA := $(patsubst tests/os/data/%.c,$(BUILD)/tests/os/data/%,$(wildcard tests/os/data/*.c))

.PHONY: user initrd
all: user
user: $(UPROGS) $(UTESTS) $(UTESTDATA)

$(BUILD)/uobj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(USER_CC) $(UCFLAGS) -c $< -o $@

$(ULIB): $(patsubst %.c,$(BUILD)/uobj/%.o,$(ULIB_SRCS))
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# Link, then check; a binary that fails the check is removed so the next
# make tries again instead of shipping it.
define ulink
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(ULDFLAGS) -o $@ $(UCRT_HEAD) $< $(ULIB) $(UCRT_TAIL)
	@tools/check-static.sh $@ || { rm -f $@; exit 1; }
endef

$(BUILD)/user/bin/%: $(BUILD)/uobj/user/%.o $(ULIB) tools/check-static.sh
	$(ulink)

$(BUILD)/tests/os/%: $(BUILD)/uobj/tests/os/%.o $(ULIB) tools/check-static.sh
	$(ulink)

$(BUILD)/tests/os/data/%: tests/os/data/%.c
	@mkdir -p $(dir $@)
	@echo "  CCDYN   $@"
	$(Q)$(USER_CC) -O2 -Wall -o $@ $<
	@readelf -lW $@ | grep -q INTERP || { echo "$@: not dynamically linked"; rm -f $@; exit 1; }

# The boot image: programs under /bin (with Debian's busybox), tests under
# /tests. tools/mkinitrd.sh stages and packs it; it always rebuilds, it is
# quick.
initrd: $(BUILD)/initrd.cpio
# Rebuilt only when a program, busybox or the script changes, so that
# tools/ferry-run's check that everything is built costs nothing.
$(BUILD)/initrd.cpio: $(UPROGS) $(UTESTS) $(URING_TESTS) $(UTESTDATA) /bin/busybox tools/mkinitrd.sh
	@tools/mkinitrd.sh --no-build --out $@ >/dev/null

# The ISO (make iso, make run) carries the same image as its initrd module.
INITRD := $(BUILD)/initrd.cpio

-include $(UOBJS:.o=.d)

# Objects are intermediates of a pattern chain; keep them so a rebuild only
# recompiles what changed.
.PRECIOUS: $(BUILD)/uobj/%.o

# io_uring tests: tests/uring/*.c are linked with Debian's liburing.a and
# glibc, statically (fixed-address ELF executables), as a Linux program
# using liburing would be; they run on Ferry and on the build machine's
# Linux like tests/os. The user-space futures library (user/lib/uring_*)
# is linked in by those that use it.
URING_CC      := gcc
URING_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-Werror=implicit-function-declaration -Iinclude -Iuser/lib -Itests/os -MMD -MP

user: $(URING_TESTS)

$(BUILD)/uring-obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(URING_CC) $(URING_CFLAGS) -c $< -o $@

$(BUILD)/tests/uring/%: $(BUILD)/uring-obj/tests/uring/%.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(URING_CC) -static -pthread -o $@ $< -luring

-include $(URING_OBJS:.o=.d)
.PRECIOUS: $(BUILD)/uring-obj/%.o
