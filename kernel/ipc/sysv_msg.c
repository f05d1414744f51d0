/*
 * System V message queues (sysv.h, msgop(2)): a list of typed messages
 * per queue, bounded in bytes (msg_qbytes). A sender or receiver that
 * must wait parks on the queue's wait queue holding a reference to it
 * (park_hold), so a queue removed meanwhile stays until it has looked
 * again and found it gone (EIDRM).
 */
#include "ipc/sysv_impl.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct sysv_table msg_table = {.lock = SPINLOCK_INIT};

struct msg {
	struct list_node node; /* [queue lock] */
	i64 type;
	size_t len;
	u8 text[];
};

static void msgq_free(struct sysv_obj *o)
{
	struct msgq *q = container_of(o, struct msgq, o);
	while (!list_empty(&q->msgs))
		kfree(container_of(list_pop_front(&q->msgs), struct msg, node));
	kfree(q);
}

struct sysv_obj *msgq_make(void *arg)
{
	(void)arg;
	struct msgq *q = knew(struct msgq);
	if (!q)
		return NULL;
	list_init(&q->msgs);
	waitq_init(&q->senders);
	waitq_init(&q->receivers);
	q->qbytes = MSGMNB;
	q->o.free = msgq_free;
	return &q->o;
}

static void put_obj(void *o)
{
	sysv_put(o);
}

/* Park on wq (in q, whose lock the caller holds and this drops) holding q. */
static long park_queue(struct msgq *q, struct waitq *wq)
{
	spin_lock(&wq->lock);
	long r = park_on(wq);
	spin_unlock(&wq->lock);
	spin_unlock(&q->o.lock);
	park_hold(put_obj, &q->o);
	return r;
}

/* The queue id, for a call that may be a restart after it parked on it: -EIDRM if it went. */
static long find_queue(int id, struct msgq **out)
{
	struct sysv_obj *held = park_take(put_obj);
	struct sysv_obj *o = sysv_find(&msg_table, id);
	if (held)
		sysv_put(held);
	if (!o)
		return held ? -EIDRM : -EINVAL;
	*out = container_of(o, struct msgq, o);
	return 0;
}

long msgq_send(int id, i64 type, const void *text, size_t len, int flags, u32 pid)
{
	struct msgq *q;
	long r = find_queue(id, &q);
	if (r < 0)
		return r;
	struct msg *m = kmalloc(sizeof *m + len);
	if (!m) {
		sysv_put(&q->o);
		return -ENOMEM;
	}
	m->type = type;
	m->len = len;
	memcpy(m->text, text, len);
	spin_lock(&q->o.lock);
	if (q->o.removed) {
		r = -EIDRM;
	} else if (q->cbytes + len > q->qbytes || q->qnum + 1 > q->qbytes) {
		kfree(m);
		if (flags & IPC_NOWAIT) {
			spin_unlock(&q->o.lock);
			sysv_put(&q->o);
			return -EAGAIN;
		}
		return park_queue(q, &q->senders); /* our reference goes with the park */
	} else {
		list_push_back(&q->msgs, &m->node);
		m = NULL;
		q->cbytes += len;
		q->qnum++;
		q->lspid = pid;
		q->stime = sysv_now();
	}
	spin_unlock(&q->o.lock);
	kfree(m);
	if (r == 0)
		waitq_wake_all(&q->receivers);
	sysv_put(&q->o);
	return r;
}

/* Which message msgrcv takes (msgrcv(2)'s msgtyp rules); caller holds q's lock. */
static struct msg *pick_locked(struct msgq *q, i64 type, bool except)
{
	struct msg *best = NULL;
	struct list_node *pos;
	list_for_each(pos, &q->msgs)
	{
		struct msg *m = container_of(pos, struct msg, node);
		if (type == 0)
			return m;
		if (type > 0 && (except ? m->type != type : m->type == type))
			return m;
		if (type < 0 && m->type <= -type && (!best || m->type < best->type))
			best = m;
	}
	return best;
}

long msgq_receive(int id, i64 type, size_t max, int flags, u32 pid, struct msg_out *out)
{
	struct msgq *q;
	long r = find_queue(id, &q);
	if (r < 0)
		return r;
	spin_lock(&q->o.lock);
	if (q->o.removed) {
		spin_unlock(&q->o.lock);
		sysv_put(&q->o);
		return -EIDRM;
	}
	struct msg *m = pick_locked(q, type, flags & MSG_EXCEPT);
	if (!m) {
		if (flags & IPC_NOWAIT) {
			spin_unlock(&q->o.lock);
			sysv_put(&q->o);
			return -ENOMSG;
		}
		return park_queue(q, &q->receivers);
	}
	if (m->len > max && !(flags & MSG_NOERROR)) {
		spin_unlock(&q->o.lock);
		sysv_put(&q->o);
		return -E2BIG; /* the message stays */
	}
	list_remove(&m->node);
	q->cbytes -= m->len;
	q->qnum--;
	q->lrpid = pid;
	q->rtime = sysv_now();
	spin_unlock(&q->o.lock);
	waitq_wake_all(&q->senders);
	sysv_put(&q->o);
	out->type = m->type;
	out->len = MIN(m->len, max);
	out->buf = m; /* the caller copies it out and frees it with msg_free */
	out->text = m->text;
	return 0;
}

void msg_free(struct msg_out *out)
{
	kfree(out->buf);
}

void msgq_removed(struct msgq *q)
{
	waitq_wake_all(&q->senders);
	waitq_wake_all(&q->receivers);
}
