/*
 * process_vm_readv and process_vm_writev: copy between the caller's memory
 * and another process's, through the other's domain (the copy functions
 * work on any domain). Allowed where reading its private state is (its
 * own user with matching real ids, and dumpable; or CAP_SYS_PTRACE:
 * proc_may_access). Bytes move through a kernel buffer a page at a time,
 * and no lock is held across a copy; the target's domain is held by a
 * reference, so its exit meanwhile frees nothing under the copy.
 */
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define IOV_MAX 1024

struct iovec64 {
	u64 base, len;
};

/* n iovecs from user address uaddr into a kmalloc'd array; checks the sum fits an ssize_t. */
static long get_iov(u64 uaddr, u64 n, struct iovec64 **out)
{
	*out = NULL;
	if (n > IOV_MAX)
		return -EINVAL;
	if (n == 0)
		return 0;
	struct iovec64 *v = kmalloc(n * sizeof *v);
	if (!v)
		return -ENOMEM;
	if (copy_from_domain(cur_dom(), v, uaddr, n * sizeof *v) < 0) {
		kfree(v);
		return -EFAULT;
	}
	u64 sum = 0;
	for (u64 i = 0; i < n; i++) {
		if (v[i].len > (u64)INT64_MAX - sum) {
			kfree(v);
			return -EINVAL;
		}
		sum += v[i].len;
	}
	*out = v;
	return 0;
}

/* One side of the copy: its domain and where it is in its iovecs. */
struct side {
	struct domain *d;
	struct iovec64 *v;
	u64 n, i, off;
};

/* The next stretch of s, at most max bytes; 0 at its end. */
static u64 next_run(struct side *s, u64 max, u64 *addr)
{
	while (s->i < s->n && s->off == s->v[s->i].len) {
		s->i++;
		s->off = 0;
	}
	if (s->i == s->n)
		return 0;
	*addr = s->v[s->i].base + s->off;
	return MIN(max, s->v[s->i].len - s->off);
}

static long process_vm(u64 pid, u64 lvec, u64 lcnt, u64 rvec, u64 rcnt, u64 flags, bool write)
{
	if (flags)
		return -EINVAL;
	struct iovec64 *lv, *rv = NULL;
	long r = get_iov(lvec, lcnt, &lv);
	if (r == 0)
		r = get_iov(rvec, rcnt, &rv);
	if (r < 0 || !lcnt || !rcnt) {
		kfree(lv);
		kfree(rv);
		return r;
	}
	struct domain *rd = NULL;
	spin_lock(&proc_tree_lock);
	struct proc *p = proc_find((u32)(int)pid);
	if (!p || p->state != PROC_ALIVE)
		r = -ESRCH;
	else if (!proc_may_access(cur_cred(), p, true))
		r = -EPERM;
	else if (!(rd = proc_dom_get(p)))
		r = -ESRCH;
	spin_unlock(&proc_tree_lock);
	u8 *buf = r == 0 ? kmalloc(PAGE_SIZE) : NULL;
	if (r == 0 && !buf)
		r = -ENOMEM;
	struct side local = {cur_dom(), lv, lcnt, 0, 0}, remote = {rd, rv, rcnt, 0, 0};
	struct side *from = write ? &local : &remote, *to = write ? &remote : &local;
	u64 done = 0;
	while (r == 0) {
		u64 src, dst;
		u64 n = next_run(from, PAGE_SIZE, &src);
		n = n ? next_run(to, n, &dst) : 0;
		if (!n)
			break;
		/* A fault on either side ends the copy: what was moved so far is the answer. */
		if (copy_from_domain(from->d, buf, src, n) < 0 ||
		    copy_to_domain(to->d, dst, buf, n) < 0)
			r = -EFAULT;
		else {
			from->off += n;
			to->off += n;
			done += n;
		}
	}
	kfree(buf);
	if (rd)
		domain_put(rd);
	kfree(lv);
	kfree(rv);
	return done ? (long)done : r;
}

SYSCALL(NR_process_vm_readv, process_vm_readv)
{
	return process_vm(a0, a1, a2, a3, a4, a5, false);
}

SYSCALL(NR_process_vm_writev, process_vm_writev)
{
	return process_vm(a0, a1, a2, a3, a4, a5, true);
}
