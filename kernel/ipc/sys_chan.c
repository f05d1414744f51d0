/*
 * Ferry's channel calls (include/uapi/ferry.h): chan_create, msg_alloc,
 * msg_free, msg_send, msg_recv, over the channels of chan.c.
 */
#include "ipc/chan.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"
#include "uapi/ferry.h"

/* The channel file at fd (a reference), or NULL: EBADF. */
static struct file *chan_at(int fd)
{
	struct file *f = fs_fget(fd);
	if (f && !file_is_chan(f)) {
		file_put(f);
		return NULL;
	}
	return f;
}

SYSCALL(SYS_chan_create, chan_create)
{
	struct file *f[2];
	int r = chan_create(f);
	if (r < 0)
		return r;
	return fd_install_pair(fs_files(), f, false, cur_dom(), a0);
}

SYSCALL(SYS_msg_alloc, msg_alloc)
{
	return msg_buffer_alloc(cur_dom(), a0);
}

SYSCALL(SYS_msg_free, msg_free)
{
	return msg_buffer_free(cur_dom(), a0);
}

SYSCALL(SYS_msg_send, msg_send)
{
	struct file *f = chan_at((int)a0);
	if (!f)
		return -EBADF;
	int r = chan_send(f, cur_dom(), a1, a2);
	file_put(f);
	return r;
}

SYSCALL(SYS_msg_recv, msg_recv)
{
	struct file *f = chan_at((int)a0);
	if (!f)
		return -EBADF;
	/* Check the result pointer before taking a message off the queue. */
	u64 zero = 0;
	if (copy_to_domain(cur_dom(), a1, &zero, sizeof zero) < 0) {
		file_put(f);
		return -EFAULT;
	}
	vaddr_t va;
	long r = chan_recv(f, cur_dom(), &va);
	file_put(f);
	if (r > 0)
		copy_to_domain(cur_dom(), a1, &va, sizeof va);
	return r;
}
