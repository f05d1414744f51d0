/*
 * System calls: Linux x86-64 numbers and semantics, plus Ferry's own from
 * 1024 (include/uapi/ferry.h). Each subsystem defines its calls in its own
 * file with SYSCALL(); the linker gathers them in .syscalls and the
 * dispatcher builds its table at boot.
 *
 * A handler returns a value or -errno, or -ERESTART_PARK after parking the
 * thread (the call is then re-run from the start when the thread is woken:
 * invariant 3). Arguments are raw: every pointer must go through the
 * domain copy functions, which check it.
 */
#pragma once

#include "lib/types.h"
#include "lib/logonce.h" /* syscall_unsupported(), for handlers */
#include "sysnum.h"

typedef long (*syscall_fn_t)(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

struct syscall_entry {
	u32 nr;
	const char *name;
	syscall_fn_t fn;
};

#define SYSCALL(nr_, name_)                                                                   \
	static long sys_##name_(u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);             \
	static const struct syscall_entry syscall_entry_##name_                               \
	    __attribute__((section(".syscalls"), used, aligned(8))) = {nr_, #name_, sys_##name_}; \
	static long sys_##name_(__unused u64 a0, __unused u64 a1, __unused u64 a2,             \
				__unused u64 a3, __unused u64 a4, __unused u64 a5)

#define FERRY_SYSCALL_BASE 1024
#define MAX_SYSCALL        1100

void syscall_init(void); /* build the table, program the syscall MSRs */
void syscall_init_cpu(void); /* MSRs on each core */
