/*
 * inotify (inotify(7)): watches on inodes, and per instance a queue of
 * the events they saw, read as struct inotify_event records. The VFS
 * reports what happens (fs/notify.h); this file finds the watches and
 * queues the events.
 *
 * One lock, inotify_lock, covers every instance's watches and queue and
 * every inode's watch list (inode.watches): a watch is on two lists, and
 * events come from any core. It is held only to look and link; records
 * are allocated with it held (the heap never waits), user memory is
 * touched without it, and inode references are dropped after it is
 * released (a last reference may write the inode out).
 *
 * A watch holds a reference to its inode, so the inode (and its watch
 * list) stays in memory while watched; the watch ends, with IN_IGNORED,
 * when it is removed, its instance closes, the inode is deleted, or its
 * file system is unmounted.
 */
#include "event/event.h"
#include "fs/abi.h"
#include "fs/notify.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define FIONREAD 0x541B
#define EVENT_HDR 16 /* struct inotify_event: wd, mask, cookie, len */

struct inotify_event_rec {
	struct inotify_event_rec *next;
	i32 wd;
	u32 mask, cookie;
	u32 len;     /* the name's room: its length and NUL padded to 16, or 0 */
	u32 namelen; /* the name's bytes */
	char name[];
};

struct inotify {
	struct inode inode;            /* anon_inode:inotify; freed with it */
	u32 uid;                       /* [I] the creator's real user: the limits are per user */
	struct list_node all;          /* [inotify_lock] in instances */
	struct list_node watches;      /* [inotify_lock] its watches (inotify_watch.in_node) */
	i32 last_wd;                   /* [inotify_lock] */
	u32 nwatches;                  /* [inotify_lock] */
	struct inotify_event_rec *head, **tail; /* [inotify_lock] the queue */
	u32 nevents;                   /* [inotify_lock] */
	u64 bytes;                     /* [inotify_lock] what read would give for all of them */
	struct waitq wq;               /* readers and pollers */
};

struct inotify_watch {
	struct inotify *in;            /* [I] */
	struct inode *ip;              /* [I] a reference */
	i32 wd;                        /* [I] */
	u32 mask;                      /* [inotify_lock] events and IN_ONESHOT, IN_EXCL_UNLINK */
	struct inotify_watch *next;    /* [inotify_lock] on ip->watches */
	struct list_node in_node;      /* [inotify_lock] on in->watches */
};

static struct spinlock inotify_lock = SPINLOCK_INIT;
static struct list_node instances = LIST_INIT(instances); /* [inotify_lock] */
static struct superblock inotifyfs = {.fstype = "inotify"};

/* ---- the queue ---- */

static u32 padded(u32 namelen)
{
	return namelen ? (u32)ALIGN_UP(namelen + 1, EVENT_HDR) : 0;
}

/* Queue an event on in (caller holds inotify_lock); false only when out of memory. */
static bool queue_locked(struct inotify *in, i32 wd, u32 mask, u32 cookie, const char *name,
			 size_t len)
{
	struct inotify_event_rec *last =
		in->head ? container_of(in->tail, struct inotify_event_rec, next) : NULL;
	if (in->nevents >= INOTIFY_MAX_QUEUED_EVENTS) {
		if (last && last->mask == IN_Q_OVERFLOW)
			return true; /* told once: the rest are lost */
		wd = -1, mask = IN_Q_OVERFLOW, cookie = 0, len = 0;
	} else if (last && last->wd == wd && last->mask == mask && last->cookie == cookie &&
		   last->namelen == len && !memcmp(last->name, name, len)) {
		return true; /* the same as the one before, still unread: one is enough (as Linux) */
	}
	struct inotify_event_rec *e = kmalloc(sizeof *e + len + 1);
	if (!e)
		return false;
	*e = (struct inotify_event_rec){.wd = wd, .mask = mask, .cookie = cookie,
					.len = padded((u32)len), .namelen = (u32)len};
	memcpy(e->name, name, len);
	e->name[len] = 0;
	*in->tail = e;
	in->tail = &e->next;
	in->nevents++;
	in->bytes += EVENT_HDR + e->len;
	return true;
}

/* ---- watches ---- */

/* Take w off both lists, telling its instance (IN_IGNORED); its inode is the caller's to put. */
static void unwatch_locked(struct inotify_watch *w, bool tell)
{
	struct inotify_watch **pp = &w->ip->watches;
	while (*pp != w)
		pp = &(*pp)->next;
	*pp = w->next;
	list_remove(&w->in_node);
	w->in->nwatches--;
	__atomic_sub_fetch(&vfs_notify_watches, 1, __ATOMIC_RELAXED);
	if (tell)
		queue_locked(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
}

/* Watches taken off their lists (chained by next): their inodes put, then freed, lock dropped. */
static void watches_free(struct inotify_watch *dead)
{
	while (dead) {
		struct inotify_watch *w = dead;
		dead = w->next;
		inode_put(w->ip);
		kfree(w);
	}
}

static void inotify_event(struct inode *ip, u32 mask, struct inode *child, const char *name,
			  size_t len, u32 cookie)
{
	bool unmount = mask & IN_UNMOUNT;
	struct inotify_watch *dead = NULL;
	spin_lock(&inotify_lock);
	struct inotify_watch *w = ip->watches;
	while (w) {
		struct inotify_watch *next = w->next;
		u32 want = w->mask & mask & IN_ALL_EVENTS;
		/* IN_EXCL_UNLINK: a child whose last name is gone is no longer the directory's. */
		bool excluded = name && child && (w->mask & IN_EXCL_UNLINK) &&
				!__atomic_load_n(&child->nlink, __ATOMIC_RELAXED);
		bool fired = (want || unmount) && !excluded;
		if (fired) {
			u32 report = unmount ? IN_UNMOUNT : want | (mask & IN_ISDIR);
			queue_locked(w->in, w->wd, report, cookie, name, name ? len : 0);
			/* Under the lock: once it is dropped the instance may close and go. */
			waitq_wake_events(&w->in->wq, POLLIN | POLLRDNORM);
		}
		/* A deleted or unmounted inode ends every watch on it; a one-shot one ends once fired. */
		if ((mask & (IN_DELETE_SELF | IN_UNMOUNT)) || (fired && (w->mask & IN_ONESHOT))) {
			unwatch_locked(w, true); /* IN_IGNORED after the event, as on Linux */
			waitq_wake_events(&w->in->wq, POLLIN | POLLRDNORM);
			w->next = dead;
			dead = w;
		}
		w = next;
	}
	spin_unlock(&inotify_lock);
	watches_free(dead);
}

static void inotify_umount(struct superblock *sb)
{
	/* Every watch on sb's inodes ends: IN_UNMOUNT, then IN_IGNORED. */
	for (;;) {
		struct inode *ip = NULL;
		spin_lock(&inotify_lock);
		struct list_node *a, *b;
		list_for_each(a, &instances)
		{
			struct inotify *in = container_of(a, struct inotify, all);
			list_for_each(b, &in->watches)
			{
				struct inotify_watch *w = container_of(b, struct inotify_watch, in_node);
				if (w->ip->sb == sb) {
					ip = inode_get(w->ip);
					break;
				}
			}
			if (ip)
				break;
		}
		spin_unlock(&inotify_lock);
		if (!ip)
			return;
		inotify_event(ip, IN_UNMOUNT, NULL, NULL, 0, 0);
		inode_put(ip);
	}
}

static const struct vfs_notifier inotify_notifier = {.event = inotify_event,
						     .umount = inotify_umount};

void inotify_init(void)
{
	vfs_notify_register(&inotify_notifier);
}

/* ---- the file ---- */

static ssize_t inotify_read(struct file *f, struct uio *u, u64 *pos)
{
	struct inotify *in = f->priv;
	spin_lock(&inotify_lock);
	if (!in->head) {
		long r = -EAGAIN;
		if (!(f->flags & O_NONBLOCK)) {
			spin_lock(&in->wq.lock);
			r = park_on(&in->wq); /* restartable: invariant 3 */
			spin_unlock(&in->wq.lock);
		}
		spin_unlock(&inotify_lock);
		return r;
	}
	if (u->resid < EVENT_HDR + in->head->len) {
		spin_unlock(&inotify_lock);
		return -EINVAL; /* not even the first one fits */
	}
	/* Whole records that fit, taken off the queue; copied out with no lock held. */
	struct inotify_event_rec *first = in->head, *e = first, *last = NULL;
	size_t n = 0;
	u32 k = 0;
	while (e && n + EVENT_HDR + e->len <= u->resid) {
		n += EVENT_HDR + e->len;
		last = e;
		e = e->next;
		k++;
	}
	in->head = e;
	if (!e)
		in->tail = &in->head;
	in->nevents -= k;
	in->bytes -= n;
	last->next = NULL;
	spin_unlock(&inotify_lock);
	size_t done = 0;
	int err = 0;
	while (first) {
		e = first;
		u32 hdr[4] = {(u32)e->wd, e->mask, e->cookie, e->len};
		static const char zeros[EVENT_HDR];
		err = uio_copy_out(u, hdr, sizeof hdr);
		if (!err && e->len)
			err = uio_copy_out(u, e->name, e->namelen);
		if (!err && e->len)
			err = uio_copy_out(u, zeros, e->len - e->namelen);
		if (err)
			break;
		done += EVENT_HDR + e->len;
		first = e->next;
		kfree(e);
	}
	if (first) {
		/* A bad buffer (or a page on its way in): the rest go back to the front, in order. */
		u32 back = 0;
		u64 bytes = 0;
		for (e = first;; e = e->next) {
			back++;
			bytes += EVENT_HDR + e->len;
			if (!e->next)
				break;
		}
		spin_lock(&inotify_lock);
		e->next = in->head;
		if (!in->head)
			in->tail = &e->next;
		in->head = first;
		in->nevents += back;
		in->bytes += bytes;
		spin_unlock(&inotify_lock);
	}
	return done ? (ssize_t)done : err;
}

static u32 inotify_poll(struct file *f, struct poll_set *ps)
{
	struct inotify *in = f->priv;
	poll_wait_add(ps, &in->wq);
	return __atomic_load_n(&in->head, __ATOMIC_ACQUIRE) ? POLLIN | POLLRDNORM : 0;
}

static long inotify_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	struct inotify *in = f->priv;
	if (cmd != FIONREAD)
		return -EINVAL;
	spin_lock(&inotify_lock);
	int n = (int)MIN(in->bytes, (u64)0x7fffffff);
	spin_unlock(&inotify_lock);
	return copy_to_domain(dom, arg, &n, sizeof n) < 0 ? -EFAULT : 0;
}

/* The last close: every watch ends (nobody is left to tell), the queue goes. */
static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	struct inotify_watch *dead = NULL;
	spin_lock(&inotify_lock);
	while (!list_empty(&in->watches)) {
		struct inotify_watch *w = container_of(in->watches.next, struct inotify_watch, in_node);
		unwatch_locked(w, false);
		w->next = dead;
		dead = w;
	}
	list_remove(&in->all);
	spin_unlock(&inotify_lock);
	watches_free(dead);
	while (in->head) {
		struct inotify_event_rec *e = in->head;
		in->head = e->next;
		kfree(e);
	}
}

static const struct file_ops inotify_fops = {.read = inotify_read,
					     .poll = inotify_poll,
					     .ioctl = inotify_ioctl,
					     .release = inotify_release};

static void inotify_evict(struct inode *ip)
{
	kfree(container_of(ip, struct inotify, inode));
}

static const struct inode_ops inotify_inode_ops = {.evict = inotify_evict};

int inotify_new(u32 flags, struct file **out)
{
	u32 uid = cur_cred()->uid;
	struct inotify *in = knew(struct inotify);
	if (!in)
		return -ENOMEM;
	in->uid = uid;
	list_init(&in->watches);
	in->tail = &in->head;
	waitq_init(&in->wq);
	anon_inode_init(&in->inode, &inotifyfs, &inotify_inode_ops);
	/* The user's instances, counted and joined under one lock. */
	spin_lock(&inotify_lock);
	u32 mine = 0;
	struct list_node *a;
	list_for_each(a, &instances)
		mine += container_of(a, struct inotify, all)->uid == uid;
	if (mine >= INOTIFY_MAX_USER_INSTANCES) {
		spin_unlock(&inotify_lock);
		inode_put(&in->inode);
		return -EMFILE;
	}
	list_push_back(&instances, &in->all);
	spin_unlock(&inotify_lock);
	struct file *f = file_alloc(&in->inode, FMODE_READ | FMODE_STREAM,
				    O_RDONLY | (flags & O_NONBLOCK), &inotify_fops);
	if (!f) {
		spin_lock(&inotify_lock);
		list_remove(&in->all);
		spin_unlock(&inotify_lock);
		inode_put(&in->inode);
		return -ENFILE;
	}
	inode_put(&in->inode); /* the file holds its own */
	f->priv = in;
	*out = f;
	return 0;
}

struct inotify *file_inotify(struct file *f)
{
	return f->ops == &inotify_fops ? f->priv : NULL;
}

long inotify_watch_add(struct inotify *in, struct inode *ip, u32 mask)
{
	struct inotify_watch *w = knew(struct inotify_watch);
	if (!w)
		return -ENOMEM;
	u32 keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	spin_lock(&inotify_lock);
	/* One watch per inode and instance: a second add changes its mask. */
	for (struct inotify_watch *o = ip->watches; o; o = o->next) {
		if (o->in != in)
			continue;
		long r = o->wd;
		if (mask & IN_MASK_CREATE)
			r = -EEXIST;
		else if (mask & IN_MASK_ADD)
			o->mask |= keep;
		else
			o->mask = keep;
		spin_unlock(&inotify_lock);
		kfree(w);
		return r;
	}
	u32 mine = 0;
	struct list_node *a;
	list_for_each(a, &instances)
	{
		struct inotify *o = container_of(a, struct inotify, all);
		if (o->uid == in->uid)
			mine += o->nwatches;
	}
	if (mine >= INOTIFY_MAX_USER_WATCHES) {
		spin_unlock(&inotify_lock);
		kfree(w);
		return -ENOSPC;
	}
	/* Watch descriptors count up and are not reused soon (Linux: an idr cycling from 1). */
	i32 wd = in->last_wd < 0x7fffffff ? in->last_wd + 1 : 1;
	in->last_wd = wd;
	*w = (struct inotify_watch){.in = in, .ip = inode_get(ip), .wd = wd, .mask = keep};
	w->next = ip->watches;
	__atomic_store_n(&ip->watches, w, __ATOMIC_RELEASE);
	list_push_back(&in->watches, &w->in_node);
	in->nwatches++;
	__atomic_add_fetch(&vfs_notify_watches, 1, __ATOMIC_RELAXED);
	spin_unlock(&inotify_lock);
	return wd;
}

long inotify_watch_rm(struct inotify *in, i32 wd)
{
	spin_lock(&inotify_lock);
	struct list_node *a;
	list_for_each(a, &in->watches)
	{
		struct inotify_watch *w = container_of(a, struct inotify_watch, in_node);
		if (w->wd != wd)
			continue;
		unwatch_locked(w, true);
		spin_unlock(&inotify_lock);
		waitq_wake_events(&in->wq, POLLIN | POLLRDNORM);
		inode_put(w->ip);
		kfree(w);
		return 0;
	}
	spin_unlock(&inotify_lock);
	return -EINVAL;
}
