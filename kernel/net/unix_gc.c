/*
 * Descriptors in flight (SCM_RIGHTS) and the collector of their cycles.
 *
 * A descriptor sent over a unix socket is a reference held by a queued
 * message. Sockets can be sent over themselves, or over each other in a
 * ring: once their last descriptors are closed, their queues keep them
 * alive with nobody able to read them. Ferry collects such cycles, as
 * Linux does, rather than refusing them (a socket sent over itself is
 * allowed on Linux, and programs pass listening sockets around freely):
 *
 *  - every unix socket whose file is in some queue counts how many times
 *    (inflight) and sits on the in-flight list;
 *  - when a unix socket is released, the collector runs: a candidate is
 *    an in-flight socket whose file has no references but its in-flight
 *    ones; it counts, for each candidate, the references from the queues
 *    of candidates; a candidate with more in flight than that is reached
 *    from outside (a live socket's queue, a message being received), and
 *    so is everything in its queues, transitively; the candidates left
 *    are garbage, and their queues (with those of their unaccepted
 *    embryos) are emptied, which drops the references that kept them.
 *
 * The count is conservative: a reference it cannot see (a message
 * between its sender's count and its queue, a receive in progress)
 * makes a socket look reachable, never the reverse.
 *
 * Bounds: at most SCM_MAX_FD descriptors per message (scm.c), and a
 * sender's descriptors in flight at once are bounded by its RLIMIT_NOFILE
 * as on Linux (ETOOMANYREFS), which exempts CAP_SYS_RESOURCE and
 * CAP_SYS_ADMIN. Linux counts a user's descriptors in flight; Ferry counts
 * everyone's, so one user's may make another's send fail early.
 *
 * Locks: unix_gc_lock guards the counts, the list and the collector's
 * scratch fields; the collector takes sockets' locks inside it to read
 * their queues. Nobody takes unix_gc_lock while holding a socket's lock.
 */
#include "net/unix_impl.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "proc/limits.h"
#include "lib/errno.h"
#include "lib/kernel.h"


enum { GC_CANDIDATE = 1, GC_ALIVE = 2 };

static struct spinlock unix_gc_lock;
static struct list_node inflight_list = LIST_INIT(inflight_list); /* [g] sockets in flight */
static u32 inflight_files;  /* [g] descriptors in flight, all kinds */
static u32 inflight_socks;  /* [a] sockets on inflight_list (the collector's quick test) */
static bool gc_running, gc_again; /* [g] */

/* The unix socket an in-flight file is, or NULL (its reference keeps it from being released). */
static struct unix_sock *unix_of(struct file *f)
{
	struct socket *so = file_socket(f);
	return so && so->family == AF_UNIX ? so->sk : NULL;
}

int unix_inflight_add(struct file **files, u32 n)
{
	const struct cred *c = cur_cred();
	u64 limit = cred_capable(c, CAP_SYS_RESOURCE) || cred_capable(c, CAP_SYS_ADMIN)
			    ? RLIM_INFINITY
			    : cur_rlimit(RLIMIT_NOFILE);
	spin_lock(&unix_gc_lock);
	if (inflight_files > limit) {
		spin_unlock(&unix_gc_lock);
		return -ETOOMANYREFS;
	}
	inflight_files += n;
	for (u32 i = 0; i < n; i++) {
		struct unix_sock *u = unix_of(files[i]);
		if (u && u->inflight++ == 0) {
			list_push_back(&inflight_list, &u->gc_node);
			__atomic_add_fetch(&inflight_socks, 1, __ATOMIC_RELAXED);
		}
	}
	spin_unlock(&unix_gc_lock);
	return 0;
}

void unix_inflight_remove(struct file **files, u32 n)
{
	spin_lock(&unix_gc_lock);
	inflight_files -= n;
	for (u32 i = 0; i < n; i++) {
		struct unix_sock *u = unix_of(files[i]);
		if (u && --u->inflight == 0) {
			list_remove(&u->gc_node);
			__atomic_sub_fetch(&inflight_socks, 1, __ATOMIC_RELAXED);
		}
	}
	spin_unlock(&unix_gc_lock);
}

/* Call fn on each in-flight unix socket in one queue. */
static void scan_rq(struct list_node *rq, void (*fn)(struct unix_sock *x, struct unix_sock **work),
		    struct unix_sock **work)
{
	struct list_node *pos;
	list_for_each(pos, rq)
	{
		struct unix_msg *m = container_of(pos, struct unix_msg, node);
		for (u32 i = 0; i < m->nfiles; i++) {
			struct unix_sock *x = unix_of(m->files[i]);
			if (x && (x->gc_flags & GC_CANDIDATE))
				fn(x, work);
		}
	}
}

/* Each candidate reached from c's queues, and its embryos' (c is a listener). */
static void scan(struct unix_sock *c, void (*fn)(struct unix_sock *x, struct unix_sock **work),
		 struct unix_sock **work)
{
	spin_lock(&c->lock);
	scan_rq(&c->rq, fn, work);
	struct list_node *pos;
	list_for_each(pos, &c->backlog)
	{
		struct unix_sock *e = container_of(pos, struct unix_sock, accept_node);
		spin_lock(&e->lock);
		scan_rq(&e->rq, fn, work);
		spin_unlock(&e->lock);
	}
	spin_unlock(&c->lock);
}

static void count_ref(struct unix_sock *x, struct unix_sock **work)
{
	x->gc_refs++;
}

static void mark_alive(struct unix_sock *x, struct unix_sock **work)
{
	if (x->gc_flags & GC_ALIVE)
		return;
	x->gc_flags |= GC_ALIVE;
	x->gc_next = *work;
	*work = x;
}

/* Move a queue's messages to out. */
static void take_queue(struct list_node *rq, struct list_node *out)
{
	while (!list_empty(rq))
		list_push_back(out, list_pop_front(rq));
}

/* One pass: the queues of unreachable cycles, moved to garbage. */
static void collect_locked(struct list_node *garbage)
{
	assert(spin_is_locked(&unix_gc_lock));
	struct list_node *pos;
	struct unix_sock *work = NULL;
	list_for_each(pos, &inflight_list)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, gc_node);
		u->gc_refs = 0;
		u->gc_flags = 0;
		u->gc_next = NULL;
		struct file *f = u->so ? u->so->file : NULL;
		if (f && __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE) == u->inflight)
			u->gc_flags = GC_CANDIDATE;
	}
	list_for_each(pos, &inflight_list)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, gc_node);
		if (u->gc_flags & GC_CANDIDATE)
			scan(u, count_ref, NULL);
	}
	/* Reached from outside the candidates: alive, and so is all it holds. */
	list_for_each(pos, &inflight_list)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, gc_node);
		if ((u->gc_flags & GC_CANDIDATE) && u->gc_refs < u->inflight)
			mark_alive(u, &work);
	}
	while (work) {
		struct unix_sock *u = work;
		work = u->gc_next;
		scan(u, mark_alive, &work);
	}
	list_for_each(pos, &inflight_list)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, gc_node);
		if ((u->gc_flags & (GC_CANDIDATE | GC_ALIVE)) != GC_CANDIDATE)
			continue;
		spin_lock(&u->lock);
		take_queue(&u->rq, garbage);
		u->rq_len = 0;
		u->rq_bytes = 0;
		struct list_node *e;
		list_for_each(e, &u->backlog)
		{
			struct unix_sock *emb = container_of(e, struct unix_sock, accept_node);
			spin_lock(&emb->lock);
			take_queue(&emb->rq, garbage);
			emb->rq_len = 0;
			emb->rq_bytes = 0;
			spin_unlock(&emb->lock);
		}
		spin_unlock(&u->lock);
	}
}

void unix_gc(void)
{
	if (!__atomic_load_n(&inflight_socks, __ATOMIC_RELAXED))
		return;
	spin_lock(&unix_gc_lock);
	if (gc_running) {
		gc_again = true; /* a release while we purge: the running collector looks again */
		spin_unlock(&unix_gc_lock);
		return;
	}
	gc_running = true;
	do {
		gc_again = false;
		struct list_node garbage;
		list_init(&garbage);
		collect_locked(&garbage);
		spin_unlock(&unix_gc_lock);
		/* Dropping the references releases the cycle's sockets (each comes back here). */
		unix_purge(&garbage);
		spin_lock(&unix_gc_lock);
	} while (gc_again);
	gc_running = false;
	spin_unlock(&unix_gc_lock);
}
