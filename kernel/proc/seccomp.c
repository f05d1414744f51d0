/*
 * seccomp: filters checked before each system call (seccomp.h), and the
 * installing them (seccomp(2)'s handler is in sys_seccomp.c).
 *
 * A filter is a classic BPF program (Linux's struct sock_filter), checked
 * once when installed as Linux's seccomp checks it: only the instructions
 * seccomp allows, loads of whole aligned words inside struct
 * seccomp_data, jumps forward and inside, a return last, no constant
 * division by zero. Unlike Linux, reading scratch memory never written is
 * allowed (it reads 0) rather than refused.
 *
 * Chains are shared and immutable (seccomp.h); refs is the only field
 * that changes, atomically.
 */
#include "proc/seccomp.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "proc/sigframe.h"
#include "proc/signal.h"
#include "proc/unsupported.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"
#include "sysnum.h" /* the calls strict mode lets through */

#define AUDIT_ARCH_X86_64 0xc000003eU
#define BPF_MAXINSNS 4096
#define MAX_INSNS_PER_PATH 32768 /* all of a chain's programs together */

/* The actions (seccomp.h) rank by their high half, as a signed number: lowest wins. */
#define SECCOMP_RET_ACTION_FULL  0xffff0000U
#define SECCOMP_RET_DATA         0x0000ffffU

#define SECCOMP_FILTER_FLAG_TSYNC        (1U << 0)
#define SECCOMP_FILTER_FLAG_LOG          (1U << 1)
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW   (1U << 2)
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1U << 3)
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH  (1U << 4)
#define SYS_SECCOMP 1

/* Classic BPF (linux/filter.h). */
struct sock_filter {
	u16 code;
	u8 jt, jf;
	u32 k;
};
struct sock_fprog {
	u16 len;
	u16 pad[3];
	u64 filter; /* a user pointer */
};

#define BPF_CLASS(c) ((c) & 0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07
#define BPF_W 0x00
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_K 0x00
#define BPF_X 0x08
#define BPF_A 0x10
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0
#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40
#define BPF_TAX 0x00
#define BPF_TXA 0x80
#define BPF_MEMWORDS 16

/* What a filter sees of the call. */
struct seccomp_data {
	i32 nr;
	u32 arch;
	u64 instruction_pointer;
	u64 args[6];
};
BUILD_ASSERT(sizeof(struct seccomp_data) == SECCOMP_DATA_SIZE);

struct seccomp_filter {
	u32 refs;                    /* [a] threads and newer filters */
	u32 len;                     /* [I] */
	u32 depth;                   /* [I] filters in the chain, this one included */
	u32 insns;                   /* [I] instructions in the chain, as Linux counts them */
	bool log;                    /* [I] SECCOMP_FILTER_FLAG_LOG */
	struct seccomp_filter *prev; /* [I] a reference */
	struct sock_filter prog[];   /* [I] */
};

static void filter_put(struct seccomp_filter *f)
{
	while (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct seccomp_filter *prev = f->prev;
		kfree(f);
		f = prev;
	}
}

static struct seccomp_filter *filter_get(struct seccomp_filter *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

/* ---- checking a program once ---- */

/* Is p a program seccomp runs (Linux's seccomp_check_filter and bpf_check_classic)? */
static bool program_ok(const struct sock_filter *p, u32 len)
{
	for (u32 pc = 0; pc < len; pc++) {
		u16 c = p[pc].code;
		u32 k = p[pc].k;
		switch (c) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k >= sizeof(struct seccomp_data) || (k & 3))
				return false;
			break;
		case BPF_LD | BPF_W | BPF_LEN:
		case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_LD | BPF_IMM:
		case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX:
		case BPF_MISC | BPF_TXA:
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
		case BPF_ALU | BPF_NEG:
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return false;
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
		case BPF_ALU | BPF_MOD | BPF_K:
			if (k == 0)
				return false;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (k >= 32)
				return false;
			break;
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
		case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
		case BPF_ALU | BPF_DIV | BPF_X: case BPF_ALU | BPF_MOD | BPF_X:
		case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_K:  case BPF_ALU | BPF_OR | BPF_X:
		case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_X: case BPF_ALU | BPF_RSH | BPF_X:
			break;
		case BPF_JMP | BPF_JA:
			if (k >= len - pc - 1)
				return false;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			if (pc + 1 + p[pc].jt >= len || pc + 1 + p[pc].jf >= len)
				return false;
			break;
		default:
			return false;
		}
	}
	return BPF_CLASS(p[len - 1].code) == BPF_RET; /* no path runs off the end */
}

/* ---- running one ---- */

static u32 run(const struct seccomp_filter *f, const struct seccomp_data *d)
{
	u32 a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const u32 *words = (const u32 *)d;
	for (u32 pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->prog[pc];
		u32 k = i->k, src = (i->code & BPF_X) ? x : k;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS: a = words[k / 4]; break;
		case BPF_LD | BPF_W | BPF_LEN: a = sizeof *d; break;
		case BPF_LDX | BPF_W | BPF_LEN: x = sizeof *d; break;
		case BPF_LD | BPF_IMM: a = k; break;
		case BPF_LDX | BPF_IMM: x = k; break;
		case BPF_LD | BPF_MEM: a = mem[k]; break;
		case BPF_LDX | BPF_MEM: x = mem[k]; break;
		case BPF_ST: mem[k] = a; break;
		case BPF_STX: mem[k] = x; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return a;
		case BPF_ALU | BPF_NEG: a = -a; break;
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X: a += src; break;
		case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X: a -= src; break;
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X: a *= src; break;
		case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
			if (!src)
				return SECCOMP_RET_KILL_THREAD; /* BPF: a division by zero returns 0 */
			a /= src;
			break;
		case BPF_ALU | BPF_MOD | BPF_K: case BPF_ALU | BPF_MOD | BPF_X:
			if (!src)
				return SECCOMP_RET_KILL_THREAD;
			a %= src;
			break;
		case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X: a &= src; break;
		case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X: a |= src; break;
		case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X: a ^= src; break;
		case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
			a = src < 32 ? a << src : 0;
			break;
		case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
			a = src < 32 ? a >> src : 0;
			break;
		case BPF_JMP | BPF_JA: pc += k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
			pc += a == src ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
			pc += a > src ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
			pc += a >= src ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			pc += (a & src) ? i->jt : i->jf;
			break;
		default:
			panic("seccomp: an unchecked instruction 0x%x", i->code);
		}
	}
	panic("seccomp: a program ran off its end"); /* program_ok: the last is a return */
}

static bool before(u32 a, u32 b) /* does action a take precedence over b? */
{
	return (i32)(a & SECCOMP_RET_ACTION_FULL) < (i32)(b & SECCOMP_RET_ACTION_FULL);
}

/* ---- the check on each call ---- */

static void send_sigsys(struct thread *t, struct trapframe *tf, u64 nr, u32 data)
{
	struct siginfo64 info = {.si_signo = SIGSYS, .si_errno = (i32)data, .si_code = SYS_SECCOMP};
	u64 call_addr = tf->rip;
	i32 call = (i32)nr;
	u32 arch = AUDIT_ARCH_X86_64;
	memcpy(info.f.bytes, &call_addr, 8);
	memcpy(info.f.bytes + 8, &call, 4);
	memcpy(info.f.bytes + 12, &arch, 4);
	/* Forced, as Linux's force_sig_seccomp: blocked or ignored, SIGSYS kills. */
	struct proc *p = t->proc;
	u64 h = __atomic_load_n(&p->sigactions[SIGSYS - 1].handler, __ATOMIC_RELAXED);
	if (h == SIG_IGN || (thread_sig_mask(t) & SIGBIT(SIGSYS)) || h == SIG_DFL) {
		proc_exit_all(p, signal_exit_status(SIGSYS));
		return;
	}
	signal_send_thread_info(t, &info, false);
}

static void kill_thread(struct thread *t)
{
	struct proc *p = t->proc;
	if (__atomic_load_n(&p->nthreads, __ATOMIC_RELAXED) <= 1) {
		proc_exit_all(p, signal_exit_status(SIGSYS));
		return;
	}
	t->exit_code = 0;
	thread_leave(LEAVE_EXIT); /* this thread only, as Linux's KILL_THREAD */
}

int seccomp_check(struct thread *t, u64 nr, struct trapframe *tf, long *ret)
{
	if (t->park.restarting)
		return 1; /* the call passed when it began; its restart is the same call */
	if (t->seccomp_mode == SECCOMP_MODE_STRICT) {
		if (nr == NR_read || nr == NR_write || nr == NR_exit || nr == NR_rt_sigreturn)
			return 1;
		kprintf("ferry: pid %u (%s): system call %lu in seccomp strict mode, killed\n",
			t->proc->pid, t->proc->name, nr);
		proc_exit_all(t->proc, signal_exit_status(SIGKILL));
		*ret = -EPERM;
		return 0;
	}
	struct seccomp_data d = {.nr = (i32)nr,
				 .arch = AUDIT_ARCH_X86_64,
				 .instruction_pointer = tf->rip,
				 .args = {tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9}};
	u32 action = SECCOMP_RET_ALLOW;
	const struct seccomp_filter *logged = NULL;
	for (const struct seccomp_filter *f = __atomic_load_n(&t->seccomp, __ATOMIC_ACQUIRE); f;
	     f = f->prev) {
		u32 r = run(f, &d);
		if (before(r, action)) {
			action = r;
			logged = f;
		}
	}
	u32 data = action & SECCOMP_RET_DATA;
	switch (action & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
		return 1;
	case SECCOMP_RET_LOG:
		log_once(nr, "seccomp: system call %lu logged", nr);
		return 1;
	case SECCOMP_RET_ERRNO:
		*ret = -(long)MIN(data, 4095u);
		return 0;
	case SECCOMP_RET_TRAP:
		send_sigsys(t, tf, nr, data);
		*ret = (long)tf->rax; /* skipped, rax untouched (Linux: the call's number comes back) */
		return 0;
	case SECCOMP_RET_TRACE:
	case SECCOMP_RET_USER_NOTIF:
		*ret = -ENOSYS; /* no tracer, no listener: as Linux without one */
		return 0;
	case SECCOMP_RET_KILL_THREAD:
		if (logged && logged->log)
			kprintf("ferry: pid %u (%s): system call %lu killed by seccomp\n", t->proc->pid,
				t->proc->name, nr);
		kill_thread(t);
		*ret = -ENOSYS;
		return 0;
	default: /* KILL_PROCESS, and any action Linux does not know */
		kprintf("ferry: pid %u (%s): system call %lu killed the process (seccomp)\n",
			t->proc->pid, t->proc->name, nr);
		proc_exit_all(t->proc, signal_exit_status(SIGSYS));
		*ret = -ENOSYS;
		return 0;
	}
}

void seccomp_inherit(struct thread *nt, const struct thread *t)
{
	nt->seccomp_mode = t->seccomp_mode;
	nt->seccomp = filter_get(t->seccomp);
}

void seccomp_release(struct thread *t)
{
	filter_put(t->seccomp);
	t->seccomp = NULL;
}

u32 seccomp_nfilters(const struct thread *t)
{
	const struct seccomp_filter *f = __atomic_load_n(&t->seccomp, __ATOMIC_ACQUIRE);
	return f ? f->depth : 0;
}

/* ---- installing ---- */

/* Is anc in f's chain (or NULL)? */
static bool in_chain(const struct seccomp_filter *f, const struct seccomp_filter *anc)
{
	if (!anc)
		return true;
	for (; f; f = f->prev)
		if (f == anc)
			return true;
	return false;
}

long seccomp_set_strict(void)
{
	struct thread *t = current_thread();
	if (t->seccomp_mode == SECCOMP_MODE_FILTER)
		return -EINVAL; /* a mode is only ever tightened into the same kind */
	t->seccomp_mode = SECCOMP_MODE_STRICT;
	return 0;
}

/*
 * SECCOMP_FILTER_FLAG_SPEC_ALLOW asks Linux not to turn on its
 * speculative-store-bypass mitigation for the thread; Ferry never turns
 * it on for seccomp, so the flag has nothing to change.
 */
long seccomp_set_filter(u32 flags, u64 uprog)
{
	if (flags & ~(u32)(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
			   SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)) {
		if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
			unsupported("seccomp filter flag NEW_LISTENER", flags);
		return -EINVAL;
	}
	struct thread *t = current_thread();
	struct proc *p = t->proc;
	if (t->seccomp_mode == SECCOMP_MODE_STRICT)
		return -EINVAL;
	/* Without no_new_privs only a privileged caller may restrict what a set-ID program does. */
	if (!__atomic_load_n(&p->no_new_privs, __ATOMIC_RELAXED) &&
	    !cred_capable(cur_cred(), CAP_SYS_ADMIN))
		return -EACCES;
	struct sock_fprog fp;
	if (copy_from_domain(cur_dom(), &fp, uprog, sizeof fp) < 0)
		return -EFAULT;
	if (fp.len == 0 || fp.len > BPF_MAXINSNS)
		return -EINVAL;
	struct seccomp_filter *f = kmalloc(sizeof *f + fp.len * sizeof(struct sock_filter));
	if (!f)
		return -ENOMEM;
	if (copy_from_domain(cur_dom(), f->prog, fp.filter, fp.len * sizeof(struct sock_filter)) <
	    0) {
		kfree(f);
		return -EFAULT;
	}
	if (!program_ok(f->prog, fp.len)) {
		kfree(f);
		return -EINVAL;
	}
	struct seccomp_filter *prev = t->seccomp;
	/* Linux charges each filter 4 instructions on top of its own for a path's limit. */
	u32 insns = fp.len + 4 + (prev ? prev->insns : 0);
	if (insns > MAX_INSNS_PER_PATH) {
		kfree(f);
		return -ENOMEM;
	}
	*f = (struct seccomp_filter){.refs = 1,
				     .len = fp.len,
				     .depth = (prev ? prev->depth : 0) + 1,
				     .insns = insns,
				     .log = flags & SECCOMP_FILTER_FLAG_LOG,
				     .prev = filter_get(prev)};
	if (flags & (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)) {
		/* Every thread takes the new chain, if each one's present chain is in it. */
		spin_lock(&p->lock);
		struct list_node *pos;
		u32 bad = 0;
		list_for_each(pos, &p->threads)
		{
			struct thread *o = container_of(pos, struct thread, proc_node);
			if (o != t && (o->seccomp_mode == SECCOMP_MODE_STRICT ||
				       !in_chain(f, __atomic_load_n(&o->seccomp, __ATOMIC_ACQUIRE))))
				bad = o->tid;
		}
		if (bad) {
			spin_unlock(&p->lock);
			filter_put(f);
			return (flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH) ? -ESRCH : (long)bad;
		}
		list_for_each(pos, &p->threads)
		{
			struct thread *o = container_of(pos, struct thread, proc_node);
			if (o == t)
				continue;
			/* The old chain stays alive inside the new one: a reader of it is safe. */
			struct seccomp_filter *old = o->seccomp;
			__atomic_store_n(&o->seccomp, filter_get(f), __ATOMIC_RELEASE);
			o->seccomp_mode = SECCOMP_MODE_FILTER;
			filter_put(old);
		}
		spin_unlock(&p->lock);
	}
	__atomic_store_n(&t->seccomp, f, __ATOMIC_RELEASE);
	t->seccomp_mode = SECCOMP_MODE_FILTER;
	filter_put(prev); /* f holds it now */
	return 0;
}

long seccomp_prctl_set(u64 mode, u64 ufilter)
{
	if (mode == SECCOMP_MODE_STRICT)
		return ufilter ? -EINVAL : seccomp_set_strict();
	if (mode == SECCOMP_MODE_FILTER)
		return seccomp_set_filter(0, ufilter);
	return -EINVAL;
}

