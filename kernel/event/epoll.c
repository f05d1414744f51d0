/*
 * epoll sets (epoll(7)). An item is a (file, fd) pair in a set, kept in
 * the set's hash table, linked into the file's ep_items, and hooked onto
 * each wait queue the file's poll operation names: a standing waiter
 * whose wake (ep_wake) puts the item on the ready list and wakes the
 * set's waiters. epoll_wait polls only the ready items: level-triggered
 * ones go back on the list while they stay ready, edge-triggered ones
 * wait for the next wake, one-shot ones are disabled until EPOLL_CTL_MOD.
 * A scan works on a private copy of the ready list; wakes that come
 * meanwhile chain their items on ovf, merged back when the scan ends, so
 * no edge is lost and the file polls run without the ready list's lock.
 *
 * Sets may hold sets, up to EP_MAX_NESTS deep and never in a loop
 * (ELOOP), as Linux checks them; an epoll file's poll reports whether any
 * of its ready items is ready (its ready list only).
 *
 * Locks:
 *  epmutex   (global) every file's ep_items lists, adding and removing
 *            items, the nesting graph's loop check, a set's end. Outermost.
 *  ep.mtx    a set's items and its scan; taken inside epmutex. A nested
 *            set's mtx is taken inside its parent's (the nesting is a DAG
 *            of bounded depth).
 *  ep.lock   the ready list and ovf; taken by wakes, under the watched
 *            file's queue lock. Innermost but for wait queues.
 * Order: epmutex -> ep.mtx -> (a file's own locks -> its wait queues) ->
 * ep.lock -> the set's own wait queues.
 */
#include "event/event.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "sched/park.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define EP_MAX_NESTS 4
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_HASH_MIN 16

struct epitem;

/* An item's standing waiter on one of its file's wait queues. */
struct ep_hook {
	struct waiter w;      /* standing, on q */
	struct waitq *q;      /* [I] */
	struct epitem *it;    /* [I] */
	struct ep_hook *next; /* [ep.mtx] */
};

struct epitem {
	struct list_node hnode;   /* [ep.mtx] in its hash bucket */
	struct list_node fnode;   /* [epmutex] in file->ep_items */
	struct list_node rdnode;  /* [ep.lock] on the ready list (or a scan's) while ready */
	bool ready;               /* [ep.lock; the scanner's own while it scans] */
	bool on_ovf;              /* [ep.lock] */
	bool hook_failed;         /* [ep.mtx] out of memory while hooking */
	struct epitem *ovf_next;  /* [ep.lock] */
	struct eventpoll *ep;     /* [I] */
	struct file *file;        /* [I] no reference: its last close removes the item */
	int fd;                   /* [I] */
	u32 events;               /* [ep.mtx to change; wakes read it atomically] */
	u64 data;                 /* [ep.mtx] */
	struct ep_hook *hooks;    /* [ep.mtx] */
};

struct eventpoll {
	struct inode inode;       /* anon_inode:[eventpoll]; the set is freed with it */
	struct spinlock mtx;
	struct spinlock lock;
	struct list_node rdlist;  /* [lock] ready items */
	bool scanning;            /* [lock] a scan holds the ready items: wakes go to ovf */
	struct epitem *ovf;       /* [lock] */
	struct waitq wq;          /* epoll_wait callers */
	struct waitq poll_wq;     /* pollers of the epoll file (poll(2), parent sets) */
	struct list_node *buckets; /* [mtx] */
	u32 nbuckets, nitems;     /* [mtx] */
	struct file *file;        /* [I] */
	u64 gen;                  /* [epmutex] the loop check's memo */
	int depth;                /* [epmutex] */
};

static struct spinlock epmutex;
static u64 loop_gen; /* [epmutex] */
static struct superblock epollfs = {.fstype = "eventpoll"};

static void ep_file_gone(struct file *f);

void epoll_init(void)
{
	epollfs.dev = vfs_anon_dev();
	file_register_unwatch(ep_file_gone);
}

void anon_inode_init(struct inode *ip, struct superblock *sb, const struct inode_ops *ops)
{
	if (!sb->dev)
		sb->dev = vfs_anon_dev(); /* racing first users may take two numbers: harmless */
	inode_init(ip, sb, 0600, ops);
}

/* ---- the hash of items ---- */

static u32 hash(struct file *f, int fd, u32 n)
{
	u64 h = ((u64)f >> 4) ^ ((u64)(u32)fd * 0x9e3779b97f4a7c15UL);
	return (u32)(h ^ (h >> 32)) & (n - 1);
}

static struct epitem *find_locked(struct eventpoll *ep, struct file *f, int fd)
{
	assert(spin_is_locked(&ep->mtx));
	struct list_node *pos, *b = &ep->buckets[hash(f, fd, ep->nbuckets)];
	list_for_each(pos, b)
	{
		struct epitem *it = container_of(pos, struct epitem, hnode);
		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/* Double the table when it holds twice as many items as buckets (no memory: stay as is). */
static void grow_locked(struct eventpoll *ep)
{
	if (ep->nitems < 2 * ep->nbuckets)
		return;
	u32 n = ep->nbuckets * 2;
	struct list_node *nb = kmalloc(n * sizeof *nb);
	if (!nb)
		return;
	for (u32 i = 0; i < n; i++)
		list_init(&nb[i]);
	for (u32 i = 0; i < ep->nbuckets; i++) {
		struct list_node *pos;
		while ((pos = list_pop_front(&ep->buckets[i]))) {
			struct epitem *it = container_of(pos, struct epitem, hnode);
			list_push_back(&nb[hash(it->file, it->fd, n)], pos);
		}
	}
	kfree(ep->buckets);
	ep->buckets = nb;
	ep->nbuckets = n;
}

/* ---- wakes ---- */

/* A watched queue was woken: the item is ready (a standing waiter, under the queue's lock). */
static bool ep_wake(struct waiter *w, u32 key)
{
	struct ep_hook *h = container_of(w, struct ep_hook, w);
	struct epitem *it = h->it;
	struct eventpoll *ep = it->ep;
	u32 ev = __atomic_load_n(&it->events, __ATOMIC_RELAXED);
	if (!(ev & ~EP_PRIVATE_BITS))
		return false; /* a one-shot item that fired: disabled until EPOLL_CTL_MOD */
	if (key && !(key & ev))
		return false; /* not an event it asked for */
	spin_lock(&ep->lock);
	if (ep->scanning) {
		if (!it->on_ovf) {
			it->on_ovf = true;
			it->ovf_next = ep->ovf;
			ep->ovf = it;
		}
	} else if (!it->ready) {
		it->ready = true;
		list_push_back(&ep->rdlist, &it->rdnode);
	}
	spin_unlock(&ep->lock);
	int woken = waitq_wake_all(&ep->wq);
	waitq_wake_events(&ep->poll_wq, POLLIN | POLLRDNORM);
	/* EPOLLEXCLUSIVE: a matching event was taken here; the other exclusive sets are spared. */
	return (ev & EPOLLEXCLUSIVE) ? true : woken > 0;
}

struct ep_table {
	struct poll_set ps;
	struct epitem *it;
};

/* The file's poll names a queue: hook the item onto it. */
static void ep_table_add(struct poll_set *ps, struct waitq *q)
{
	struct epitem *it = container_of(ps, struct ep_table, ps)->it;
	struct ep_hook *h = knew(struct ep_hook);
	if (!h) {
		it->hook_failed = true;
		return;
	}
	h->w.fn = ep_wake;
	h->w.exclusive = it->events & EPOLLEXCLUSIVE;
	h->q = q;
	h->it = it;
	h->next = it->hooks;
	it->hooks = h;
	waitq_add_standing(q, &h->w);
}

static void make_ready(struct eventpoll *ep, struct epitem *it)
{
	spin_lock(&ep->lock);
	bool added = !it->ready && !ep->scanning;
	if (added) {
		it->ready = true;
		list_push_back(&ep->rdlist, &it->rdnode);
	}
	spin_unlock(&ep->lock);
	if (added) {
		waitq_wake_all(&ep->wq);
		waitq_wake_events(&ep->poll_wq, POLLIN | POLLRDNORM);
	}
}

/* ---- items ---- */

static void ep_remove(struct eventpoll *ep, struct epitem *it)
{
	assert(spin_is_locked(&epmutex) && spin_is_locked(&ep->mtx));
	/* Off the file's queues first: once off, no wake of ours runs anywhere. */
	while (it->hooks) {
		struct ep_hook *h = it->hooks;
		it->hooks = h->next;
		waitq_remove(h->q, &h->w);
		kfree(h);
	}
	spin_lock(&ep->lock);
	if (it->ready) {
		list_remove(&it->rdnode);
		it->ready = false;
	}
	spin_unlock(&ep->lock);
	list_remove(&it->fnode);
	list_remove(&it->hnode);
	ep->nitems--;
	kfree(it);
}

static int ep_insert(struct eventpoll *ep, struct file *tf, int fd, const struct epoll_event *ev)
{
	struct epitem *it = knew(struct epitem);
	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events | EPOLLERR | EPOLLHUP;
	it->data = ev->data;
	list_init(&it->rdnode);
	list_push_back(&ep->buckets[hash(tf, fd, ep->nbuckets)], &it->hnode);
	list_push_back(&tf->ep_items, &it->fnode);
	ep->nitems++;
	struct ep_table t = {{ep_table_add}, it};
	u32 revents = file_poll(tf, &t.ps);
	if (it->hook_failed) {
		ep_remove(ep, it);
		return -ENOMEM;
	}
	if (revents & it->events)
		make_ready(ep, it);
	grow_locked(ep);
	return 0;
}

static int ep_modify(struct eventpoll *ep, struct epitem *it, const struct epoll_event *ev)
{
	__atomic_store_n(&it->events, ev->events | EPOLLERR | EPOLLHUP, __ATOMIC_RELAXED);
	it->data = ev->data;
	/* Ready now (a one-shot item re-armed with its event pending): report it. */
	if (file_poll(it->file, NULL) & it->events)
		make_ready(ep, it);
	return 0;
}

/* ---- the nesting check (Linux's ep_loop_check) ---- */

/* How deep sets go below ep; more than EP_MAX_NESTS if target is among them. */
static int depth_down(struct eventpoll *ep, struct eventpoll *target, int level)
{
	if (ep->gen == loop_gen)
		return ep->depth;
	int result = 0;
	for (u32 b = 0; b < ep->nbuckets && result <= EP_MAX_NESTS; b++) {
		struct list_node *pos;
		list_for_each(pos, &ep->buckets[b])
		{
			struct eventpoll *sub = file_epoll(container_of(pos, struct epitem, hnode)->file);
			if (!sub)
				continue;
			if (sub == target || level > EP_MAX_NESTS)
				result = EP_MAX_NESTS + 1;
			else
				result = MAX(result, depth_down(sub, target, level + 1) + 1);
			if (result > EP_MAX_NESTS)
				break;
		}
	}
	ep->gen = loop_gen;
	ep->depth = result;
	return result;
}

/* How many sets hold ep, one inside the next, at most. */
static int depth_up(struct eventpoll *ep)
{
	if (ep->gen == loop_gen)
		return ep->depth;
	int result = 0;
	struct list_node *pos;
	list_for_each(pos, &ep->file->ep_items)
	{
		struct epitem *it = container_of(pos, struct epitem, fnode);
		result = MAX(result, depth_up(it->ep) + 1);
	}
	ep->gen = loop_gen;
	ep->depth = result;
	return result;
}

static bool loops(struct eventpoll *ep, struct eventpoll *sub)
{
	assert(spin_is_locked(&epmutex));
	loop_gen++;
	int down = depth_down(sub, ep, 0);
	if (down > EP_MAX_NESTS)
		return true;
	loop_gen++;
	return down + 1 + depth_up(ep) > EP_MAX_NESTS;
}

int epoll_ctl_file(struct eventpoll *ep, struct file *ef, int op, int fd, struct file *tf,
		   const struct epoll_event *ev)
{
	if (!file_can_poll(tf))
		return -EPERM;
	if (tf == ef)
		return -EINVAL;
	struct eventpoll *sub = file_epoll(tf);
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		/* Linux: only with in/out/err/hup/wakeup/et, only when adding, never on a set. */
		u32 ok = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;
		if (op == EPOLL_CTL_MOD || sub || (ev->events & ~ok))
			return -EINVAL;
	}
	spin_lock(&epmutex);
	spin_lock(&ep->mtx);
	struct epitem *it = find_locked(ep, tf, fd);
	int r;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			r = -EEXIST;
		else if (sub && loops(ep, sub))
			r = -ELOOP;
		else
			r = ep_insert(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_DEL:
		r = it ? 0 : -ENOENT;
		if (it)
			ep_remove(ep, it);
		break;
	case EPOLL_CTL_MOD:
		if (!it)
			r = -ENOENT;
		else if (it->events & EPOLLEXCLUSIVE)
			r = -EINVAL;
		else
			r = ep_modify(ep, it, ev);
		break;
	default:
		r = -EINVAL;
		break;
	}
	spin_unlock(&ep->mtx);
	spin_unlock(&epmutex);
	return r;
}

/* A file's last close: out of every set (file_put calls this before its release). */
static void ep_file_gone(struct file *f)
{
	spin_lock(&epmutex);
	while (!list_empty(&f->ep_items)) {
		struct epitem *it = container_of(f->ep_items.next, struct epitem, fnode);
		struct eventpoll *ep = it->ep;
		spin_lock(&ep->mtx);
		ep_remove(ep, it);
		spin_unlock(&ep->mtx);
	}
	spin_unlock(&epmutex);
}

/* ---- scanning the ready list ---- */

/* Move all of from's nodes, in order, to the end of head (O(1), whatever their number). */
static void splice_back(struct list_node *head, struct list_node *from)
{
	if (list_empty(from))
		return;
	struct list_node *first = from->next, *last = from->prev;
	first->prev = head->prev;
	head->prev->next = first;
	last->next = head;
	head->prev = last;
	list_init(from);
}

/* Take the ready list for a scan (the caller holds ep->mtx). */
static void scan_begin(struct eventpoll *ep, struct list_node *tx)
{
	assert(spin_is_locked(&ep->mtx));
	list_init(tx);
	spin_lock(&ep->lock);
	if (!list_empty(&ep->rdlist)) {
		list_insert_after(&ep->rdlist, tx);
		list_remove(&ep->rdlist);
	}
	ep->scanning = true;
	ep->ovf = NULL;
	spin_unlock(&ep->lock);
}

/*
 * Give back what the scan did not reach (rest: first, so the next call
 * starts there), then what stays ready (keep), then what woke meanwhile.
 */
static void scan_end(struct eventpoll *ep, struct list_node *rest, struct list_node *keep)
{
	spin_lock(&ep->lock);
	ep->scanning = false;
	splice_back(&ep->rdlist, rest);
	splice_back(&ep->rdlist, keep); /* their items' ready still true */
	for (struct epitem *it = ep->ovf; it; it = it->ovf_next) {
		it->on_ovf = false;
		if (!it->ready) {
			it->ready = true;
			list_push_back(&ep->rdlist, &it->rdnode);
		}
	}
	ep->ovf = NULL;
	spin_unlock(&ep->lock);
	/*
	 * No wake here for others: a caller parks only when it finds nothing
	 * ready and no scan running under ep->lock, so whatever a scan gives
	 * back came after, through ep_wake, which wakes every waiter.
	 */
}

/* epoll_wait's pass: up to max events into out; 0 if nothing is ready. */
static u32 send_events(struct eventpoll *ep, struct epoll_event *out, u32 max)
{
	struct list_node tx, keep;
	list_init(&keep);
	scan_begin(ep, &tx);
	u32 n = 0;
	struct list_node *pos;
	while (n < max && (pos = list_pop_front(&tx))) {
		struct epitem *it = container_of(pos, struct epitem, rdnode);
		u32 events = it->events;
		u32 revents = file_poll(it->file, NULL) & events;
		if (!revents) {
			it->ready = false;
			continue;
		}
		out[n].events = revents;
		out[n].data = it->data;
		n++;
		if (events & EPOLLONESHOT) {
			__atomic_store_n(&it->events, events & EP_PRIVATE_BITS, __ATOMIC_RELAXED);
			it->ready = false;
		} else if (events & EPOLLET) {
			it->ready = false;
		} else {
			list_push_back(&keep, pos); /* level-triggered: ready until polled otherwise */
		}
	}
	scan_end(ep, &tx, &keep); /* what is left in tx is still ready, for the next call */
	return n;
}

long epoll_collect(struct eventpoll *ep, struct epoll_event *out, u32 max, bool wait, u64 deadline)
{
	for (;;) {
		spin_lock(&ep->mtx);
		u32 n = send_events(ep, out, max);
		spin_unlock(&ep->mtx);
		if (n || !wait || (deadline && tsc_ns() >= deadline))
			return n;
		/* Nothing ready: park, unless a wake came since the scan. */
		spin_lock(&ep->wq.lock);
		spin_lock(&ep->lock);
		/* Another caller's scan holds what is ready: not empty (it gives them back). */
		bool empty = list_empty(&ep->rdlist) && !ep->scanning;
		spin_unlock(&ep->lock);
		if (empty && signal_deliverable()) {
			/*
			 * A signal epoll_pwait's mask lets in may have come before
			 * the mask did (its sender saw it blocked): not asleep through it.
			 */
			spin_unlock(&ep->wq.lock);
			return -EINTR;
		}
		if (empty) {
			long r = park_on(&ep->wq); /* restartable: invariant 3 */
			spin_unlock(&ep->wq.lock);
			/*
			 * Armed with no lock held: a timer's function (a timerfd's)
			 * may wake this set, taking ep->wq's lock under its core's
			 * timers_lock.
			 */
			park_timeout(deadline);
			return r;
		}
		spin_unlock(&ep->wq.lock);
	}
}

/* ---- the epoll file ---- */

static u32 ep_poll(struct file *f, struct poll_set *ps)
{
	struct eventpoll *ep = f->priv;
	poll_wait_add(ps, &ep->poll_wq);
	struct list_node tx, keep;
	list_init(&keep);
	spin_lock(&ep->mtx);
	scan_begin(ep, &tx);
	u32 m = 0;
	struct list_node *pos;
	while ((pos = list_pop_front(&tx))) {
		struct epitem *it = container_of(pos, struct epitem, rdnode);
		if (!m && (file_poll(it->file, NULL) & it->events))
			m = POLLIN | POLLRDNORM;
		if (m)
			list_push_back(&keep, pos);
		else
			it->ready = false; /* woken, but not ready as it asked: dropped, as Linux does */
	}
	scan_end(ep, &tx, &keep);
	spin_unlock(&ep->mtx);
	return m;
}

static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	spin_lock(&epmutex);
	spin_lock(&ep->mtx);
	for (u32 b = 0; b < ep->nbuckets; b++)
		while (!list_empty(&ep->buckets[b]))
			ep_remove(ep, container_of(ep->buckets[b].next, struct epitem, hnode));
	spin_unlock(&ep->mtx);
	spin_unlock(&epmutex);
}

static const struct file_ops ep_fops = {.release = ep_release, .poll = ep_poll};

struct eventpoll *file_epoll(struct file *f)
{
	return f->ops == &ep_fops ? f->priv : NULL;
}

static void ep_evict(struct inode *ip)
{
	struct eventpoll *ep = container_of(ip, struct eventpoll, inode);
	kfree(ep->buckets);
	kfree(ep);
}

static const struct inode_ops ep_inode_ops = {.evict = ep_evict};

int epoll_new(struct file **out)
{
	struct eventpoll *ep = knew(struct eventpoll);
	struct list_node *b = kmalloc(EP_HASH_MIN * sizeof *b);
	if (!ep || !b) {
		kfree(ep);
		kfree(b);
		return -ENOMEM;
	}
	ep->mtx = ep->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&ep->rdlist);
	waitq_init(&ep->wq);
	waitq_init(&ep->poll_wq);
	for (u32 i = 0; i < EP_HASH_MIN; i++)
		list_init(&b[i]);
	ep->buckets = b;
	ep->nbuckets = EP_HASH_MIN;
	anon_inode_init(&ep->inode, &epollfs, &ep_inode_ops);
	struct file *f = file_alloc(&ep->inode, FMODE_READ | FMODE_WRITE | FMODE_STREAM, O_RDWR, &ep_fops);
	inode_put(&ep->inode); /* the file holds it (or, without a file, it goes now) */
	if (!f)
		return -ENFILE;
	f->priv = ep;
	ep->file = f;
	*out = f;
	return 0;
}
