/*
 * The system-call table and dispatcher. The table is built once at boot
 * from the SYSCALL() entries ([I] after that). Unknown calls return
 * -ENOSYS and are logged once each, by name.
 */
#include "sys/syscall.h"
#include "proc/proc.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/layout.h"

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];
extern void syscall_entry(void);

static syscall_fn_t table[MAX_SYSCALL];       /* [I] */
static const char *const linux_names[] = {SYSNAMES_INIT};
static u8 warned[MAX_SYSCALL];                /* [a] unknown calls already logged */

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

void syscall_init(void)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++) {
		if (e->nr >= MAX_SYSCALL)
			panic("syscall %s: number %u out of range", e->name, e->nr);
		if (table[e->nr])
			panic("syscall %u (%s) defined twice", e->nr, e->name);
		table[e->nr] = e->fn;
	}
	syscall_init_cpu();
}

static const char *syscall_name(u64 nr)
{
	if (nr < ARRAY_SIZE(linux_names) && linux_names[nr])
		return linux_names[nr];
	return "?";
}

/* Called from syscall_entry with the live frame; nonzero means sysret may return. */
int syscall_dispatch(struct trapframe *tf)
{
	u64 nr = tf->rax;
	struct thread *t = syscall_thread();
	assert(!irqs_enabled()); /* invariant 1: the entry masks them (MSR_FMASK) */
	u64 t0 = rdtsc(); /* system time for getrusage */
	t->sys_entry_tsc = t0;
	long ret;
	if (nr < MAX_SYSCALL && table[nr]) {
		ret = table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	} else {
		if (nr >= MAX_SYSCALL || !__atomic_exchange_n(&warned[nr], 1, __ATOMIC_RELAXED)) {
			pr_warn("ferry: pid %u (%s): system call %lu (%s) not implemented\n",
				t->proc->pid, t->proc->name, nr, syscall_name(nr));
		}
		ret = -ENOSYS;
	}
	u64 t1 = rdtsc();
	t->sys_tsc += t1 - t0;
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
	park_end(&t->park);
	tf->rax = (u64)ret;
	thread_user_checks(t, tf, t1);
	/*
	 * sysret clobbers rcx and r11, and faults in kernel mode on a
	 * non-canonical rip: frames rewritten by sigreturn, signals or exec
	 * (the only writers of cs and ss) go back with iret.
	 */
	if (t->full_restore) {
		t->full_restore = false;
		return 0;
	}
	return tf->rip < USER_TOP;
}
