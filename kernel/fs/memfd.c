/*
 * memfd_create(2): an anonymous file in memory, a tmpfs file with no
 * name in any directory, which the process can size, write, pass on and
 * seal (F_ADD_SEALS: the seals live in inode.seals, checked by the VFS
 * on every write, truncate and fallocate). Mapping one comes with the
 * page cache. The files live on one tmpfs of their own, made at first use.
 */
#include "fs/abi.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/unsupported.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#define MFD_HUGETLB 0x0004U
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#define MFD_NAME_MAX 249 /* NAME_MAX less "memfd:" */

static struct spinlock memfd_lock = SPINLOCK_INIT;
static struct superblock *memfd_sb; /* [memfd_lock to set; then I] */
static u64 memfd_seq;               /* [a] internal names, unique */

static struct superblock *memfd_fs(void)
{
	struct superblock *sb = __atomic_load_n(&memfd_sb, __ATOMIC_ACQUIRE);
	if (sb)
		return sb;
	const struct fstype *t = fstype_find("tmpfs");
	if (!t || t->mount(NULL, false, &sb) < 0)
		return NULL;
	spin_lock(&memfd_lock);
	if (memfd_sb)
		sb = memfd_sb; /* another core made one first: ours stays unused */
	else
		__atomic_store_n(&memfd_sb, sb, __ATOMIC_RELEASE);
	spin_unlock(&memfd_lock);
	return sb;
}

SYSCALL(NR_memfd_create, memfd_create)
{
	u32 flags = (u32)a1;
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC))
		return -EINVAL;
	if (flags & MFD_HUGETLB) {
		unsupported("memfd_create flags (no huge pages)", flags);
		return -EINVAL;
	}
	char name[MFD_NAME_MAX + 1];
	long n = strncpy_from_domain(cur_dom(), name, a0, sizeof name);
	if (n == -ENAMETOOLONG)
		return -EINVAL;
	if (n < 0)
		return n;
	struct superblock *sb = memfd_fs();
	if (!sb)
		return -ENOMEM;
	char tmp[32];
	snprintf(tmp, sizeof tmp, "memfd-%lu", __atomic_add_fetch(&memfd_seq, 1, __ATOMIC_RELAXED));
	struct inode *dir = sb->root, *ip;
	u32 mode = S_IFREG | ((flags & MFD_NOEXEC_SEAL) ? 0666 : 0777);
	int r = dir->ops->mknod(dir, tmp, strlen(tmp), mode, 0, &ip);
	if (r < 0)
		return r;
	dir->ops->unlink(dir, tmp, strlen(tmp), false); /* nameless from the start */
	spin_lock(&ip->lock);
	ip->seals = SEALS_MEMFD | (flags & MFD_ALLOW_SEALING ? 0 : F_SEAL_SEAL) |
		    (flags & MFD_NOEXEC_SEAL ? F_SEAL_EXEC : 0);
	spin_unlock(&ip->lock);
	struct file *f;
	r = vfs_open_inode(ip, O_RDWR | O_LARGEFILE, &f);
	inode_put(ip);
	if (r < 0)
		return r;
	char shown[MFD_NAME_MAX + 32];
	snprintf(shown, sizeof shown, "/memfd:%s (deleted)", name); /* as /proc/<pid>/fd shows it */
	vfs_file_named(f, shown, NULL);
	r = fd_alloc(fs_files(), f, 0, flags & MFD_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

/* F_ADD_SEALS and F_GET_SEALS (sys_fd.c): -EINVAL for a file that is not a memfd. */
long memfd_seals(struct file *f, int cmd, u32 add)
{
	struct inode *ip = f->ip;
	spin_lock(&ip->lock);
	u32 seals = ip->seals;
	long r;
	if (!(seals & SEALS_MEMFD)) {
		r = -EINVAL;
	} else if (cmd == F_GET_SEALS) {
		r = seals & ~SEALS_MEMFD;
	} else if (add & ~(u32)(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				F_SEAL_FUTURE_WRITE | F_SEAL_EXEC)) {
		r = -EINVAL;
	} else if (seals & F_SEAL_SEAL) {
		r = -EPERM;
	} else if (!(f->fmode & FMODE_WRITE)) {
		r = -EPERM;
	} else {
		ip->seals = seals | add;
		r = 0;
	}
	spin_unlock(&ip->lock);
	return r;
}
