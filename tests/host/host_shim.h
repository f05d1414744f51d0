/*
 * Host shim for unit tests that compile kernel sources with FERRY_HOST:
 * "physical memory" is an mmap'd buffer at host_phys_base, console output
 * goes to stdout, and panic() jumps back to the test when one is expected
 * (EXPECT_PANIC), so that a test can check the kernel caught a bug.
 * Single-threaded: tests run one at a time.
 */
#pragma once

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

extern jmp_buf host_panic_jmp;
extern volatile bool host_panic_armed;
extern char host_panic_msg[512];

/* Back physical addresses 0..size with zeroed memory, reserved lazily (sparse maps are cheap). */
void host_mem_init(uint64_t size);
void host_mem_fini(void);

/* Run stmt; the test fails unless it panics with a message containing substr. */
#define EXPECT_PANIC(stmt, substr)                                                                 \
	do {                                                                                       \
		host_panic_msg[0] = 0;                                                             \
		host_panic_armed = true;                                                           \
		if (setjmp(host_panic_jmp) == 0) {                                                 \
			stmt;                                                                      \
			host_panic_armed = false;                                                  \
			ck_abort_msg("expected a panic from: %s", #stmt);                          \
		}                                                                                  \
		host_panic_armed = false;                                                          \
		ck_assert_msg(strstr(host_panic_msg, (substr)) != NULL,                            \
			      "panic message '%s' does not say '%s'", host_panic_msg, (substr));   \
	} while (0)
