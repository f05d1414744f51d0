# Host unit tests: kernel sources compiled for the build machine with
# FERRY_HOST defined, linked against Check (Debian's `check` package).
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -DFERRY_HOST \
	-Ikernel -Iinclude -Itests/host -fsanitize=address,undefined -fno-omit-frame-pointer
HOST_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

# Each test lists the kernel files it needs in tests/host/sources.mk:
#   HOST_TEST_<name>_SRCS := kernel/mm/buddy.c ...
-include tests/host/sources.mk
HOST_TESTS := $(patsubst tests/host/test_%.c,%,$(wildcard tests/host/test_*.c))
HOST_BINS := $(patsubst %,$(BUILD)/host/test_%,$(HOST_TESTS))

.SECONDEXPANSION:
$(BUILD)/host/test_%: tests/host/test_%.c $$(HOST_TEST_$$*_SRCS) $(wildcard tests/host/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< $(HOST_TEST_$*_SRCS) $(HOST_LIBS)

.PHONY: host-tests
host-tests: $(HOST_BINS)
