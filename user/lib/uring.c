/* io_uring without liburing (uring.h): setup, mappings, SQEs and CQEs. */
#include "uring.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#endif

static inline unsigned load_acquire(const unsigned *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release(unsigned *p, unsigned v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);
	return r < 0 ? -errno : r;
}

int uring_open(struct uring *r, unsigned entries, unsigned flags, unsigned cq_entries)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	memset(r, 0, sizeof *r);
	p.flags = flags | (cq_entries ? IORING_SETUP_CQSIZE : 0);
	p.cq_entries = cq_entries;
	int fd = (int)sys(SYS_io_uring_setup, entries, (long)&p, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	size_t sq = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	/* Both rings in one mapping where the kernel offers it (IORING_FEAT_SINGLE_MMAP). */
	size_t size = sq > cq ? sq : cq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		close(fd);
		return -ENOSYS;
	}
	void *rings = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			   IORING_OFF_SQ_RING);
	if (rings == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	size_t sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
	void *sqes = mmap(NULL, sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			  IORING_OFF_SQES);
	if (sqes == MAP_FAILED) {
		int e = -errno;
		munmap(rings, size);
		close(fd);
		return e;
	}
	char *b = rings;
	*r = (struct uring){
	    .fd = fd,
	    .sq_entries = p.sq_entries,
	    .cq_entries = p.cq_entries,
	    .features = p.features,
	    .sq_head = (unsigned *)(b + p.sq_off.head),
	    .sq_tail = (unsigned *)(b + p.sq_off.tail),
	    .sq_mask = (unsigned *)(b + p.sq_off.ring_mask),
	    .sq_flags = (unsigned *)(b + p.sq_off.flags),
	    .sq_array = (unsigned *)(b + p.sq_off.array),
	    .sqes = sqes,
	    .cq_head = (unsigned *)(b + p.cq_off.head),
	    .cq_tail = (unsigned *)(b + p.cq_off.tail),
	    .cq_mask = (unsigned *)(b + p.cq_off.ring_mask),
	    .cqes = (struct io_uring_cqe *)(b + p.cq_off.cqes),
	    .rings = rings,
	    .rings_size = size,
	    .sqes_size = sqes_size,
	};
	r->sqe_next = *r->sq_tail;
	/* The SQ array maps slot i to SQE i once and for all. */
	for (unsigned i = 0; i < p.sq_entries; i++)
		r->sq_array[i] = i;
	return 0;
}

void uring_close(struct uring *r)
{
	munmap(r->sqes, r->sqes_size);
	munmap(r->rings, r->rings_size);
	close(r->fd);
	r->fd = -1;
}

struct io_uring_sqe *uring_get_sqe(struct uring *r)
{
	if (r->sqe_next - load_acquire(r->sq_head) >= r->sq_entries)
		return NULL;
	struct io_uring_sqe *sqe = &r->sqes[r->sqe_next & *r->sq_mask];
	r->sqe_next++;
	memset(sqe, 0, sizeof *sqe);
	return sqe;
}

unsigned uring_unsubmitted(const struct uring *r)
{
	return r->sqe_next - *r->sq_tail;
}

int uring_submit_wait(struct uring *r, unsigned wait_nr, int64_t timeout_ns)
{
	store_release(r->sq_tail, r->sqe_next); /* the SQEs written before the kernel sees them */
	unsigned n = r->sqe_next - load_acquire(r->sq_head); /* published, not yet taken */
	unsigned flags = wait_nr ? IORING_ENTER_GETEVENTS : 0;
	struct kernel_timespec ts;
	struct io_uring_getevents_arg arg;
	void *argp = NULL;
	size_t argsz = 0;
	if (wait_nr && timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		memset(&arg, 0, sizeof arg);
		arg.ts = (uint64_t)(uintptr_t)&ts;
		argp = &arg;
		argsz = sizeof arg;
		flags |= IORING_ENTER_EXT_ARG;
	}
	if (!n && !wait_nr)
		return 0;
	return (int)sys(SYS_io_uring_enter, r->fd, n, wait_nr, flags, (long)argp, (long)argsz);
}

struct io_uring_cqe *uring_peek_cqe(struct uring *r)
{
	unsigned head = *r->cq_head;
	if (head == load_acquire(r->cq_tail))
		return NULL;
	return &r->cqes[head & *r->cq_mask];
}

void uring_cqe_seen(struct uring *r)
{
	store_release(r->cq_head, *r->cq_head + 1); /* the CQE read before its slot goes back */
}

void uring_prep(struct io_uring_sqe *sqe, uint8_t op, int fd, uint64_t addr, uint32_t len,
		uint64_t off)
{
	sqe->opcode = op;
	sqe->fd = fd;
	sqe->addr = addr;
	sqe->len = len;
	sqe->off = off;
}
