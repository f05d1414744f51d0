/*
 * File locks (lock.h). Each inode's locks are a list of struct file_lock,
 * all under one spinlock (the waiters' queue's): lock calls are rare and
 * short, and one lock makes deadlock detection, which follows waits from
 * inode to inode, simple.
 */
#include "fs/lock.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

enum lock_class { LK_POSIX, LK_OFD, LK_FLOCK };

struct file_lock {
	struct file_lock *next;  /* [lockq.lock] the inode's next */
	struct inode *ip;        /* [I] */
	u8 class;                /* [I] enum lock_class */
	u8 type;                 /* [lockq.lock] F_RDLCK or F_WRLCK */
	u64 start, end;          /* [lockq.lock] bytes start..end, inclusive; end ~0: to infinity */
	void *owner;             /* [I] POSIX: the fdtable; OFD and flock: the file */
	i32 pid;                 /* [I] who took it (F_GETLK); -1 for OFD locks, as Linux */
};

/* A request parked behind another owner's lock: what deadlock detection follows. */
struct blocked {
	struct blocked *next; /* [lockq.lock] */
	void *owner;
	struct inode *ip;
	u64 start, end;
	u8 type;
};

static struct waitq lockq = WAITQ_INIT(lockq);
static struct blocked *blocked_list; /* [lockq.lock] */

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define DEADLOCK_DEPTH 64 /* how far a chain of waits is followed */

/* Record locks (POSIX and OFD) share one space; flock locks another. */
static bool same_space(int a, int b)
{
	return (a == LK_FLOCK) == (b == LK_FLOCK);
}

static bool overlaps(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 <= e2 && s2 <= e1;
}

/* The first lock of another owner that a request conflicts with; caller holds lockq.lock. */
static struct file_lock *conflict_locked(struct inode *ip, int class, void *owner, int type,
					 u64 start, u64 end)
{
	for (struct file_lock *l = ip->locks; l; l = l->next) {
		if (!same_space(l->class, class) || l->owner == owner)
			continue;
		if (!overlaps(l->start, l->end, start, end))
			continue;
		if (l->type == F_WRLCK || type == F_WRLCK)
			return l;
	}
	return NULL;
}

/*
 * Would owner waiting behind `held` close a circle? Follow who the holder
 * waits for, and who that one waits for, a bounded number of steps.
 */
static bool deadlock_locked(void *owner, struct file_lock *held)
{
	void *next = held->owner;
	for (int depth = 0; depth < DEADLOCK_DEPTH; depth++) {
		if (next == owner)
			return true;
		struct blocked *b;
		for (b = blocked_list; b; b = b->next)
			if (b->owner == next)
				break;
		if (!b)
			return false;
		struct file_lock *h = conflict_locked(b->ip, LK_POSIX, b->owner, b->type, b->start, b->end);
		if (!h)
			return false;
		next = h->owner;
	}
	return false;
}

/* Take owner's locks of class off [start, end], splitting those that stick out; caller holds lockq.lock. */
static int unlock_range_locked(struct inode *ip, int class, void *owner, u64 start, u64 end)
{
	struct file_lock **pp = &ip->locks;
	while (*pp) {
		struct file_lock *l = *pp;
		if (l->class != class || l->owner != owner || !overlaps(l->start, l->end, start, end)) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			/* The range is inside this lock: two pieces stay. */
			struct file_lock *tail = knew(struct file_lock);
			if (!tail)
				return -ENOLCK;
			*tail = *l;
			tail->start = end + 1;
			l->end = start - 1;
			tail->next = l->next;
			l->next = tail;
			return 0;
		}
		if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			kfree(l);
		}
	}
	return 0;
}

/* Add a lock, replacing owner's own in its range; caller holds lockq.lock. */
static int add_locked(struct inode *ip, int class, void *owner, int type, u64 start, u64 end, i32 pid)
{
	struct file_lock *l = knew(struct file_lock);
	if (!l)
		return -ENOLCK;
	int r = unlock_range_locked(ip, class, owner, start, end);
	if (r < 0) {
		kfree(l);
		return r;
	}
	*l = (struct file_lock){.ip = ip, .class = (u8)class, .type = (u8)type, .start = start,
				.end = end, .owner = owner, .pid = pid};
	/* Join neighbours of the same owner and type (POSIX locks merge). */
	for (struct file_lock **pp = &ip->locks; *pp;) {
		struct file_lock *o = *pp;
		bool adj = o->class == class && o->owner == owner && o->type == type &&
			   ((o->end != ~0UL && o->end + 1 == l->start) || (l->end != ~0UL && l->end + 1 == o->start));
		if (adj) {
			l->start = MIN(l->start, o->start);
			l->end = MAX(l->end, o->end);
			*pp = o->next;
			kfree(o);
		} else {
			pp = &o->next;
		}
	}
	struct file_lock **pp = &ip->locks;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
	return 0;
}

static void blocked_release(void *arg)
{
	struct blocked *b = arg;
	spin_lock(&lockq.lock);
	for (struct blocked **pp = &blocked_list; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	}
	spin_unlock(&lockq.lock);
	kfree(b);
}

/*
 * Set or clear a lock, waiting if asked: 0, -EAGAIN (held by another),
 * -EDEADLK, -ERESTART_PARK while waiting, or -ENOLCK.
 */
static long set_lock(struct inode *ip, int class, void *owner, int type, u64 start, u64 end,
		     i32 pid, bool wait)
{
	/* A restart after waiting: forget the old request, look again. */
	struct blocked *b = park_take(blocked_release);
	if (b)
		blocked_release(b);
	spin_lock(&lockq.lock);
	long r;
	if (type == F_UNLCK) {
		r = unlock_range_locked(ip, class, owner, start, end);
		spin_unlock(&lockq.lock);
		waitq_wake_all(&lockq);
		return r;
	}
	struct file_lock *held = conflict_locked(ip, class, owner, type, start, end);
	if (!held) {
		r = add_locked(ip, class, owner, type, start, end, pid);
		spin_unlock(&lockq.lock);
		if (class == LK_FLOCK || type == F_RDLCK)
			waitq_wake_all(&lockq); /* a conversion may have let a waiter in */
		return r;
	}
	if (!wait) {
		spin_unlock(&lockq.lock);
		return -EAGAIN;
	}
	if (class == LK_POSIX && deadlock_locked(owner, held)) {
		spin_unlock(&lockq.lock);
		return -EDEADLK;
	}
	b = knew(struct blocked);
	if (!b) {
		spin_unlock(&lockq.lock);
		return -ENOLCK;
	}
	*b = (struct blocked){.owner = owner, .ip = ip, .start = start, .end = end, .type = (u8)type};
	if (class == LK_POSIX) { /* only record locks take part in deadlock detection */
		b->next = blocked_list;
		blocked_list = b;
	}
	r = park_on(&lockq);
	spin_unlock(&lockq.lock);
	park_hold(blocked_release, b);
	return r;
}

/* struct flock on x86-64 */
struct kflock {
	i16 l_type, l_whence;
	i32 pad;
	i64 l_start, l_len;
	i32 l_pid, pad2;
};

/* The byte range a struct flock names, as an inclusive [start, end]. */
static long flock_range(struct file *f, const struct kflock *fl, u64 *start, u64 *end)
{
	i64 base;
	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (i64)__atomic_load_n(&f->pos, __ATOMIC_RELAXED);
		break;
	case SEEK_END:
		spin_lock(&f->ip->lock);
		base = (i64)f->ip->size;
		spin_unlock(&f->ip->lock);
		break;
	default:
		return -EINVAL;
	}
	i64 s = base + fl->l_start;
	if ((fl->l_start > 0 && s < base) || (fl->l_start < 0 && s > base))
		return -EOVERFLOW;
	if (fl->l_len > 0) {
		i64 e = s + fl->l_len - 1;
		if (e < s)
			return -EOVERFLOW;
		*end = (u64)e;
	} else if (fl->l_len < 0) {
		if (s + fl->l_len < 0)
			return -EINVAL;
		*end = (u64)(s - 1);
		s += fl->l_len;
	} else {
		*end = ~0UL;
	}
	if (s < 0)
		return -EINVAL;
	*start = (u64)s;
	return 0;
}

long lock_fcntl(struct fdtable *t, struct file *f, int cmd, u64 uflock)
{
	struct kflock fl;
	if (copy_from_domain(cur_dom(), &fl, uflock, sizeof fl) < 0)
		return -EFAULT;
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	u64 start, end;
	long r = flock_range(f, &fl, &start, &end);
	if (r < 0)
		return r;
	int class = ofd ? LK_OFD : LK_POSIX;
	void *owner = ofd ? (void *)f : (void *)t;
	struct inode *ip = f->ip;
	if (get) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL;
		spin_lock(&lockq.lock);
		struct file_lock *h = conflict_locked(ip, class, owner, fl.l_type, start, end);
		if (h) {
			fl.l_type = h->type;
			fl.l_whence = SEEK_SET;
			fl.l_start = (i64)h->start;
			fl.l_len = h->end == ~0UL ? 0 : (i64)(h->end - h->start + 1);
			fl.l_pid = h->class == LK_OFD ? -1 : h->pid;
		} else {
			fl.l_type = F_UNLCK;
		}
		spin_unlock(&lockq.lock);
		return copy_to_domain(cur_dom(), uflock, &fl, sizeof fl) < 0 ? -EFAULT : 0;
	}
	if ((fl.l_type == F_RDLCK && !(f->fmode & FMODE_READ)) ||
	    (fl.l_type == F_WRLCK && !(f->fmode & FMODE_WRITE)))
		return -EBADF;
	struct proc_ids ids = {0};
	cur_ids(&ids);
	return set_lock(ip, class, owner, fl.l_type, start, end, (i32)ids.pid, wait);
}

long lock_flock(struct file *f, int op)
{
	bool nb = op & LOCK_NB;
	op &= ~LOCK_NB;
	int type = op == LOCK_SH ? F_RDLCK : op == LOCK_EX ? F_WRLCK : op == LOCK_UN ? F_UNLCK : -1;
	if (type < 0)
		return -EINVAL;
	if (f->fmode & FMODE_PATH)
		return -EBADF;
	struct proc_ids ids = {0};
	cur_ids(&ids);
	/*
	 * A conversion (shared to exclusive and back) is not atomic, as on
	 * Linux: the old lock goes first, so a waiting converter cannot
	 * deadlock with another.
	 */
	if (type != F_UNLCK && !park_restarting()) {
		spin_lock(&lockq.lock);
		bool mine = false;
		for (struct file_lock *l = f->ip->locks; l; l = l->next)
			mine |= l->class == LK_FLOCK && l->owner == f && l->type != type;
		if (mine)
			unlock_range_locked(f->ip, LK_FLOCK, f, 0, ~0UL);
		spin_unlock(&lockq.lock);
		if (mine)
			waitq_wake_all(&lockq);
	}
	long r = set_lock(f->ip, LK_FLOCK, f, type, 0, ~0UL, (i32)ids.pid, !nb);
	return r; /* EWOULDBLOCK is EAGAIN */
}

/* Drop the locks of class and owner on ip; true if any went. */
static bool remove_owner(struct inode *ip, int class, void *owner)
{
	bool any = false;
	spin_lock(&lockq.lock);
	for (struct file_lock **pp = &ip->locks; *pp;) {
		struct file_lock *l = *pp;
		if (l->owner == owner && (class < 0 || l->class == class)) {
			*pp = l->next;
			kfree(l);
			any = true;
		} else {
			pp = &l->next;
		}
	}
	spin_unlock(&lockq.lock);
	if (any)
		waitq_wake_all(&lockq);
	return any;
}

void locks_remove_posix(struct fdtable *t, struct inode *ip)
{
	remove_owner(ip, LK_POSIX, t);
}

void locks_remove_file(struct file *f)
{
	remove_owner(f->ip, -1, f); /* OFD and flock locks: the file is the owner */
}
