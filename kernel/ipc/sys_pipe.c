/* pipe(2) and pipe2(2): a new pipe's two ends as the lowest free descriptors. */
#include "ipc/pipe.h"
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "sys/syscall.h"

static long do_pipe2(u64 ufds, u64 flags)
{
	if (flags & ~(u64)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct file *f[2];
	int r = pipe_create((u32)flags, f);
	if (r < 0)
		return r;
	return fd_install_pair(fs_files(), f, flags & O_CLOEXEC, cur_dom(), ufds);
}

SYSCALL(NR_pipe, pipe)
{
	return do_pipe2(a0, 0);
}

SYSCALL(NR_pipe2, pipe2)
{
	return do_pipe2(a0, (u32)a1);
}
