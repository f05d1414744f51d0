/*
 * struct cpu: everything one core owns (invariant 4). Reached through GS
 * (gs:0 holds the struct's own address); fields marked [o] are touched only
 * by the owning core, [I] are fixed once the core is up, [a] are atomics
 * other cores may read.
 */
#pragma once

#include "lib/types.h"
#include "sched/executor.h"

struct proc;
struct domain;
struct fs_state;
struct cred;

#define MAX_CPUS 64
#define KSTACK_SIZE (16 * 1024)

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7]; /* IST1..IST7 (an IDT gate's IST n uses ist[n - 1]) */
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct cpu {
	struct cpu *self;   /* [I] gs:0 */
	u64 kstack_top;     /* [I] gs:8: the one kernel stack of this core (invariant 1) */
	u64 user_rsp;       /* [o] gs:16: scratch for the syscall entry */
	u64 exec_rsp;       /* [o] gs:24: executor's stack pointer while a thread is in user mode */
	u64 entry_rsp;      /* [o] gs:32: where traps and syscalls from user mode land */
	u64 locks_held;     /* [o] gs:40: spinlocks this core holds now (lib/spinlock.h) */
	struct tss tss;     /* [o] gs:48: tss.rsp[0] = entry_rsp while a thread runs */
	/*
	 * The thread running here, as system calls see it (proc/cur.h): its
	 * process (NULL while no thread runs), memory, file state and
	 * credentials (the thread holds a reference; NULL: a kernel task's,
	 * root's). Set by thread_poll, which clears cur_proc and cur_cred
	 * after; one load each, through GS.
	 */
	struct proc *cur_proc;     /* [o] */
	struct domain *cur_dom;    /* [o] */
	struct fs_state *cur_fs;   /* [o] */
	struct cred *cur_cred;     /* [o] */
	bool cur_alone;            /* [o] its process has one thread (cleared when it makes one) */
	u32 index;          /* [I] 0 .. ncpus-1 */
	u32 apic_id;        /* [I] local APIC id */
	bool online;        /* [a] set by the core once it runs its executor */
	u64 gdt[8] __attribute__((aligned(16))); /* [I] */
	struct executor exec; /* the executor state; see sched/executor.h */
};

#include "arch/x86_64/cpu_offsets.h"

extern struct cpu *cpus[MAX_CPUS]; /* [I after SMP boot] */
extern u32 ncpus;                  /* [I after SMP boot] cores online */

/* One bit per online core (cores are numbered 0..ncpus-1). */
static inline u64 cpus_online_mask(void)
{
	return ncpus >= 64 ? ~0ULL : (1ULL << ncpus) - 1;
}

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	asm volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/*
 * A canary in the last words of each core's kernel stack, checked each
 * time a task returns to the executor (sched/executor.c): code that runs
 * deep enough to write there is reported by the task that did it, before
 * it reaches the guard page below (which only a fault would reveal, and
 * only if nothing skipped over it).
 */
#define KSTACK_CANARY 0x57ac4b0770badc0dULL
#define KSTACK_CANARY_WORDS 4

static inline u64 *kstack_canary(struct cpu *c)
{
	return (u64 *)(c->kstack_top - KSTACK_SIZE);
}

static inline void kstack_canary_set(struct cpu *c)
{
	for (int i = 0; i < KSTACK_CANARY_WORDS; i++)
		kstack_canary(c)[i] = KSTACK_CANARY;
}

static inline bool kstack_canary_ok(struct cpu *c)
{
	/* Checked after every poll: the differences ORed, one branch rather than one a word. */
	const u64 *w = kstack_canary(c);
	u64 diff = 0;
#pragma GCC unroll 8
	for (int i = 0; i < KSTACK_CANARY_WORDS; i++)
		diff |= w[i] ^ KSTACK_CANARY;
	return diff == 0;
}

/*
 * Set up GDT, TSS (with 3 IST stacks of 4 KiB at ist_stacks), IDT, GS and
 * control-register features for core c, running on it.
 */
void cpu_init_with_ist(struct cpu *c, u8 *ist_stacks);
void cpu_features_init(void); /* boot core: detect and enable NX/SMEP/SMAP/UMIP/PCID */
/* Boot core, once the command line is parsed: pcid=off turns CR4.PCIDE off before other cores start. */
void cpu_features_options(void);

struct cpu_features {
	bool nx, smep, smap, umip, pcid, invpcid, tsc_deadline, x2apic, invariant_tsc,
	    hypervisor, pdpe1gb, rdrand, fsgsbase;
};
extern struct cpu_features cpu_has; /* [I] */
