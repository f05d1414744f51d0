/*
 * io_uring: OS2's futures in user space over Linux's interface. One
 * thread keeps many operations in flight and waits for whichever
 * completes first; every submitted entry is a kernel future.
 *
 * How a request is a future
 * -------------------------
 * Each submission-queue entry becomes a struct uring_req holding a struct
 * task (its future: a poll function the executor calls) and a struct park
 * of its own. A request's work is a *step*: its operation's issue
 * function, run with the request made the acting task (task_step_begin,
 * sched/task.h) so that park_current() is the request's park and every
 * park_on / park_until / poll set the ordinary kernel paths register
 * wakes the request's task, not the submitting thread. A step either
 * finishes (the request completes: a CQE is posted) or returns
 * -ERESTART_PARK having registered a wake; the request then sits parked
 * like any blocked call, on the pipe's queue, the block cache's miss, the
 * channel, the socket, a timer, and no thread waits for it. The wake makes its task
 * runnable on whichever core the executor picks; the task's poll re-runs
 * the step from the start with the park's restart state (progress kept,
 * deadline kept, held objects handed back): invariant 3's protocol,
 * unchanged, for requests. So the blocking paths serve both the system
 * calls and the ring, and many requests of one process run at once on
 * all cores.
 *
 * The first step runs inline, inside io_uring_enter (a NOP, a read from
 * the cache or a write to a pipe with room completes there, with no trip
 * through a run queue); IOSQE_ASYNC spawns the task instead. A step runs
 * with the cur_* pointers (proc/cur.h) naming the submitter's process,
 * the memory it submitted from (a reference, so an execve does not pull
 * it away) and its file state.
 *
 * Cancelling a request (IORING_OP_ASYNC_CANCEL, a link timeout, a count
 * timeout reached, the ring closed, the submitter exiting) never touches
 * its park from outside: the canceller sets RQ_CANCEL with the result in
 * req.ctl and wakes the task; the request's own next step sees it, lets
 * go of its waits (park_cancel) and completes with that result. RQ_BUSY
 * marks a step in progress: a cancel that finds it knows the step may
 * still finish on its own (-EALREADY), and a process's exit waits for its
 * requests' steps to end before its file state goes (uring_proc_exit).
 *
 * Rings
 * -----
 * The rings (headers, CQEs, the SQ index array) and the SQE array are
 * frames the ring allocates and lends to mmap (file_ops.mmap_frames);
 * the kernel reaches them through the direct map. User space may write
 * anything there at any time: the kernel keeps its own copies of every
 * index (sq_head, cq_tail) and size, reads a user-written index (SQ tail,
 * CQ head, an SQ array slot) once with acquire semantics, clamps or
 * checks it, and publishes its own with release stores (io_uring(7)).
 *
 * Locks used to protect struct members in this folder:
 *  I  immutable after setup
 *  a  atomic
 *  s  uring.sq_lock: reading the SQ (one submitter at a time)
 *  r  uring.lock: posting CQEs, the request list, links, drain, timeouts,
 *     registered files and buffers
 *  o  the core running the request's step (one at a time: its task state)
 * Order: sq_lock -> lock -> cq_wait.lock. No user copy under lock; under
 * sq_lock only copies of the submitter's own data (waiting on sq_lock
 * answers shootdowns, as every spin_lock does).
 */
#pragma once

#include "lib/types.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "sched/park.h"
#include "sched/task.h"
#include "sched/waitq.h"
#include "uring/abi.h"
#include "fs/uio.h"
#include "mm/layout.h"
#include "lib/kernel.h"

struct file;
struct proc;
struct domain;
struct fs_state;
struct sock_msgcall;
struct sockaddr_storage;

/* A run of pages the ring owns (one kernel reference each) and lends to mmap. */
struct uring_area {
	u32 npages;
	paddr_t *frames;
	u8 **kva;      /* each page's kernel address (the direct map) */
};

/* A registered buffer (READ_FIXED/WRITE_FIXED): a user range checked at registration. */
struct uring_buf {
	u64 addr, len;
};

struct uring {
	u32 refs;                  /* [a] the file's, each request's, the SQPOLL task's */
	u32 setup_flags;           /* [I] IORING_SETUP_* */
	u32 sq_entries, cq_entries;/* [I] powers of two */
	struct uring_area rings;   /* [I] headers, CQEs, SQ index array */
	struct uring_area sqes;    /* [I] the SQE array */
	u64 sqa_off;               /* [I] where the SQ index array starts in rings */
	struct proc *owner;        /* [I] the creator (SQPOLL submits for it) */
	struct task *issuer;       /* [I] SINGLE_ISSUER: the thread allowed to submit */
	struct list_node all;      /* [uring_list_lock] in the list of live rings */

	struct spinlock sq_lock;
	u32 sq_head;               /* [s] next SQ slot to read (the kernel's own copy) */
	u64 seq_next;              /* [s] sequence number of the next request (drain) */
	bool disabled;             /* [a] R_DISABLED until IORING_REGISTER_ENABLE_RINGS */
	bool dead;                 /* [a] the file is closed: requests are being cancelled */

	struct spinlock lock;
	u32 cq_tail;               /* [r] next CQE slot to fill (the kernel's own copy) */
	u64 cq_posted;             /* [r] CQEs posted, timeouts' own not counted */
	u64 completed;             /* [r] requests completed (drain) */
	u64 barrier;               /* [r] no request with seq >= barrier starts before
	                              completed reaches it (a drain in flight) */
	struct list_node reqs;     /* [r] every live request, from submission to free */
	struct list_node defer;    /* [r] requests held back by a drain, in order */
	struct list_node timeouts; /* [r] TIMEOUTs with a completion count, by target */
	struct list_node overflow; /* [r] CQEs waiting for room in the CQ ring (NODROP) */
	u32 noverflow;             /* [r] */
	struct waitq cq_wait;      /* io_uring_enter waiters and pollers of the ring fd */
	struct file **files;       /* [r] registered files (a reference each), or NULL */
	u32 nr_files;              /* [r] */
	struct file *evfd;         /* [r] the registered eventfd (a reference), or NULL; read
	                              without the lock only to see whether there is one */
	bool evfd_async;           /* [r] IORING_REGISTER_EVENTFD_ASYNC: only completions made
	                              outside the submitting call signal it */
	u32 evfd_tail;             /* [r] cq_tail when the eventfd was last signalled */
	struct uring_buf *bufs;    /* [r] registered buffers, or NULL */
	u32 nr_bufs;               /* [r] */
	/* Restrictions (IORING_REGISTER_RESTRICTIONS): [r] until enabled, then [I]. */
	bool restrictions_set;     /* registered, enforced once the ring is enabled */
	bool restricted;           /* enforced */
	u8 sqe_flags_allowed, sqe_flags_required;
	u64 ops_allowed[4];        /* bit per opcode (256) */
	u64 reg_allowed;           /* bit per register opcode */
	struct uring_sqpoll *sqpoll; /* [I] SQPOLL's task (sqpoll.c), or NULL */
	struct uring_req *spare;   /* [s] a request ready for the next entry (the fast path) */
	bool draining;             /* [r; read with atomics] a drain holds entries back */
};

/* The shared header at the start of the rings mapping (offsets in io_uring_params). */
struct uring_hdr {
	u32 sq_head;        /* kernel writes (release) */
	u32 pad0[15];
	u32 sq_tail;        /* user writes: read once (acquire) */
	u32 pad1[15];
	u32 cq_head;        /* user writes: read once (acquire) */
	u32 pad2[15];
	u32 cq_tail;        /* kernel writes (release) */
	u32 pad3[15];
	u32 sq_mask, sq_entries, cq_mask, cq_entries; /* written at setup, never read back */
	u32 sq_flags;       /* kernel sets and clears bits atomically */
	u32 sq_dropped;     /* kernel counts invalid SQ array slots */
	u32 cq_flags;       /* user's: IORING_CQ_EVENTFD_DISABLED */
	u32 cq_overflow;    /* kernel counts CQEs it could not keep */
	u32 pad4[8];
};
#define URING_CQES_OFF sizeof(struct uring_hdr) /* 320: a multiple of 64 */

/* ---- requests ---- */

enum {
	RQ_BUSY = 1 << 0,   /* a step is running */
	RQ_CANCEL = 1 << 1, /* complete with the result in ctl's high half at the next step */
};

/* What each opcode does (ops.c has the table). */
struct uring_req;
struct uring_op {
	const char *name;
	/* Check the SQE copy and take in what it points at (SUBMIT_STABLE): 0 or -errno. */
	int (*prep)(struct uring_req *req);
	/* One step: the result, or -ERESTART_PARK having registered a wake. */
	long (*issue)(struct uring_req *req);
	/* Let go of what prep took (may be NULL). */
	void (*cleanup)(struct uring_req *req);
	bool needs_file;   /* sqe.fd (or a fixed index) names the file it works on */
	bool nowait;       /* issue never parks: the fast path calls it without a step */
	bool rw;           /* a short result breaks a link chain */
	bool net;          /* a socket op: a result under net.min_ret (MSG_WAITALL) breaks it */
};

struct uring_req {
	struct task task;          /* the future (its park points at park) */
	struct park park;          /* [o] its waits and restart state */
	struct uring *ring;        /* [I] holds a reference */
	struct proc *proc;         /* [I] the submitter: its requests are cancelled at its exit;
	                              held (proc_hold) while listed, for waits on its queues */
	struct domain *dom;        /* [I] the memory it submitted from (a reference) */
	struct fs_state *fs;       /* [I] its file state */
	struct cred *cred;         /* [I] the submitter's ids, which it acts with (a reference) */
	const struct uring_op *op; /* [I] */
	struct io_uring_sqe sqe;   /* [I] a copy taken at submission */
	u64 seq;                   /* [I] submission order, for drain */
	u64 ctl;                   /* [a] RQ_* in the low half, a cancel's result in the high */
	u32 step_cpu;              /* [a] the core of its latest step: which one RQ_BUSY is on */
	struct list_node node;     /* [r] in ring.reqs */
	struct list_node qnode;    /* [r] in ring.defer or ring.timeouts */
	struct uring_req *link;    /* [r] the next request of its chain, not yet issued */
	struct uring_req *ltimeout;/* [r] its LINK_TIMEOUT, armed when it starts */
	struct uring_req *timed;   /* [r] a LINK_TIMEOUT's request, while both are live */
	struct uring_req *ready;   /* [o] next in a list of requests to run (struct uring_ready) */
	struct file *file;         /* [o] resolved at the first step; a reference */
	u8 opcode, sqe_flags;      /* [I] */
	bool started;              /* [a] its first step has begun: a cancel must wake it */
	bool in_task;              /* [o] its steps run in its own task, not the submitting call */
	bool opened;               /* [o] its first step resolved its file */
	bool failed;               /* [r] its chain is broken: successors are cancelled */
	bool drain;                /* [I] its chain waits for everything before it */
	bool is_timeout;           /* [I] a TIMEOUT: its CQE does not count for others */
	bool queued;               /* [r] qnode is in a list */
	bool held;                 /* [I once listed] it holds references to ring and memory */
	i32 prep_err;              /* [I] prep's failure, reported at its turn */
	u32 cflags;                /* [o] CQE flags for the final CQE */
	u64 chain_end;             /* [I] seq after its chain (drain heads) */
	union { /* the operation's own state: last in the struct (a reused request clears it) */
		struct {
			struct kiovec *iov; /* READV/WRITEV: the vector, copied at prep */
			u32 nr;
			u64 total;
		} rw;
		struct {
			u64 deadline;    /* tsc_ns; 0: none (count only) */
			u64 target;      /* CQEs posted that complete it; 0: none */
			u64 count;       /* sqe.off */
			u64 ts_ns;       /* the relative time, for a link timeout armed later */
			bool abs;
		} timeout;
		struct {
			u32 events;
			bool multi;
		} poll;
		struct {
			char *path, *path2;
		} name;
		struct {
			struct file *in; /* SPLICE/TEE's source, a reference */
		} splice;
		struct {
			u64 total;       /* SEND/RECV(MSG): bytes asked for */
			u64 min_ret;     /* fewer cut the chain (MSG_WAITALL: total) */
			struct sock_msgcall *mc; /* SENDMSG/RECVMSG: the msghdr, copied at prep */
			struct sockaddr_storage *addr; /* CONNECT's, SEND's destination; or NULL */
			u32 addrlen;
			u32 flags;       /* MSG_* */
			bool multi;      /* ACCEPT multishot */
		} net;
	};
};

/* Requests whose turn has come, in order (first in, first run). */
struct uring_ready {
	struct uring_req *head, **tail;
	bool async; /* run by a request's task, not by the submitting call */
};
#define URING_READY_INIT(name) {NULL, &(name).head, false}
static inline void uring_ready_push(struct uring_ready *l, struct uring_req *req)
{
	req->ready = NULL;
	*l->tail = req;
	l->tail = &req->ready;
}

/* ---- ring life (ring.c) ---- */

struct uring *uring_of(struct file *f); /* NULL if f is no ring */
void uring_get(struct uring *r);
void uring_put(struct uring *r);
long uring_setup(u32 entries, u64 uparams);
static inline struct uring_hdr *uring_hdr(struct uring *r)
{
	return (struct uring_hdr *)r->rings.kva[0];
}
/* Each lies within one page: the areas' layouts align every entry to its size. */
static inline void *uring_area_at(const struct uring_area *a, u64 off)
{
	return a->kva[off >> PAGE_SHIFT] + (off & (PAGE_SIZE - 1));
}
/* The CQE at slot i, the SQ index at slot i, the SQE at index i (all masked by the caller). */
static inline struct io_uring_cqe *uring_cqe_at(struct uring *r, u32 i)
{
	return uring_area_at(&r->rings, URING_CQES_OFF + (u64)i * sizeof(struct io_uring_cqe));
}
static inline u32 *uring_sqa_at(struct uring *r, u32 i)
{
	return uring_area_at(&r->rings, r->sqa_off + (u64)i * sizeof(u32));
}
static inline struct io_uring_sqe *uring_sqe_at(struct uring *r, u32 i)
{
	return uring_area_at(&r->sqes, (u64)i * sizeof(struct io_uring_sqe));
}

/* ---- completions (cq.c) ---- */

/* Post a CQE (to the overflow list if the ring is full); caller holds r->lock. False: lost. */
bool uring_post_locked(struct uring *r, u64 user_data, i32 res, u32 flags);
/* Post n CQEs in order (uring_submit's batch); caller holds r->lock. */
void uring_post_many_locked(struct uring *r, const struct io_uring_cqe *c, u32 n);
/*
 * Wake io_uring_enter waiters and pollers after posting (no lock held),
 * and signal the registered eventfd if CQEs came since it was last
 * signalled. async: the CQEs were posted by a request's own task, not
 * inline in the submitting call (what IORING_REGISTER_EVENTFD_ASYNC
 * signals).
 */
void uring_cq_wake(struct uring *r, bool async);
void uring_evfd_signal(struct uring *r, bool async);
/* Move overflowed CQEs into the CQ ring as room allows; caller holds r->lock. */
void uring_flush_overflow_locked(struct uring *r);
/* CQEs the user has not consumed yet (user head read once, clamped). */
u32 uring_cq_ready(struct uring *r);
/*
 * io_uring_enter's wait: 0 once min CQEs are ready, -ETIME at deadline
 * (tsc_ns, 0: none), -ERESTART_PARK while waiting.
 */
long uring_wait(struct uring *r, u32 min, u64 deadline);

/* ---- submission (submit.c) ---- */

/* Read up to n SQEs and start them, for the calling thread (or SQPOLL): how many were consumed. */
long uring_submit(struct uring *r, u32 n);

/* ---- requests (req.c) ---- */

/* Run the steps of the requests in l (and of those their completions let start), here and now. */
void uring_run(struct uring_ready *l);
/* req completes with res (its own step, or a request never issued); caller holds no lock. */
void uring_complete(struct uring_req *req, long res, struct uring_ready *ready);
/* Queue a submitted chain head: start it, or hold it back behind a drain; caller holds r->lock. */
void uring_queue_locked(struct uring_req *req, struct uring_ready *ready);
/*
 * Ask req to complete with res at its next step (caller holds r->lock):
 * 0, or -EALREADY if a cancel was asked already or a step is running.
 */
int uring_cancel_locked(struct uring_req *req, long res);
/*
 * A bare request of r (no references yet): uring_req_hold takes the
 * ring's and its memory's once it is to outlive the submission.
 */
struct uring_req *uring_req_new(struct uring *r);
void uring_req_hold(struct uring_req *req);
/* Free a request that never became a task. */
void uring_req_free(struct uring_req *req);
/*
 * Run a fresh, unlinked request's first step in the submitting call
 * (uring_submit's fast path). True: it completed, *out is its CQE (*post
 * false: CQE_SKIP_SUCCESS) and req is clean for the next entry. False:
 * it waits in the kernel, listed and holding its references.
 */
bool uring_run_inline(struct uring_req *req, struct io_uring_cqe *out, bool *post);
/* The file an op works on (fixed or not), resolved once per request: 0 or -EBADF. */
int uring_req_file(struct uring_req *req);
/* Post a CQE for req now (multishot) if the CQ ring has room: false (nothing posted) if not. */
bool uring_post_more(struct uring_req *req, i32 res, u32 flags);

/* ---- operations (ops.c and op_*.c) ---- */

/* The operation for an opcode, or NULL (unknown: -EINVAL). */
extern const struct uring_op *const uring_linux_ops[IORING_OP_LINUX_LAST];
const struct uring_op *uring_op_slow(u8 opcode);
static inline const struct uring_op *uring_op(u8 opcode)
{
	return opcode < IORING_OP_LINUX_LAST ? uring_linux_ops[opcode] : uring_op_slow(opcode);
}
/* Is opcode supported (IORING_REGISTER_PROBE)? */
bool uring_op_supported(u8 opcode);
u8 uring_op_last(void);

/* ---- timeouts and cancellation (timeout.c, cancel.c) ---- */

/* A count timeout reached by the CQE just posted; caller holds r->lock. */
void uring_timeouts_flush_locked(struct uring *r);
/* req (a TIMEOUT) leaves the count list; caller holds r->lock. */
void uring_timeout_unlist_locked(struct uring_req *req);
/* Start req's LINK_TIMEOUT, if it has one, now that req starts. */
void uring_link_timeout_arm(struct uring_req *req, struct uring_ready *ready);
/* The ring's file is closing: cancel everything. */
void uring_cancel_all(struct uring *r);

/* At boot: register the exit hook (cancel.c). */
void uring_init(void);

/* ---- registration (register.c) and SQPOLL (sqpoll.c) ---- */

long uring_register(struct uring *r, u32 opcode, u64 arg, u32 nr_args);
void uring_unregister_all(struct uring *r);
int uring_sqpoll_start(struct uring *r, u32 idle_ms, int cpu);
/* Tell the task to end; true while a poll of it is still submitting (uring_proc_exit waits). */
bool uring_sqpoll_stop(struct uring *r);
void uring_sqpoll_wake(struct uring *r);
/* The task has ended (its creator exited): io_uring_enter says EOWNERDEAD. */
bool uring_sqpoll_dead(struct uring *r);
/* IORING_ENTER_SQ_WAIT: 0 once the SQ has room, or -ERESTART_PARK. */
long uring_sqpoll_wait_space(struct uring *r);
void uring_sqpoll_free(struct uring *r);

/* Log once per call site that Ferry lacks something a program asked for. */
#define uring_unsupported(what)                                                              \
	do {                                                                                 \
		static u8 warned_;                                                           \
		if (!__atomic_exchange_n(&warned_, 1, __ATOMIC_RELAXED))                     \
			pr_warn("io_uring: %s not supported\n", what);                       \
	} while (0)
