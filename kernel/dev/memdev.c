/* The memory devices (see memdev.h). */
#include "dev/memdev.h"
#include "dev/krandom.h"
#include "fs/vfs.h"
#include "vm/shmem.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* Everything written is accepted and dropped, without even reading it (as Linux). */
static ssize_t sink_write(struct file *f, struct uio *u, u64 *pos)
{
	size_t n = u->resid;
	uio_skip(u, n);
	return (ssize_t)n;
}

static ssize_t null_read(struct file *f, struct uio *u, u64 *pos)
{
	return 0;
}

static ssize_t zero_read(struct file *f, struct uio *u, u64 *pos)
{
	size_t n = u->resid;
	int r = uio_zero(u, n);
	size_t done = n - u->resid;
	return done ? (ssize_t)done : r;
}

static ssize_t full_write(struct file *f, struct uio *u, u64 *pos)
{
	return u->resid ? -ENOSPC : 0;
}

static ssize_t random_read(struct file *f, struct uio *u, u64 *pos)
{
	u8 buf[256];
	size_t total = 0;
	while (u->resid) {
		size_t n = MIN(u->resid, sizeof buf);
		krandom_bytes(buf, n);
		if (uio_copy_out(u, buf, n) < 0)
			return total ? (ssize_t)total : -EFAULT;
		total += n;
	}
	memset(buf, 0, sizeof buf);
	return (ssize_t)total;
}

/*
 * Mapping /dev/zero: private, it is anonymous memory (zero until
 * written); shared, memory of its own that a fork's two sides share, as
 * MAP_SHARED|MAP_ANONYMOUS (Linux names both "/dev/zero (deleted)").
 */
static int zero_mmap(struct file *f, bool shared, u64 len, struct vmobj **obj, const char **name)
{
	*obj = NULL;
	*name = NULL;
	if (!shared)
		return 0;
	*obj = shmem_create(len);
	*name = "/dev/zero (deleted)";
	return *obj ? 0 : -ENOMEM;
}

/* Seeking these devices does nothing and reports position 0 (Linux's null_lseek). */
static i64 mem_llseek(struct file *f, i64 off, int whence)
{
	return 0;
}

static const struct file_ops null_fops = {.read = null_read, .write = sink_write,
					  .llseek = mem_llseek};
static const struct file_ops zero_fops = {.read = zero_read, .write = sink_write,
					  .llseek = mem_llseek, .mmap = zero_mmap};
static const struct file_ops full_fops = {.read = zero_read, .write = full_write,
					  .llseek = mem_llseek};
static const struct file_ops random_fops = {.read = random_read, .write = sink_write,
					    .llseek = mem_llseek};

void memdev_init(void)
{
	static const struct {
		u32 minor;
		const struct file_ops *ops;
	} devs[] = {{3, &null_fops}, {5, &zero_fops}, {7, &full_fops}, {8, &random_fops},
		    {9, &random_fops}};
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (chrdev_register(mkdev(1, devs[i].minor), devs[i].ops, NULL) < 0)
			panic("memdev: cannot register device 1,%u", devs[i].minor);
}
