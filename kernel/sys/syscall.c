/*
 * The system-call table and dispatcher. The table is built once at boot
 * from the SYSCALL() entries ([I] after that). Unknown calls return
 * -ENOSYS and are logged once per program and number, under the console's
 * rate limit (lib/logonce.h), so a program calling one in a loop cannot
 * flood the console. The number is rax's low 32 bits, as Linux reads it
 * (entry_64.S sign-extends eax).
 */
#include "proc/seccomp.h"
#include "sys/syscall.h"
#include "proc/proc.h"
#include "proc/cred.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"
#include "mm/buddy.h"
#include "mm/layout.h"
#include "vm/reclaim.h"

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];
extern void syscall_entry(void);

static syscall_fn_t table[MAX_SYSCALL];       /* [I] */
static const char *table_names[MAX_SYSCALL];  /* [I] the handlers' names */
static const char *const linux_names[] = {SYSNAMES_INIT};

#define RFLAGS_TF 0x100
#define RFLAGS_IF 0x200
#define RFLAGS_DF 0x400
#define RFLAGS_NT 0x4000
#define RFLAGS_AC 0x40000

void syscall_init_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* STAR: kernel CS in 47:32; sysret takes user CS = base + 16, SS = base + 8 (SDM 2B SYSRET). */
	wrmsr(MSR_STAR, ((u64)(GDT_UDATA - 8) << 48) | ((u64)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_NT | RFLAGS_AC);
}

static const char *syscall_name(u64 nr)
{
	if (nr < MAX_SYSCALL && table_names[nr])
		return table_names[nr];
	if (nr < ARRAY_SIZE(linux_names) && linux_names[nr])
		return linux_names[nr];
	return "?";
}

/* For lib/logonce.c: the user thread this core runs, if any, and the call it is in. */
static bool caller_info(struct logonce_caller *out)
{
	struct thread *t = current_thread();
	if (!t)
		return false;
	*out = (struct logonce_caller){
	    .pid = t->proc->pid,
	    .name = t->proc->name,
	    .program = t->proc->exe[0] ? t->proc->exe : t->proc->name,
	    .call = t->syscall_now ? syscall_name(t->syscall_now - 1) : NULL,
	};
	return true;
}

void syscall_init(void)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++) {
		if (e->nr >= MAX_SYSCALL)
			panic("syscall %s: number %u out of range", e->name, e->nr);
		if (table[e->nr])
			panic("syscall %u (%s) defined twice", e->nr, e->name);
		table[e->nr] = e->fn;
		table_names[e->nr] = e->name;
	}
	logonce_set_caller(caller_info);
	syscall_init_cpu();
}


/* A number with no handler: -ENOSYS, logged once. Out of line: it keeps the common path short. */
static __attribute__((noinline, cold)) long syscall_unknown(u64 nr)
{
	log_once(nr, "system call %lu (%s) not implemented", nr, syscall_name(nr));
	return -ENOSYS;
}

/* The end of every call back to user mode: its result, then the last checks. */
static inline __attribute__((always_inline)) int syscall_return(struct thread *t,
								struct trapframe *tf, long ret,
								u64 now_tsc)
{
	park_end(&t->park);
	tf->rax = (u64)ret;
	thread_user_checks(t, tf, now_tsc);
	/*
	 * sysret clobbers rcx and r11, and faults in kernel mode on a
	 * non-canonical rip: frames rewritten by sigreturn, signals or exec
	 * (the only writers of cs and ss) go back with iret.
	 */
	if (unlikely(t->full_restore)) {
		t->full_restore = false;
		return 0;
	}
	return tf->rip < USER_TOP;
}

/*
 * The rare ends, out of line so that the common one saves fewer
 * registers: a call that parked or asks for a signal's restart, or a
 * copy that parked the thread for a page.
 */
static __attribute__((noinline)) int syscall_end_slow(struct thread *t, struct trapframe *tf,
						       u64 nr, long ret, u64 t1)
{
	if (t->park.armed && ret != -ERESTART_PARK && ret != -ERESTART_SIGNAL) {
		/*
		 * A copy to or from user memory parked the thread for a page
		 * being read in (a mapped file's), and the handler answered
		 * something else: its error (the copy's -EFAULT) becomes the
		 * restart the park asked for; a result (progress made before)
		 * stands, and the wait is called off.
		 */
		if (ret < 0)
			ret = -ERESTART_PARK;
		else
			park_resume(&t->park);
	}
	if (ret == -ERESTART_PARK) {
		/* Invariant 3: a call that parks has registered what will wake it. */
		if (unlikely(!t->park.armed))
			panic("system call %lu (%s) parked with no wake registered", nr,
			      syscall_name(nr));
		/* Re-run the same syscall instruction when woken (rax still holds nr). */
		tf->rip -= 2;
		t->park.nr = (i64)nr;
		thread_leave(LEAVE_PARK);
	}
	if (ret == -ERESTART_SIGNAL) {
		/* Like a park, but the signal is taken on the way out, not after a wake. */
		tf->rip -= 2;
		t->park.nr = (i64)nr;
		thread_user_checks(t, tf, t1);
		t->full_restore = true; /* rcx and r11 hold nothing sysret could use */
		return 0;
	}
	return syscall_return(t, tf, ret, t1);
}

/* Called from syscall_entry with the live frame; nonzero means sysret may return. */
int syscall_dispatch(struct trapframe *tf)
{
	u64 nr = (u32)tf->rax; /* Linux: an int; the upper half of rax is ignored */
	struct thread *t = syscall_thread();
	assert(!irqs_enabled()); /* invariant 1: the entry masks them (MSR_FMASK) */
	u64 t0 = rdtsc(); /* system time for getrusage */
	/* Another thread changed the process's credentials: this call acts with the new ones. */
	if (unlikely(t->cred != __atomic_load_n(&t->proc->cred, __ATOMIC_RELAXED)))
		thread_cred_refresh(t);
	t->sys_entry_tsc = t0;
	long ret;
	if (unlikely(t->seccomp_mode) && !seccomp_check(t, nr, tf, &ret)) {
		/* Refused by the thread's filters: ret says what the call returns instead. */
	} else if (likely(nr < MAX_SYSCALL && table[nr])) {
		t->syscall_now = (u32)nr + 1; /* cleared when the thread next enters user mode */
		u64 nomem = buddy_alloc_failures();
		ret = table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
		t->syscall_now = 0;
		/*
		 * Out of memory for the kernel's work on the caller's behalf (not
		 * a limit, not a bad size): reclaim, or the out-of-memory killer,
		 * makes room, and the call runs again (invariant 3: a failed call
		 * changed nothing). Only when memory is low, and not forever.
		 */
		if (unlikely(ret == -ENOMEM) && buddy_alloc_failures() != nomem && !t->park.armed)
			ret = reclaim_retry_call();
	} else {
		ret = syscall_unknown(nr);
	}
	u64 t1 = rdtsc();
	t->sys_tsc += t1 - t0;
	/* One test for both restart codes (ERESTART_SIGNAL == ERESTART_PARK + 1). */
	_Static_assert(ERESTART_SIGNAL == ERESTART_PARK + 1, "restart codes side by side");
	if (unlikely(t->park.armed || (u64)ret + ERESTART_SIGNAL <= 1))
		return syscall_end_slow(t, tf, nr, ret, t1);
	return syscall_return(t, tf, ret, t1);
}
