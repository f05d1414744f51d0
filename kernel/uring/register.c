/*
 * io_uring_register: fixed files and buffers, eventfd notification,
 * PROBE, restrictions and enabling a ring made with R_DISABLED, with
 * Linux's checks and errors.
 *
 * A registration copies and checks everything from user memory first,
 * with no lock held, then swaps the result in under the ring's lock;
 * requests take their own reference to a fixed file when they start, so
 * unregistering never pulls a file from under one.
 *
 * Registered buffers are ranges checked once (every page present or
 * faulted in now); Linux also pins the pages, so a buffer later unmapped
 * still reads and writes there, where Ferry's fixed transfer gets EFAULT.
 */
#include "uring/uring.h"
#include "event/event.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define MAX_FIXED_FILES (1U << 20)
#define MAX_REG_BUFFERS (1U << 14)
#define MAX_BUF_LEN (1UL << 30)
#define FD_LIMIT 1024 /* RLIMIT_NOFILE (fs/fdtable.h's FD_MAX) */

static void files_drop(struct file **files, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (files[i])
			file_put(files[i]);
	kfree(files);
}

/* A descriptor for a fixed slot: a reference, NULL for -1, or an error (never a ring). */
static int file_for_slot(i32 fd, struct file **out)
{
	*out = NULL;
	if (fd == -1)
		return 0;
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	if (uring_of(f)) {
		/* A ring in a ring's table would keep both alive for ever. */
		file_put(f);
		return -EBADF;
	}
	*out = f;
	return 0;
}

static long register_files(struct uring *r, u64 arg, u32 nr)
{
	if (!arg)
		return -EFAULT;
	if (!nr)
		return -EINVAL;
	if (nr > MAX_FIXED_FILES || nr > FD_LIMIT)
		return -EMFILE;
	if (__atomic_load_n(&r->files, __ATOMIC_RELAXED))
		return -EBUSY;
	i32 *fds = kmalloc(nr * sizeof *fds);
	struct file **files = kzalloc(nr * sizeof *files);
	long e = fds && files ? 0 : -ENOMEM;
	if (!e && copy_from_domain(cur_dom(), fds, arg, nr * sizeof *fds) < 0)
		e = -EFAULT;
	for (u32 i = 0; i < nr && !e; i++)
		e = file_for_slot(fds[i], &files[i]);
	kfree(fds);
	if (!e) {
		spin_lock(&r->lock);
		if (r->files) {
			e = -EBUSY;
		} else {
			r->files = files;
			r->nr_files = nr;
		}
		spin_unlock(&r->lock);
	}
	if (e && files)
		files_drop(files, nr);
	return e;
}

static long unregister_files(struct uring *r)
{
	spin_lock(&r->lock);
	struct file **files = r->files;
	u32 n = r->nr_files;
	r->files = NULL;
	r->nr_files = 0;
	spin_unlock(&r->lock);
	if (!files)
		return -ENXIO;
	files_drop(files, n);
	return 0;
}

static long update_files(struct uring *r, u64 arg, u32 nr)
{
	if (!nr)
		return -EINVAL;
	struct io_uring_files_update up;
	if (copy_from_domain(cur_dom(), &up, arg, sizeof up) < 0)
		return -EFAULT;
	if (up.resv)
		return -EINVAL;
	spin_lock(&r->lock);
	bool have = r->files != NULL, fits = (u64)up.offset + nr <= r->nr_files;
	spin_unlock(&r->lock);
	if (!have)
		return -ENXIO;
	if (!fits)
		return -EINVAL;
	long done = 0, e = 0;
	for (u32 i = 0; i < nr; i++) {
		i32 fd;
		if (copy_from_domain(cur_dom(), &fd, up.fds + i * sizeof fd, sizeof fd) < 0) {
			e = -EFAULT;
			break;
		}
		if (fd == IORING_REGISTER_FILES_SKIP) {
			done++;
			continue;
		}
		struct file *f;
		e = file_for_slot(fd, &f);
		if (e)
			break;
		spin_lock(&r->lock);
		struct file *old = NULL;
		if (r->files && up.offset + i < r->nr_files) {
			old = r->files[up.offset + i];
			r->files[up.offset + i] = f;
			f = NULL;
		} else {
			e = -ENXIO; /* unregistered meanwhile */
		}
		spin_unlock(&r->lock);
		if (old)
			file_put(old);
		if (f)
			file_put(f);
		if (e)
			break;
		done++;
	}
	return done ? done : e;
}

/* Every page of [addr, addr + len) readable now (faulted in if it must be): 0 or -EFAULT. */
static int buffer_present(u64 addr, u64 len)
{
	if (!user_range_ok(addr, len))
		return -EFAULT;
	for (u64 p = ALIGN_DOWN(addr, PAGE_SIZE); p < addr + len; p += PAGE_SIZE) {
		u8 byte;
		if (copy_from_domain(cur_dom(), &byte, MAX(p, addr), 1) < 0)
			return -EFAULT;
	}
	return 0;
}

static long register_buffers(struct uring *r, u64 arg, u32 nr)
{
	if (!arg)
		return -EFAULT;
	if (__atomic_load_n(&r->bufs, __ATOMIC_RELAXED))
		return -EBUSY;
	if (!nr || nr > MAX_REG_BUFFERS)
		return -EINVAL;
	struct kiovec *iov = kmalloc(nr * sizeof *iov);
	struct uring_buf *bufs = kmalloc(nr * sizeof *bufs);
	long e = iov && bufs ? 0 : -ENOMEM;
	if (!e && copy_from_domain(cur_dom(), iov, arg, nr * sizeof *iov) < 0)
		e = -EFAULT;
	for (u32 i = 0; i < nr && !e; i++) {
		u64 end;
		if (!iov[i].base) {
			e = iov[i].len ? -EFAULT : 0; /* an empty slot */
		} else if (iov[i].len > MAX_BUF_LEN) {
			e = -EFAULT;
		} else if (__builtin_add_overflow(iov[i].base, iov[i].len, &end)) {
			e = -EOVERFLOW;
		} else {
			e = buffer_present(iov[i].base, iov[i].len);
		}
		bufs[i] = (struct uring_buf){iov[i].base, iov[i].len};
	}
	kfree(iov);
	if (!e) {
		spin_lock(&r->lock);
		if (r->bufs) {
			e = -EBUSY;
		} else {
			r->bufs = bufs;
			r->nr_bufs = nr;
			bufs = NULL;
		}
		spin_unlock(&r->lock);
	}
	kfree(bufs);
	return e;
}

static long unregister_buffers(struct uring *r)
{
	spin_lock(&r->lock);
	struct uring_buf *b = r->bufs;
	r->bufs = NULL;
	r->nr_bufs = 0;
	spin_unlock(&r->lock);
	if (!b)
		return -ENXIO;
	kfree(b);
	return 0;
}

static long unregister_eventfd(struct uring *r);

void uring_unregister_all(struct uring *r)
{
	unregister_files(r);
	unregister_buffers(r);
	unregister_eventfd(r);
}

/*
 * IORING_REGISTER_EVENTFD(_ASYNC): completions signal the eventfd (cq.c,
 * uring_evfd_signal). One at a time (EBUSY); a descriptor that is no
 * eventfd gets EINVAL, as on Linux.
 */
static long register_eventfd(struct uring *r, u64 arg, u32 nr, bool async)
{
	if (nr != 1)
		return -EINVAL;
	i32 fd;
	if (copy_from_domain(cur_dom(), &fd, arg, sizeof fd) < 0)
		return -EFAULT;
	if (__atomic_load_n(&r->evfd, __ATOMIC_RELAXED))
		return -EBUSY;
	struct file *f = fs_fget(fd);
	if (!f)
		return -EBADF;
	if (!file_is_eventfd(f)) {
		file_put(f);
		return -EINVAL;
	}
	spin_lock(&r->lock);
	long e = 0;
	if (r->evfd) {
		e = -EBUSY;
	} else {
		r->evfd = f;
		r->evfd_async = async;
		r->evfd_tail = r->cq_tail; /* what came before is not signalled */
		f = NULL;
	}
	spin_unlock(&r->lock);
	if (f)
		file_put(f);
	return e;
}

static long unregister_eventfd(struct uring *r)
{
	spin_lock(&r->lock);
	struct file *f = r->evfd;
	r->evfd = NULL;
	spin_unlock(&r->lock);
	if (!f)
		return -ENXIO;
	file_put(f);
	return 0;
}

static long probe(u64 arg, u32 nr)
{
	if (!arg || nr > 256)
		return -EINVAL;
	u64 size = sizeof(struct io_uring_probe) + (u64)nr * sizeof(struct io_uring_probe_op);
	u8 *buf = kmalloc(size);
	if (!buf)
		return -ENOMEM;
	long e = 0;
	if (copy_from_domain(cur_dom(), buf, arg, size) < 0)
		e = -EFAULT;
	for (u64 i = 0; i < size && !e; i++)
		if (buf[i])
			e = -EINVAL; /* the caller must hand it in zeroed */
	if (!e) {
		struct io_uring_probe *p = (struct io_uring_probe *)buf;
		struct io_uring_probe_op *ops = (struct io_uring_probe_op *)(p + 1);
		u32 n = MIN(nr, (u32)uring_op_last() + 1);
		p->last_op = uring_op_last();
		p->ops_len = (u8)n;
		for (u32 i = 0; i < n; i++) {
			ops[i].op = (u8)i;
			ops[i].flags = uring_op_supported((u8)i) ? IO_URING_OP_SUPPORTED : 0;
		}
		if (copy_to_domain(cur_dom(), arg, buf, size) < 0)
			e = -EFAULT;
	}
	kfree(buf);
	return e;
}

static long register_restrictions(struct uring *r, u64 arg, u32 nr)
{
	if (!__atomic_load_n(&r->disabled, __ATOMIC_ACQUIRE))
		return -EBADFD;
	if (!arg || nr > IORING_RESTRICTIONS_MAX)
		return -EINVAL;
	struct io_uring_restriction *res = kmalloc(((u64)nr + 1) * sizeof *res);
	if (!res)
		return -ENOMEM;
	long e = 0;
	if (copy_from_domain(cur_dom(), res, arg, (u64)nr * sizeof *res) < 0)
		e = -EFAULT;
	u64 ops[4] = {0}, regs = 0;
	u8 allowed = 0, required = 0;
	for (u32 i = 0; i < nr && !e; i++) {
		u8 a = res[i].arg;
		switch (res[i].opcode) {
		case IORING_RESTRICTION_REGISTER_OP:
			if (a >= IORING_REGISTER_LAST_KNOWN)
				e = -EINVAL;
			else
				regs |= 1UL << a;
			break;
		case IORING_RESTRICTION_SQE_OP:
			ops[a / 64] |= 1UL << (a % 64); /* one Ferry lacks is refused anyway */
			break;
		case IORING_RESTRICTION_SQE_FLAGS_ALLOWED:
			allowed = a;
			break;
		case IORING_RESTRICTION_SQE_FLAGS_REQUIRED:
			required = a;
			break;
		default:
			e = -EINVAL;
		}
	}
	kfree(res);
	if (e)
		return e;
	spin_lock(&r->lock);
	if (r->restrictions_set) {
		e = -EBUSY;
	} else {
		r->restrictions_set = true;
		memcpy(r->ops_allowed, ops, sizeof ops);
		r->reg_allowed = regs;
		r->sqe_flags_allowed = allowed;
		r->sqe_flags_required = required;
	}
	spin_unlock(&r->lock);
	return e;
}

static long enable_rings(struct uring *r)
{
	spin_lock(&r->lock);
	long e = 0;
	if (!r->disabled) {
		e = -EBADFD;
	} else {
		if ((r->setup_flags & IORING_SETUP_SINGLE_ISSUER) && !r->issuer)
			r->issuer = task_acting();
		r->restricted = r->restrictions_set;
		__atomic_store_n(&r->disabled, false, __ATOMIC_RELEASE);
	}
	spin_unlock(&r->lock);
	if (!e)
		uring_sqpoll_wake(r);
	return e;
}

long uring_register(struct uring *r, u32 opcode, u64 arg, u32 nr)
{
	if (r->restricted) {
		if (opcode >= IORING_REGISTER_LAST_KNOWN)
			return -EINVAL;
		if (!(r->reg_allowed & (1UL << opcode)))
			return -EACCES;
	}
	switch (opcode) {
	case IORING_REGISTER_BUFFERS:
		return register_buffers(r, arg, nr);
	case IORING_UNREGISTER_BUFFERS:
		return arg || nr ? -EINVAL : unregister_buffers(r);
	case IORING_REGISTER_FILES:
		return register_files(r, arg, nr);
	case IORING_UNREGISTER_FILES:
		return arg || nr ? -EINVAL : unregister_files(r);
	case IORING_REGISTER_FILES_UPDATE:
		return update_files(r, arg, nr);
	case IORING_REGISTER_EVENTFD:
	case IORING_REGISTER_EVENTFD_ASYNC:
		return register_eventfd(r, arg, nr, opcode == IORING_REGISTER_EVENTFD_ASYNC);
	case IORING_UNREGISTER_EVENTFD:
		return arg || nr ? -EINVAL : unregister_eventfd(r);
	case IORING_REGISTER_PROBE:
		return probe(arg, nr);
	case IORING_REGISTER_RESTRICTIONS:
		return register_restrictions(r, arg, nr);
	case IORING_REGISTER_ENABLE_RINGS:
		return arg || nr ? -EINVAL : enable_rings(r);
	default:
		if (opcode < IORING_REGISTER_LAST_KNOWN)
			uring_unsupported("an io_uring_register opcode");
		return -EINVAL;
	}
}
