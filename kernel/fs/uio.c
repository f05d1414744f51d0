/* Moving bytes between kernel memory and a uio's segments. */
#include "fs/uio.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "fs/abi.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void uio_init_kernel(struct uio *u, void *buf, size_t len)
{
	u->dom = NULL;
	u->one = (struct kiovec){(u64)buf, len};
	u->iov = &u->one;
	u->iovcnt = 1;
	u->resid = len;
	u->rwf = 0;
	u->ra = 0;
}

void uio_init_user(struct uio *u, struct domain *dom, vaddr_t addr, size_t len)
{
	u->dom = dom;
	u->one = (struct kiovec){addr, len};
	u->iov = &u->one;
	u->iovcnt = 1;
	u->resid = len;
	u->rwf = 0;
	u->ra = 0;
}

void uio_init_iov(struct uio *u, struct domain *dom, struct kiovec *iov, int iovcnt, size_t total)
{
	u->dom = dom;
	u->iov = iov;
	u->iovcnt = iovcnt;
	u->resid = total;
	u->rwf = 0;
	u->ra = 0;
}

long uio_import_iovec(struct domain *dom, u64 uiov, u64 cnt, struct kiovec **out, u64 *total)
{
	*out = NULL;
	*total = 0;
	if (cnt > IOV_MAX)
		return -EINVAL;
	if (cnt == 0)
		return 0;
	_Static_assert(sizeof(struct kiovec) == 16, "struct iovec layout");
	struct kiovec *iov = kmalloc(cnt * sizeof *iov);
	if (!iov)
		return -ENOMEM;
	long r = 0;
	if (copy_from_domain(dom, iov, uiov, cnt * sizeof *iov) < 0)
		r = -EFAULT;
	/* As Linux: a negative length is EINVAL, a bad range EFAULT, and the total is capped. */
	for (u64 i = 0; i < cnt && !r; i++)
		if ((i64)iov[i].len < 0)
			r = -EINVAL;
	u64 sum = 0;
	for (u64 i = 0; i < cnt && !r; i++) {
		if (!user_range_ok(iov[i].base, iov[i].len)) {
			r = -EFAULT;
			break;
		}
		if (iov[i].len > MAX_RW_COUNT - sum)
			iov[i].len = MAX_RW_COUNT - sum;
		sum += iov[i].len;
	}
	if (r < 0) {
		kfree(iov);
		return r;
	}
	*out = iov;
	*total = sum;
	return 0;
}

int uio_swapin(struct uio *u, size_t max)
{
	if (!u->dom)
		return 0;
	for (int i = 0; i < u->iovcnt && max; i++) {
		size_t n = MIN(u->iov[i].len, max);
		int r = domain_swapin_range(u->dom, u->iov[i].base, n);
		if (r < 0)
			return r;
		max -= n;
	}
	return 0;
}

enum uio_op { OP_OUT, OP_IN, OP_ZERO, OP_SKIP };

/*
 * The one loop behind all four moves: segment by segment, consuming as it
 * goes. Inlined into each, so that the op is known where it is tested.
 */
static inline __attribute__((always_inline)) int uio_move(struct uio *u, void *kbuf, size_t n,
							  enum uio_op op)
{
	assert(n <= u->resid);
	u8 *k = kbuf;
	while (n) {
		assert(u->iovcnt > 0);
		struct kiovec *v = u->iov;
		if (v->len == 0) {
			u->iov++;
			u->iovcnt--;
			continue;
		}
		size_t chunk = MIN(n, v->len);
		int r = 0;
		if (op == OP_SKIP) {
			/* nothing to touch */
		} else if (u->dom) {
			if (op == OP_OUT)
				r = copy_to_domain(u->dom, v->base, k, chunk);
			else if (op == OP_IN)
				r = copy_from_domain(u->dom, k, v->base, chunk);
			else
				r = clear_domain(u->dom, v->base, chunk);
			if (r < 0)
				return r == -ERESTART_PARK ? r : -EFAULT; /* parked for a mapped page */
		} else {
			void *p = (void *)v->base;
			if (op == OP_OUT)
				memcpy(p, k, chunk);
			else if (op == OP_IN)
				memcpy(k, p, chunk);
			else
				memset(p, 0, chunk);
		}
		v->base += chunk;
		v->len -= chunk;
		u->resid -= chunk;
		n -= chunk;
		if (k)
			k += chunk;
	}
	return 0;
}

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	return uio_move(u, (void *)src, n, OP_OUT);
}

int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	return uio_move(u, dst, n, OP_IN);
}

int uio_zero(struct uio *u, size_t n)
{
	return uio_move(u, NULL, n, OP_ZERO);
}

void uio_skip(struct uio *u, size_t n)
{
	uio_move(u, NULL, n, OP_SKIP);
}
