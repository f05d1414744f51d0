/*
 * poll(2)'s sets (poll.h): one thread waiting on several wait queues at
 * once. The set is the thread's own ([o]); each waiter in it sits on
 * another object's queue under that queue's lock. The set holds a
 * reference to each file whose queue it waits on, dropped when it is
 * freed (the thread runs again, or its call is abandoned).
 */
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"

struct poll_entry {
	struct waiter w;
	struct waitq *q;
	struct file *f; /* the file's reference, held by its first entry; else NULL */
};

struct poll_waits {
	struct poll_set set;
	struct file *cur; /* the file being polled, until its first entry takes it */
	u32 n, cap;
	struct poll_entry e[]; /* cap entries */
};

u32 file_poll(struct file *f, struct poll_set *ps)
{
	if (f->ops && f->ops->poll)
		return f->ops->poll(f, ps);
	return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

bool file_can_poll(const struct file *f)
{
	return f->ops && f->ops->poll;
}

static void waits_add(struct poll_set *ps, struct waitq *q)
{
	struct poll_waits *pw = container_of(ps, struct poll_waits, set);
	if (pw->n == pw->cap)
		return;
	struct poll_entry *e = &pw->e[pw->n++];
	e->w = (struct waiter){0};
	e->q = q;
	e->f = pw->cur;
	pw->cur = NULL;
	spin_lock(&q->lock);
	waitq_add_locked(q, &e->w);
	spin_unlock(&q->lock);
}

struct poll_waits *poll_waits_new(u32 cap)
{
	struct poll_waits *pw = kmalloc(sizeof *pw + cap * sizeof(struct poll_entry));
	if (!pw)
		return NULL;
	pw->set.add = waits_add;
	pw->cur = NULL;
	pw->n = 0;
	pw->cap = cap;
	return pw;
}

u32 poll_waits_file(struct poll_waits *pw, struct file *f)
{
	if (!pw) {
		u32 m = file_poll(f, NULL);
		file_put(f);
		return m;
	}
	pw->cur = f;
	u32 m = file_poll(f, &pw->set);
	if (pw->cur) /* no queue of f's was added: the set does not need it */
		file_put(pw->cur);
	pw->cur = NULL;
	return m;
}

void poll_waits_free(void *arg)
{
	struct poll_waits *pw = arg;
	if (!pw)
		return;
	for (u32 i = 0; i < pw->n; i++)
		waitq_remove(pw->e[i].q, &pw->e[i].w);
	for (u32 i = 0; i < pw->n; i++)
		file_put(pw->e[i].f);
	kfree(pw);
}
