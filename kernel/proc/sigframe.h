/*
 * The x86-64 signal frame as Linux lays it out (uapi asm/sigcontext.h,
 * asm/ucontext.h, asm-generic/siginfo.h), shared by delivery (signal.c)
 * and rt_sigreturn (sys_signal.c): musl's and glibc's handlers and
 * restorers work unchanged on it.
 */
#pragma once

#include "lib/types.h"
#include "lib/kernel.h"

/* x86-64 signal frame (Linux uapi asm/sigcontext.h and asm/ucontext.h). */
struct sigcontext64 {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate;
	u64 reserved1[8];
};

struct ucontext64 {
	u64 uc_flags;
	u64 uc_link;
	u64 ss_sp;
	u32 ss_flags, pad;
	u64 ss_size;
	struct sigcontext64 mc;
	u64 sigmask;
};

struct siginfo64 {
	i32 si_signo, si_errno, si_code, pad;
	union {
		u64 addr;            /* SIGSEGV, SIGBUS, SIGILL, SIGFPE */
		struct {
			u32 pid, uid;
			i32 status;  /* SIGCHLD */
		} kill;
		struct {
			u32 pid, uid;
			u64 value;   /* sigqueue's sigval */
		} rt;
		struct {
			i32 tid, overrun;
			u64 value;   /* POSIX timers */
		} timer;
		struct {
			i64 band;
			i32 fd;      /* SIGIO */
		} poll;
		u8 bytes[112];
	} f;
};
BUILD_ASSERT(sizeof(struct siginfo64) == 128);
BUILD_ASSERT(sizeof(struct ucontext64) == 304);

struct rt_sigframe {
	u64 pretcode;
	struct ucontext64 uc;
	struct siginfo64 info;
};

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_MESGQ (-3)
#define SI_ASYNCIO (-4)
#define SI_SIGIO (-5)
#define SI_TKILL (-6)
#define POLL_IN 1
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SEGV_MAPERR 1
#define SS_ONSTACK 1
#define SS_DISABLE 2
/* Flags user code may change through sigreturn: CF PF AF ZF SF TF DF OF AC. */
#define USER_RFLAGS 0x40dd5
