/*
 * ramfs (see ramfs.h).
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after creation
 *  n  ramfs_sb.ns_lock: every directory's entries and parent pointer, and
 *     (with the inode's lock) link counts. One lock per file system keeps
 *     rename and rmdir simple and race-free; directory operations are
 *     short memory walks, so cores seldom wait on it.
 *  i  inode.lock: size, blocks and times of a file.
 *
 * A file's data lives in its page cache (inode.data, vm/pcache.h), a
 * cache with no store (PC_SWAPBACKED): pages are made on first write,
 * holes read as zeros, and under memory pressure pages can only go to
 * swap. File data is copied to and from user memory with no lock held
 * (vfs.h): a page is pinned by a frame reference while it is copied, so
 * truncate may drop it from the file meanwhile safely.
 */
#include "fs/ramfs.h"
#include "mm/buddy.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "lib/errno.h"
#include "lib/kernel.h"

struct ramfs_sb {
	struct superblock sb;
	struct spinlock ns_lock;
};

struct ramfs_dirent {
	struct list_node node; /* [n] in the directory, oldest first */
	u64 cookie;            /* [I] its getdents position; never reused in a directory */
	struct inode *ip;      /* [n] no reference: a link (nlink) keeps the inode */
	size_t len;            /* [I] */
	char name[];           /* [I] not NUL-terminated */
};

struct ramfs_inode {
	struct inode vfs;
	union {
		struct {
			struct list_node entries; /* [n] */
			u64 next_cookie;          /* [n] */
			struct inode *parent;     /* [n] the root: itself; removed: NULL */
		} dir;
		char *target;                     /* [I] symlinks */
	};
};

static const struct inode_ops ramfs_ops;
static const struct pcache_ops ramfs_pcache_ops;

static inline struct ramfs_inode *RI(struct inode *ip)
{
	return container_of(ip, struct ramfs_inode, vfs);
}

static inline struct spinlock *ns_lock(struct inode *ip)
{
	return &container_of(ip->sb, struct ramfs_sb, sb)->ns_lock;
}

/* ---- inodes and entries ---- */

static struct ramfs_inode *ri_new(struct superblock *sb, u32 mode)
{
	struct ramfs_inode *ri = knew(struct ramfs_inode);
	if (!ri)
		return NULL;
	inode_init(&ri->vfs, sb, mode, &ramfs_ops);
	if (S_ISDIR(mode)) {
		list_init(&ri->dir.entries);
		ri->dir.next_cookie = 2; /* 0 and 1 are "." and ".." */
		ri->vfs.nlink = 2;
		ri->vfs.size = PAGE_SIZE; /* as tmpfs reports; readers only check it is not 0 */
	} else {
		ri->vfs.nlink = 1;
		if (S_ISREG(mode)) {
			pcache_init(&ri->vfs.data, &ramfs_pcache_ops, PC_SWAPBACKED);
			pcache_identify(&ri->vfs.data, sb->dev, ri->vfs.ino);
		}
	}
	return ri;
}

static struct ramfs_dirent *dirent_new(const char *name, size_t len, struct inode *ip)
{
	struct ramfs_dirent *de = kmalloc(sizeof *de + len);
	if (!de)
		return NULL;
	list_init(&de->node);
	de->len = len;
	de->ip = ip;
	memcpy(de->name, name, len);
	return de;
}

static struct ramfs_dirent *find(struct inode *dir, const char *name, size_t len)
{
	struct list_node *pos;
	list_for_each(pos, &RI(dir)->dir.entries)
	{
		struct ramfs_dirent *de = container_of(pos, struct ramfs_dirent, node);
		if (de->len == len && memcmp(de->name, name, len) == 0)
			return de;
	}
	return NULL;
}

static void add_entry(struct inode *dir, struct ramfs_dirent *de)
{
	de->cookie = RI(dir)->dir.next_cookie++;
	list_push_back(&RI(dir)->dir.entries, &de->node);
}

static inline bool dir_alive(struct inode *dir)
{
	return dir->nlink > 0;
}

/* Change a directory's link count (its subdirectories' ".." links) and stamp it. */
static void dir_changed(struct inode *dir, int dlinks)
{
	spin_lock(&dir->lock);
	dir->nlink = (u32)((i64)dir->nlink + dlinks);
	dir->mtime = dir->ctime = vfs_now();
	spin_unlock(&dir->lock);
}

/* ---- directory operations ---- */

static int ramfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int r = 0;
	spin_lock(ns_lock(dir));
	if (!dir_alive(dir)) {
		r = -ENOENT;
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = inode_get(RI(dir)->dir.parent);
	} else {
		struct ramfs_dirent *de = find(dir, name, len);
		if (de)
			*out = inode_get(de->ip);
		else
			r = -ENOENT;
	}
	spin_unlock(ns_lock(dir));
	return r;
}

/* Link a fresh inode (one reference, not yet visible) into dir under name. */
static int add_new(struct inode *dir, const char *name, size_t len, struct ramfs_inode *ri,
		   struct inode **out)
{
	struct ramfs_dirent *de = dirent_new(name, len, &ri->vfs);
	if (!de) {
		ri->vfs.nlink = 0;
		inode_put(&ri->vfs);
		return -ENOMEM;
	}
	int r = 0;
	spin_lock(ns_lock(dir));
	if (!dir_alive(dir)) {
		r = -ENOENT;
	} else if (find(dir, name, len)) {
		r = -EEXIST;
	} else {
		add_entry(dir, de);
		if (S_ISDIR(ri->vfs.mode)) {
			ri->dir.parent = dir;
			dir_changed(dir, 1);
		} else {
			dir_changed(dir, 0);
		}
	}
	spin_unlock(ns_lock(dir));
	if (r < 0) {
		kfree(de);
		ri->vfs.nlink = 0;
		inode_put(&ri->vfs); /* never seen by anyone: evicted here */
		return r;
	}
	if (out)
		*out = &ri->vfs;
	else
		inode_put(&ri->vfs);
	return 0;
}

static int ramfs_mknod(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
		       struct inode **out)
{
	struct ramfs_inode *ri = ri_new(dir->sb, mode);
	if (!ri)
		return -ENOMEM;
	vfs_init_owner(&ri->vfs, dir, mode);
	if (S_ISCHR(mode) || S_ISBLK(mode))
		ri->vfs.rdev = rdev;
	return add_new(dir, name, len, ri, out);
}

static int ramfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			 struct inode **out)
{
	size_t tlen = strlen(target);
	struct ramfs_inode *ri = ri_new(dir->sb, S_IFLNK | 0777);
	if (!ri)
		return -ENOMEM;
	vfs_init_owner(&ri->vfs, dir, S_IFLNK | 0777);
	ri->target = kmalloc(tlen + 1);
	if (!ri->target) {
		ri->vfs.nlink = 0;
		inode_put(&ri->vfs);
		return -ENOMEM;
	}
	memcpy(ri->target, target, tlen + 1);
	ri->vfs.size = tlen;
	return add_new(dir, name, len, ri, out);
}

static int ramfs_link(struct inode *dir, const char *name, size_t len, struct inode *ip)
{
	if (ip->sb != dir->sb)
		return -EXDEV;
	if (S_ISDIR(ip->mode))
		return -EPERM;
	struct ramfs_dirent *de = dirent_new(name, len, ip);
	if (!de)
		return -ENOMEM;
	int r = 0;
	spin_lock(ns_lock(dir));
	if (!dir_alive(dir))
		r = -ENOENT;
	else if (find(dir, name, len))
		r = -EEXIST;
	else if (ip->nlink == 0)
		r = -ENOENT; /* link(2): the file was removed meanwhile */
	else {
		add_entry(dir, de);
		inode_set_nlink(ip, ip->nlink + 1);
		dir_changed(dir, 0);
	}
	spin_unlock(ns_lock(dir));
	if (r < 0)
		kfree(de);
	return r;
}

static bool dir_empty(struct inode *dir)
{
	return list_empty(&RI(dir)->dir.entries);
}

/*
 * Take victim's entry out of dir (ns lock held). True when the victim must
 * be evicted after the caller drops its locks.
 */
static bool remove_entry(struct inode *dir, struct ramfs_dirent *de)
{
	struct inode *v = de->ip;
	list_remove(&de->node);
	if (S_ISDIR(v->mode)) {
		RI(v)->dir.parent = NULL;
		dir_changed(dir, -1);
		return inode_set_nlink(v, 0);
	}
	dir_changed(dir, 0);
	return inode_set_nlink(v, v->nlink - 1);
}

static int ramfs_unlink(struct inode *dir, const char *name, size_t len, bool rmdir)
{
	int r = 0;
	bool dead = false;
	struct ramfs_dirent *de = NULL;
	spin_lock(ns_lock(dir));
	de = dir_alive(dir) ? find(dir, name, len) : NULL;
	if (!de)
		r = -ENOENT;
	else if (rmdir && !S_ISDIR(de->ip->mode))
		r = -ENOTDIR;
	else if (rmdir && !dir_empty(de->ip))
		r = -ENOTEMPTY;
	else if (!rmdir && S_ISDIR(de->ip->mode))
		r = -EISDIR;
	else
		dead = remove_entry(dir, de);
	spin_unlock(ns_lock(dir));
	if (r < 0)
		return r;
	struct inode *v = de->ip;
	kfree(de);
	if (dead)
		v->ops->evict(v);
	return 0;
}

static int ramfs_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
			const char *nname, size_t nlen, unsigned flags)
{
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE and WHITEOUT are not supported */
	if (odir->sb != ndir->sb)
		return -EXDEV;
	struct ramfs_dirent *nde = dirent_new(nname, nlen, NULL);
	if (!nde)
		return -ENOMEM;
	int r = 0;
	bool vdead = false;
	struct ramfs_dirent *ode = NULL, *tde = NULL;
	struct inode *src = NULL, *victim = NULL;

	spin_lock(ns_lock(odir));
	if (!dir_alive(odir) || !dir_alive(ndir) || !(ode = find(odir, oname, olen))) {
		r = -ENOENT;
		goto out;
	}
	src = ode->ip;
	tde = find(ndir, nname, nlen);
	victim = tde ? tde->ip : NULL;
	if (victim == src)
		goto out; /* rename(2): two links to one file, nothing to do */
	if (victim && (flags & RENAME_NOREPLACE)) {
		r = -EEXIST;
		goto out;
	}
	if (S_ISDIR(src->mode)) {
		if (victim && !S_ISDIR(victim->mode)) {
			r = -ENOTDIR;
			goto out;
		}
		if (victim && !dir_empty(victim)) {
			r = -ENOTEMPTY;
			goto out;
		}
		/* A directory may not move into itself: walk up from the new parent. */
		for (struct inode *d = ndir;; d = RI(d)->dir.parent) {
			if (d == src) {
				r = -EINVAL;
				goto out;
			}
			if (RI(d)->dir.parent == d)
				break;
		}
	} else if (victim && S_ISDIR(victim->mode)) {
		r = -EISDIR;
		goto out;
	}

	if (victim)
		vdead = remove_entry(ndir, tde);
	list_remove(&ode->node);
	nde->ip = src;
	add_entry(ndir, nde);
	nde = NULL;
	if (S_ISDIR(src->mode) && odir != ndir) {
		RI(src)->dir.parent = ndir;
		dir_changed(odir, -1);
		dir_changed(ndir, 1);
	} else {
		dir_changed(odir, 0);
		dir_changed(ndir, 0);
	}
	spin_lock(&src->lock);
	src->ctime = vfs_now();
	spin_unlock(&src->lock);
out:
	spin_unlock(ns_lock(odir));
	kfree(nde);
	if (r == 0 && src && victim != src) {
		kfree(ode);
		if (victim)
			kfree(tde);
		if (vdead)
			victim->ops->evict(victim);
	}
	return r;
}

static int ramfs_iterate(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	spin_lock(ns_lock(dir));
	if (!dir_alive(dir))
		goto out; /* a removed directory lists nothing */
	if (*pos == 0) {
		if (!de->emit(de, ".", 1, dir->ino, DT_DIR, 1))
			goto out;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!de->emit(de, "..", 2, RI(dir)->dir.parent->ino, DT_DIR, 2))
			goto out;
		*pos = 2;
	}
	struct list_node *p;
	list_for_each(p, &RI(dir)->dir.entries)
	{
		struct ramfs_dirent *e = container_of(p, struct ramfs_dirent, node);
		if (e->cookie < *pos)
			continue;
		/* DT_* values are the S_IFMT type bits shifted down (getdents64(2)). */
		if (!de->emit(de, e->name, e->len, e->ip->ino, (e->ip->mode & S_IFMT) >> 12,
			      e->cookie + 1))
			break;
		*pos = e->cookie + 1;
	}
out:
	spin_unlock(ns_lock(dir));
	return 0;
}

/* ---- regular files ---- */

static ssize_t ramfs_read(struct inode *ip, struct uio *u, u64 off)
{
	return filemap_read(ip, u, off);
}

/* st_blocks: the pages the file holds. */
static void count_blocks(struct inode *ip)
{
	spin_lock(&ip->data.lock);
	u64 pages = ip->data.nrpages;
	spin_unlock(&ip->data.lock);
	spin_lock(&ip->lock);
	ip->blocks = pages * (PAGE_SIZE / 512);
	spin_unlock(&ip->lock);
}

static ssize_t ramfs_write(struct inode *ip, struct uio *u, u64 off, bool append, u64 *end)
{
	u64 max = ip->sb->maxbytes;
	int err = 0;
	size_t total = 0;

	spin_lock(&ip->lock);
	if (append)
		off = ip->size;
	if (off >= max && u->resid) {
		spin_unlock(&ip->lock);
		return -EFBIG;
	}
	size_t len = MIN(u->resid, max - off);
	/*
	 * An append reserves its range before copying, so appenders on other
	 * cores land after it; readers may see zeros there until it is written.
	 */
	u64 reserved = append ? off + len : 0;
	if (append && reserved > ip->size)
		ip->size = reserved;
	spin_unlock(&ip->lock);

	while (total < len) {
		u64 o = off + total;
		size_t po = o & (PAGE_SIZE - 1);
		size_t n = MIN(len - total, PAGE_SIZE - po);
		paddr_t pa;
		/* A memory file's pages never wait for a disk; only for memory. */
		int r = pcache_get(&ip->data, o >> PAGE_SHIFT, total ? PCG_NOPARK : 0, &pa);
		if (r < 0) {
			err = r == -ENOMEM ? -ENOSPC : r;
			break;
		}
		size_t before = u->resid;
		r = uio_copy_in(u, (u8 *)phys_to_virt(pa) + po, n);
		frame_unref(pa);
		size_t done = before - u->resid; /* all of n, or the segments before a fault */
		total += done;
		if (!append && done) {
			spin_lock(&ip->lock);
			if (o + done > ip->size)
				ip->size = o + done;
			spin_unlock(&ip->lock);
		}
		if (r < 0) {
			err = r;
			break;
		}
	}

	spin_lock(&ip->lock);
	if (append && total < len && ip->size == reserved)
		ip->size = off + total; /* give back what was not written */
	if (total)
		ip->mtime = ip->ctime = vfs_now();
	spin_unlock(&ip->lock);
	count_blocks(ip);
	*end = off + total;
	return total ? (ssize_t)total : err;
}

static int ramfs_truncate(struct inode *ip, u64 size)
{
	/*
	 * Growing, the old last page's tail (written through a mapping past
	 * the end, say) must read as zeros too: cut at the smaller size. A
	 * page being read in (from swap) is waited for first.
	 */
	spin_lock(&ip->lock);
	u64 cut = MIN(size, ip->size);
	spin_unlock(&ip->lock);
	int r;
	while ((r = pcache_truncate(&ip->data, cut)) == -EBUSY) {
		r = pcache_truncate_wait(&ip->data, cut, 0);
		if (r)
			return r;
	}
	spin_lock(&ip->lock);
	ip->size = size;
	ip->mtime = ip->ctime = vfs_now();
	spin_unlock(&ip->lock);
	pcache_unmap_from(&ip->data, size); /* mappings past the end fault SIGBUS from now */
	count_blocks(ip);
	return 0;
}

/*
 * fallocate: zero pages for [off, off + len) where there were none (the
 * size grows unless KEEP_SIZE), or a hole punched there: the bytes read
 * as zeros from then on. The page cache has no way yet to drop a page in
 * the middle of a file, so a punched page stays allocated (Linux's tmpfs
 * gives it back). A shortage of memory leaves what was allocated.
 */
static int ramfs_fallocate(struct inode *ip, int mode, u64 off, u64 len)
{
	u64 end = off + len;
	int r = 0;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		for (u64 o = off; o < end && r == 0;) {
			u64 idx = o >> PAGE_SHIFT, po = o & (PAGE_SIZE - 1);
			u64 n = MIN(end - o, PAGE_SIZE - po);
			paddr_t pa;
			if (pcache_present(&ip->data, idx) &&
			    pcache_get(&ip->data, idx, PCG_NOPARK, &pa) == 0) {
				memset((u8 *)phys_to_virt(pa) + po, 0, n);
				frame_unref(pa);
			}
			o += n;
		}
	} else {
		for (u64 idx = off >> PAGE_SHIFT; idx < ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT; idx++) {
			int a = pcache_add_zero(&ip->data, idx);
			if (a < 0 && a != -EEXIST) {
				r = -ENOSPC;
				break;
			}
		}
	}
	spin_lock(&ip->lock);
	if (!r && !(mode & (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) && end > ip->size)
		ip->size = end;
	ip->ctime = vfs_now();
	if (mode & FALLOC_FL_PUNCH_HOLE)
		ip->mtime = ip->ctime;
	spin_unlock(&ip->lock);
	count_blocks(ip);
	return r;
}

/* ---- symlinks and the end of an inode ---- */

static ssize_t ramfs_readlink(struct inode *ip, char *buf, size_t len)
{
	size_t n = MIN(len, ip->size);
	memcpy(buf, RI(ip)->target, n);
	return (ssize_t)n;
}

static void ramfs_evict(struct inode *ip)
{
	struct ramfs_inode *ri = RI(ip);
	xattr_free(ip);
	if (S_ISREG(ip->mode))
		pcache_destroy(&ip->data);
	else if (S_ISLNK(ip->mode))
		kfree(ri->target);
	else if (S_ISDIR(ip->mode))
		assert(list_empty(&ri->dir.entries));
	kfree(ri);
}

static const struct inode_ops ramfs_ops = {
	.lookup = ramfs_lookup,
	.mknod = ramfs_mknod,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rename = ramfs_rename,
	.iterate = ramfs_iterate,
	.read = ramfs_read,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.fallocate = ramfs_fallocate,
	.readlink = ramfs_readlink,
	.evict = ramfs_evict,
};

static const struct pcache_ops ramfs_pcache_ops = {
	.size = filemap_size,
	.tryget = filemap_tryget,
	.put = filemap_put,
};

/*
 * After umount: nothing holds an inode here any more (vfs_umount checked
 * sb.active), so the tree is freed without locks. Iterative, not
 * recursive: a user may nest directories deeper than a kernel stack.
 */
static void ramfs_destroy(struct superblock *sb)
{
	struct inode *root = sb->root;
	struct inode *cur = root;
	for (;;) {
		struct list_node *ents = &RI(cur)->dir.entries;
		if (list_empty(ents)) {
			if (cur == root)
				break;
			cur = RI(cur)->dir.parent; /* its entry is still that directory's first */
			continue;
		}
		struct ramfs_dirent *de = container_of(ents->next, struct ramfs_dirent, node);
		struct inode *v = de->ip;
		if (S_ISDIR(v->mode) && !list_empty(&RI(v)->dir.entries)) {
			cur = v;
			continue;
		}
		list_remove(&de->node);
		kfree(de);
		v->nlink = S_ISDIR(v->mode) ? 0 : v->nlink - 1;
		if (v->nlink == 0)
			ramfs_evict(v);
	}
	ramfs_evict(root);
	kfree(container_of(sb, struct ramfs_sb, sb));
}

struct superblock *ramfs_create(const char *fstype)
{
	struct ramfs_sb *rs = knew(struct ramfs_sb);
	if (!rs)
		return NULL;
	rs->ns_lock = (struct spinlock)SPINLOCK_INIT;
	rs->sb.fstype = fstype;
	rs->sb.dev = vfs_anon_dev();
	rs->sb.maxbytes = 1ULL << 40; /* 1 TiB: fits a 4-level page tree with room to spare */
	rs->sb.destroy = ramfs_destroy;
	rs->sb.mem_xattrs = true; /* user.*, trusted.* and security.* attributes, in memory */
	struct ramfs_inode *root = ri_new(&rs->sb, S_IFDIR | 0755);
	if (!root) {
		kfree(rs);
		return NULL;
	}
	root->dir.parent = &root->vfs;
	rs->sb.root = &root->vfs; /* the superblock keeps the first reference */
	return &rs->sb;
}

/* mount(2) of a memory file system: the source means nothing; read-only is not offered. */
static int mount_memory(const char *type, bool rdonly, struct superblock **out)
{
	if (rdonly)
		return -EINVAL;
	struct superblock *sb = ramfs_create(type);
	if (!sb)
		return -ENOMEM;
	if (type[0] == 't')
		sb->root->mode = S_IFDIR | 01777; /* tmpfs's default mode */
	*out = sb;
	return 0;
}

static int mount_tmpfs(const char *source, bool rdonly, struct superblock **out)
{
	return mount_memory("tmpfs", rdonly, out);
}

static int mount_ramfs(const char *source, bool rdonly, struct superblock **out)
{
	return mount_memory("ramfs", rdonly, out);
}

FSTYPE(tmpfs, "tmpfs", mount_tmpfs);
FSTYPE(ramfs, "ramfs", mount_ramfs);
