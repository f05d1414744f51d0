/*
 * struct uio: where a read puts its bytes, or where a write takes them
 * from, as a list of segments in kernel memory or in one domain's user
 * memory. File systems and devices move data only through these helpers,
 * so the same code serves read(2), readv(2) and the ELF loader's
 * inode_read_kernel(). Every user address goes through the domain copy
 * functions (they check it and return -EFAULT).
 *
 * A uio has one owner (the call in progress) and needs no lock. It is
 * consumed as data moves: resid is what is left.
 */
#pragma once

#include "lib/types.h"

struct domain;

struct kiovec {
	u64 base;   /* kernel pointer, or user address when uio.dom is set */
	size_t len;
};

struct uio {
	struct domain *dom;  /* NULL: kernel memory */
	struct kiovec *iov;  /* current segment */
	int iovcnt;          /* segments left, the current one included */
	size_t resid;        /* bytes left in all segments */
	struct kiovec one;   /* storage for a single-segment uio */
	u32 rwf;             /* this call's RWF_* (preadv2, pwritev2); 0 for every other */
	u8 ra;               /* the reading file's readahead advice (FRA_*, vfs.h); 0: normal */
};

/* preadv2/pwritev2's per-call flags (Linux's numbers). */
#define RWF_HIPRI  0x01
#define RWF_DSYNC  0x02
#define RWF_SYNC   0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10

void uio_init_kernel(struct uio *u, void *buf, size_t len);
void uio_init_user(struct uio *u, struct domain *dom, vaddr_t addr, size_t len);
/*
 * readv's and writev's vector, checked as Linux checks it: at most
 * IOV_MAX segments (else -EINVAL), copied in (-EFAULT), no negative length
 * (-EINVAL), every range in user space (-EFAULT), the total capped at
 * MAX_RW_COUNT. *out is kmalloc'd (NULL when cnt is 0), *total its bytes.
 */
long uio_import_iovec(struct domain *dom, u64 uiov, u64 cnt, struct kiovec **out, u64 *total);
/* Segments already validated by the caller (total fits in resid). */
void uio_init_iov(struct uio *u, struct domain *dom, struct kiovec *iov, int iovcnt, size_t total);

/*
 * Move n bytes (n <= resid) out of kernel memory into the uio (a read),
 * or from the uio into kernel memory (a write), or zeros into the uio.
 * Returns 0, -EFAULT when a user address is bad, or -ERESTART_PARK when
 * the thread was parked for a mapped file's page (the call must return
 * that, or what it moved before); on either the uio has advanced past
 * whatever was copied before it.
 */
int uio_copy_out(struct uio *u, const void *src, size_t n);
/*
 * Before a transfer that consumes what it moves (a pipe, a socket): the
 * first max bytes of a user uio back from swap (domain_swapin_range), so
 * the copy does not park midway. 0, -ERESTART_PARK, -ENOMEM.
 */
int uio_swapin(struct uio *u, size_t max);
int uio_copy_in(struct uio *u, void *dst, size_t n);
int uio_zero(struct uio *u, size_t n);
/* Consume n bytes without touching them (writes to /dev/null). */
void uio_skip(struct uio *u, size_t n);
