/* File-descriptor tables (see fdtable.h). */
#include "fs/fdtable.h"
#include "fs/vfs.h"
#include "fs/lock.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define FD_MIN_CAP 64

static inline bool cloexec_test(const struct fdtable *t, u32 fd)
{
	return t->cloexec[fd / 64] & (1ULL << (fd % 64));
}

static inline void cloexec_set(struct fdtable *t, u32 fd, bool on)
{
	if (on)
		t->cloexec[fd / 64] |= 1ULL << (fd % 64);
	else
		t->cloexec[fd / 64] &= ~(1ULL << (fd % 64));
}

/*
 * A descriptor of t closes: the process's record locks on the file go
 * with it (POSIX: any close of the file does that), then the reference.
 */
static void drop(struct fdtable *t, struct file *f)
{
	if (f && __atomic_load_n(&f->ip->locks, __ATOMIC_RELAXED))
		locks_remove_posix(t, f->ip);
	file_put(f);
}

static struct fdtable *table_new(u32 cap)
{
	struct fdtable *t = knew(struct fdtable);
	if (!t)
		return NULL;
	t->fds = kzalloc(cap * sizeof *t->fds);
	t->cloexec = kzalloc(cap / 8);
	if (!t->fds || !t->cloexec) {
		kfree(t->fds);
		kfree(t->cloexec);
		kfree(t);
		return NULL;
	}
	t->lock = (struct spinlock)SPINLOCK_INIT;
	t->refs = 1;
	t->cap = cap;
	return t;
}

struct fdtable *fdtable_create(void)
{
	return table_new(FD_MIN_CAP);
}

/* Make room for fd (t->lock held). The heap lock nests inside ours (fdtable.h). */
static int grow_locked(struct fdtable *t, u32 fd)
{
	assert(spin_is_locked(&t->lock));
	if (fd < t->cap)
		return 0;
	if (fd >= FD_MAX)
		return -EMFILE;
	u32 cap = t->cap;
	while (cap <= fd)
		cap *= 2;
	struct file **fds = kzalloc(cap * sizeof *fds);
	u64 *cloexec = kzalloc(cap / 8);
	if (!fds || !cloexec) {
		kfree(fds);
		kfree(cloexec);
		return -ENOMEM;
	}
	memcpy(fds, t->fds, t->cap * sizeof *fds);
	memcpy(cloexec, t->cloexec, t->cap / 8);
	kfree(t->fds);
	kfree(t->cloexec);
	t->fds = fds;
	t->cloexec = cloexec;
	t->cap = cap;
	return 0;
}

struct fdtable *fdtable_fork(struct fdtable *parent)
{
	spin_lock(&parent->lock);
	struct fdtable *t = table_new(parent->cap);
	if (t) {
		for (u32 fd = 0; fd < parent->cap; fd++)
			if (parent->fds[fd])
				t->fds[fd] = file_get(parent->fds[fd]);
		memcpy(t->cloexec, parent->cloexec, parent->cap / 8);
	}
	spin_unlock(&parent->lock);
	return t;
}

void fdtable_get(struct fdtable *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void fdtable_put(struct fdtable *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
		return;
	/* Nobody else can reach the table now: no lock needed. */
	for (u32 fd = 0; fd < t->cap; fd++)
		if (t->fds[fd])
			drop(t, t->fds[fd]);
	kfree(t->fds);
	kfree(t->cloexec);
	kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	spin_lock(&t->lock);
	/* A word of close-on-exec bits at a time: most tables have none set. */
	for (u32 w = 0; w < t->cap / 64; w++) {
		while (t->cloexec[w]) {
			u32 fd = w * 64 + (u32)__builtin_ctzll(t->cloexec[w]);
			struct file *f = t->fds[fd];
			t->fds[fd] = NULL;
			cloexec_set(t, fd, false);
			/* Released outside the table lock: a release may take other locks. */
			spin_unlock(&t->lock);
			drop(t, f);
			spin_lock(&t->lock);
		}
	}
	spin_unlock(&t->lock);
}

int fd_alloc(struct fdtable *t, struct file *f, int minfd, bool cloexec)
{
	u32 limit = fd_limit();
	if (minfd < 0 || (u32)minfd >= limit)
		return -EINVAL;
	spin_lock(&t->lock);
	u32 fd = (u32)minfd;
	while (fd < t->cap && t->fds[fd])
		fd++;
	int r = fd >= limit ? -EMFILE : grow_locked(t, fd);
	if (r == 0) {
		t->fds[fd] = f;
		cloexec_set(t, fd, cloexec);
	}
	spin_unlock(&t->lock);
	return r < 0 ? r : (int)fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	spin_lock(&t->lock);
	if (fd >= 0 && (u32)fd < t->cap && t->fds[fd])
		f = file_get(t->fds[fd]);
	spin_unlock(&t->lock);
	return f;
}

struct fd_ref fd_borrow(struct fdtable *t, int fd, bool alone)
{
	if (alone && __atomic_load_n(&t->refs, __ATOMIC_RELAXED) == 1) {
		struct file *f = fd >= 0 && (u32)fd < t->cap ? t->fds[fd] : NULL;
		return (struct fd_ref){.f = f, .counted = false};
	}
	return (struct fd_ref){.f = fd_get(t, fd), .counted = true};
}

void fd_ref_put(struct fd_ref r)
{
	if (r.counted && r.f)
		file_put(r.f);
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	spin_lock(&t->lock);
	if (fd >= 0 && (u32)fd < t->cap) {
		f = t->fds[fd];
		t->fds[fd] = NULL;
		cloexec_set(t, (u32)fd, false);
	}
	spin_unlock(&t->lock);
	if (!f)
		return -EBADF;
	drop(t, f);
	return 0;
}

int fd_dup_to(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	if (newfd < 0 || (u32)newfd >= fd_limit())
		return -EBADF;
	struct file *old = NULL;
	spin_lock(&t->lock);
	if (oldfd < 0 || (u32)oldfd >= t->cap || !t->fds[oldfd]) {
		spin_unlock(&t->lock);
		return -EBADF;
	}
	int r = grow_locked(t, (u32)newfd);
	if (r == 0 && oldfd != newfd) {
		/* dup2(fd, fd) changes nothing, FD_CLOEXEC included (dup2(2)). */
		old = t->fds[newfd];
		t->fds[newfd] = file_get(t->fds[oldfd]);
		cloexec_set(t, (u32)newfd, cloexec);
	}
	spin_unlock(&t->lock);
	drop(t, old);
	return r < 0 ? r : newfd;
}

void fd_close_range(struct fdtable *t, u32 first, u32 last, bool cloexec)
{
	spin_lock(&t->lock);
	for (u32 fd = first; fd <= last && fd < t->cap; fd++) {
		struct file *f = t->fds[fd];
		if (!f)
			continue;
		if (cloexec) {
			cloexec_set(t, fd, true);
			continue;
		}
		t->fds[fd] = NULL;
		cloexec_set(t, fd, false);
		/* Released outside the table lock: a release may take other locks. */
		spin_unlock(&t->lock);
		drop(t, f);
		spin_lock(&t->lock);
	}
	spin_unlock(&t->lock);
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	int r = -EBADF;
	spin_lock(&t->lock);
	if (fd >= 0 && (u32)fd < t->cap && t->fds[fd])
		r = cloexec_test(t, (u32)fd);
	spin_unlock(&t->lock);
	return r;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int r = -EBADF;
	spin_lock(&t->lock);
	if (fd >= 0 && (u32)fd < t->cap && t->fds[fd]) {
		cloexec_set(t, (u32)fd, on);
		r = 0;
	}
	spin_unlock(&t->lock);
	return r;
}

int fd_install_pair(struct fdtable *t, struct file *f[2], bool cloexec, struct domain *dom, u64 ufds)
{
	int fds[2];
	fds[0] = fd_alloc(t, f[0], 0, cloexec); /* takes over the reference on success */
	if (fds[0] < 0) {
		file_put(f[0]);
		file_put(f[1]);
		return fds[0];
	}
	fds[1] = fd_alloc(t, f[1], 0, cloexec);
	if (fds[1] < 0) {
		fd_close(t, fds[0]);
		file_put(f[1]);
		return fds[1];
	}
	if (copy_to_domain(dom, ufds, fds, sizeof fds) < 0) {
		fd_close(t, fds[0]);
		fd_close(t, fds[1]);
		return -EFAULT;
	}
	return 0;
}
