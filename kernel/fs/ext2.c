/*
 * ext2 (see ext2.h): mounting, inodes, block maps and symlinks as read,
 * through the block cache; regular files' data goes through the page
 * cache (ext2_file.c); directories are in ext2_dir.c, changes in
 * ext2_alloc.c, ext2_bmap.c and ext2_inode_ops.c. Locks and fields:
 * ext2_impl.h.
 *
 * Readers take no file-system lock while they read blocks, only bcache
 * references: changes publish a block's contents before the pointer or
 * rec_len that makes it visible, and a directory's size after its new
 * block is initialised. In-memory inodes stay in the hash while they have
 * links (the VFS evicts only unlinked, unreferenced ones), so one file is
 * one struct inode and mount flags stay on it.
 *
 * Waiting (invariant 3): every block comes from bcache_get; a miss parks
 * the caller (ext2_wait) and -ERESTART_PARK goes up unchanged, so the
 * system call runs again from the start once the block is in. Reading
 * changes nothing but the inode cache, which only gains what the disk says.
 */
#include "fs/ext2_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"
#include "mm/kheap.h"
#include "sched/park.h"


/* Corrupt data: one console message each (up to a bound), and -EUCLEAN. Any lock may be held. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, u64 n)
{
	bool say = __atomic_fetch_add(&fs->errors, 1, __ATOMIC_RELAXED) < MAX_ERROR_MESSAGES;
	if (say)
		pr_err("ext2 %s: corrupt file system: %s (%lu)\n", fs->dev->name, what, n);
	return -EUCLEAN;
}

/*
 * Park on q (handed back locked by the block cache) and unlock it: a
 * system call's thread, or the boot task mounting the root. A task with
 * no park gets -EAGAIN without parking.
 */
int ext2_wait(struct waitq *q)
{
	long r = park_current() ? park_on(q) : -EAGAIN;
	spin_unlock(&q->lock);
	return (int)r;
}

int ext2_bread(struct ext2_fs *fs, u64 blk, struct bbuf **b, struct ioctx *io)
{
	if (blk < fs->g.first_data_block || blk >= fs->g.blocks_count)
		return ext2_corrupt(fs, "block number out of range", blk);
	if (io && io->nopark) {
		int r = bcache_get(fs->dev, blk, fs->g.bsize, b, NULL);
		if (r == -EAGAIN)
			io->miss = blk;
		return r;
	}
	struct waitq *q;
	int r = bcache_get(fs->dev, blk, fs->g.bsize, b, &q);
	if (r == -ERESTART_PARK)
		return ext2_wait(q);
	return r;
}

/* ---- block maps ---- */

/*
 * The disk block holding logical block lblk of ip: 0 and *pblk (0: a hole),
 * -EFBIG past the triple-indirect range, -EUCLEAN, or a bread error.
 */
int ext2_bmap(struct inode *ip, u64 lblk, u32 *pblk, struct ioctx *io)
{
	struct ext2_fs *fs = FS(ip);
	u64 per = fs->g.bsize / 4;
	int depth;
	u32 ptr;
	u64 idx[3];
	if (lblk < EXT2_NDIR_BLOCKS) {
		*pblk = EI(ip)->block[lblk];
		return ext2_ptr_check(fs, *pblk, ip->ino);
	}
	lblk -= EXT2_NDIR_BLOCKS;
	if (lblk < per) {
		depth = 1;
		ptr = EI(ip)->block[EXT2_IND_BLOCK];
		idx[0] = lblk;
	} else if ((lblk -= per) < per * per) {
		depth = 2;
		ptr = EI(ip)->block[EXT2_DIND_BLOCK];
		idx[0] = lblk / per;
		idx[1] = lblk % per;
	} else if ((lblk -= per * per) < per * per * per) {
		depth = 3;
		ptr = EI(ip)->block[EXT2_TIND_BLOCK];
		idx[0] = lblk / (per * per);
		idx[1] = lblk / per % per;
		idx[2] = lblk % per;
	} else {
		return -EFBIG;
	}
	for (int i = 0; i < depth && ptr; i++) {
		if (ptr >= fs->g.blocks_count)
			return ext2_corrupt(fs, "indirect block pointer beyond the disk", ip->ino);
		int r = ext2_ptr_check(fs, ptr, ip->ino);
		if (r < 0)
			return r;
		struct bbuf *b;
		r = ext2_bread(fs, ptr, &b, io);
		if (r < 0)
			return r;
		ptr = ((const u32 *)b->data)[idx[i]];
		bcache_put(b);
	}
	*pblk = ptr;
	return ext2_ptr_check(fs, ptr, ip->ino);
}

/* ---- inodes ---- */

u32 ext2_ihash(u64 ino)
{
	return (u32)(ino % IHASH);
}

/* A reference to the in-memory inode ino, if it is there. */
static struct inode *icache_find(struct ext2_fs *fs, u64 ino)
{
	struct list_node *pos;
	list_for_each(pos, &fs->ihash[ext2_ihash(ino)])
	{
		struct ext2_inode_mem *e = container_of(pos, struct ext2_inode_mem, hnode);
		if (e->vfs.ino == ino && __atomic_load_n(&e->vfs.nlink, __ATOMIC_RELAXED))
			return inode_get(&e->vfs);
	}
	return NULL;
}

/*
 * Inode ino of fs, a reference: from memory, or read and checked (orphan:
 * with no links). named: ino came from a name that an unlink may have
 * taken away meanwhile; no links on the disk is then -ESTALE, no message.
 */
static int iget(struct ext2_fs *fs, u64 ino, bool orphan, bool named, struct inode **out)
{
	if (ino < 1 || ino > fs->g.inodes_count)
		return ext2_corrupt(fs, "inode number out of range", ino);
	spin_lock(&fs->lock);
	struct inode *ip = icache_find(fs, ino);
	spin_unlock(&fs->lock);
	if (ip) {
		*out = ip;
		return 0;
	}
	u32 group = (u32)((ino - 1) / fs->g.inodes_per_group);
	u64 byte = (ino - 1) % fs->g.inodes_per_group * fs->g.inode_size;
	struct bbuf *b;
	int r = ext2_bread(fs, fs->groups[group].inode_table + byte / fs->g.bsize, &b, NULL);
	if (r < 0)
		return r;
	struct ext2_inode di;
	memcpy(&di, b->data + byte % fs->g.bsize, sizeof di);
	if (named && !di.i_links_count) {
		bcache_put(b);
		return -ESTALE;
	}
	const char *why;
	struct ext2_inode chk = di;
	if (orphan && !chk.i_links_count)
		chk.i_links_count = 1; /* an orphan: unlinked while open, freed at mount */
	if (ext2_check_inode(&fs->g, ino, &chk, &why)) {
		bcache_put(b);
		return ext2_corrupt(fs, why, ino);
	}
	struct bbuf *eab;
	if ((r = ext2_xattr_pin(fs, ino, di.i_file_acl, &eab)) < 0) {
		bcache_put(b);
		return r;
	}
	struct ext2_inode_mem *e = knew(struct ext2_inode_mem);
	if (!e) {
		if (eab)
			bcache_put(eab);
		bcache_put(b);
		return -ENOMEM;
	}
	e->itb = b; /* pinned: writing the inode back never waits */
	e->eab = eab; /* the same for its attributes */
	e->ioff = (u32)(byte % fs->g.bsize);
	inode_init(&e->vfs, &fs->sb, di.i_mode, &ext2_ops);
	e->vfs.ino = ino;
	e->vfs.nlink = di.i_links_count;
	e->vfs.refs = 1;
	/* Linux's osd2: uid_high at byte 4, gid_high at byte 6. */
	e->vfs.uid = di.i_uid | (u32)(di.i_osd2[4] | di.i_osd2[5] << 8) << 16;
	e->vfs.gid = di.i_gid | (u32)(di.i_osd2[6] | di.i_osd2[7] << 8) << 16;
	e->vfs.size = di.i_size;
	if (S_ISREG(di.i_mode) && fs->g.large_file)
		e->vfs.size |= (u64)di.i_dir_acl << 32;
	e->vfs.blocks = di.i_blocks;
	e->vfs.atime = (struct kts){di.i_atime, 0};
	e->vfs.mtime = (struct kts){di.i_mtime, 0};
	e->vfs.ctime = (struct kts){di.i_ctime, 0};
	memcpy(e->block, di.i_block, sizeof e->block);
	if (S_ISLNK(di.i_mode)) {
		/* A fast symlink keeps its target in i_block and owns no data block. */
		u32 ea_blocks = di.i_file_acl ? fs->g.bsize / 512 : 0;
		e->fast_symlink = di.i_blocks == ea_blocks; /* its length: ext2_check_inode */
	}
	if (S_ISCHR(di.i_mode) || S_ISBLK(di.i_mode)) {
		/* Old encoding in i_block[0] (8-bit major and minor), new in i_block[1]. */
		u32 o = di.i_block[0], n = di.i_block[1];
		e->vfs.rdev = o ? mkdev((o >> 8) & 0xff, o & 0xff)
				: mkdev((n >> 8) & 0xfff, (n & 0xff) | ((n >> 12) & 0xfff00));
	}
	if (S_ISREG(di.i_mode))
		ext2_file_init(&e->vfs);
	if (S_ISDIR(di.i_mode) && di.i_size % fs->g.bsize)
		e->vfs.size =
		    ALIGN_DOWN(e->vfs.size, fs->g.bsize); /* e2fsck's rule: whole blocks */

	spin_lock(&fs->lock);
	ip = icache_find(fs, ino);
	if (!ip)
		list_push_front(&fs->ihash[ext2_ihash(ino)], &e->hnode);
	spin_unlock(&fs->lock);
	if (ip) {
		bcache_put(e->itb);
		if (e->eab)
			bcache_put(e->eab);
		kfree(e); /* another core read it meanwhile */
		*out = ip;
	} else {
		*out = &e->vfs;
	}
	return 0;
}

int ext2_iget(struct ext2_fs *fs, u64 ino, struct inode **out)
{
	return iget(fs, ino, false, false, out);
}

int ext2_iget_named(struct ext2_fs *fs, u64 ino, struct inode **out)
{
	return iget(fs, ino, false, true, out);
}

int ext2_iget_orphan(struct ext2_fs *fs, u64 ino, struct inode **out)
{
	return iget(fs, ino, true, false, out);
}

/* ---- symlinks ---- */

/* A slow symlink's target, through the block cache like other metadata. */
static ssize_t read_blocks(struct inode *ip, struct uio *u, u64 off)
{
	struct ext2_fs *fs = FS(ip);
	u32 bsize = fs->g.bsize;
	u64 size = ip->size;
	size_t total = 0;
	while (u->resid && off < size) {
		u64 lblk = off / bsize;
		u32 bo = (u32)(off % bsize);
		size_t n = MIN(u->resid, MIN(size - off, (u64)(bsize - bo)));
		/* Parking restarts the call: only before any byte has been copied. */
		struct ioctx io = {.nopark = total > 0};
		u32 p;
		int r = ext2_bmap(ip, lblk, &p, &io);
		struct bbuf *b = NULL;
		if (r == 0 && p)
			r = ext2_bread(fs, p, &b, &io);
		if (r < 0)
			return total ? (ssize_t)total : r;
		size_t before = u->resid;
		r = b ? uio_copy_out(u, b->data + bo, n) : uio_zero(u, n);
		if (b)
			bcache_put(b);
		total += before - u->resid;
		if (r < 0)
			return total ? (ssize_t)total : r;
		off += n;
	}
	return (ssize_t)total;
}

static ssize_t ext2_readlink(struct inode *ip, char *buf, size_t len)
{
	struct ext2_inode_mem *e = EI(ip);
	size_t n = MIN(len, ip->size);
	if (e->fast_symlink) {
		memcpy(buf, e->block, n);
		return (ssize_t)n;
	}
	struct uio u;
	uio_init_kernel(&u, buf, n);
	ssize_t r = read_blocks(ip, &u, 0);
	for (ssize_t i = 0; i < r; i++)
		if (!buf[i])
			return ext2_corrupt(FS(ip), "symlink target with a NUL in it", ip->ino);
	return r;
}

/*
 * chmod, chown, utimes: the VFS changed the in-memory inode; its on-disk
 * copy follows, in a handle of its own with a journal (one that joins
 * without waiting: the change is made already).
 */
static void ext2_write_inode(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct jhandle h;
	if (ext2_begin(fs, &h, 1, false) < 0) {
		pr_err("ext2 %s: out of memory: inode %lu's attributes not written\n", fs->dev->name,
		       ip->ino);
		return;
	}
	spin_lock(&fs->lock);
	ext2_iwrite(ip);
	spin_unlock(&fs->lock);
	ext2_end(fs, &h);
}

static int ext2_bmap_op(struct inode *ip, u64 lblk, u64 *pblk, u32 *bshift)
{
	u32 p;
	int r = ext2_bmap(ip, lblk, &p, NULL);
	*pblk = p;
	*bshift = (u32)__builtin_ctz(FS(ip)->g.bsize);
	return r;
}

const struct inode_ops ext2_ops = {
    .lookup = ext2_lookup,
    .mknod = ext2_mknod,
    .symlink = ext2_symlink,
    .link = ext2_link,
    .unlink = ext2_unlink,
    .rename = ext2_rename,
    .getxattr = ext2_getxattr,
    .setxattr = ext2_setxattr,
    .listxattr = ext2_listxattr,
    .write = ext2_write,
    .truncate = ext2_truncate,
    .iterate = ext2_iterate,
    .read = ext2_file_read,
    .fsync = ext2_fsync,
    .bmap = ext2_bmap_op,
    .readlink = ext2_readlink,
    .write_inode = ext2_write_inode,
    .evict = ext2_evict,
};

/* ---- mounting ---- */

static void unpin_metadata(struct ext2_fs *fs)
{
	if (fs->sbuf)
		bcache_put(fs->sbuf);
	for (u32 i = 0; fs->gdb && i < fs->g.gdt_blocks; i++)
		if (fs->gdb[i])
			bcache_put(fs->gdb[i]);
	for (u32 i = 0; fs->bbm && i < fs->g.ngroups; i++) {
		if (fs->bbm[i])
			bcache_put(fs->bbm[i]);
		if (fs->ibm[i])
			bcache_put(fs->ibm[i]);
	}
	kfree(fs->gdb);
	kfree(fs->bbm);
	kfree(fs->ibm);
	fs->sbuf = NULL;
	fs->gdb = fs->bbm = fs->ibm = NULL;
}

/* Pin the superblock, descriptors and bitmaps (see struct ext2_fs); all or nothing. */
static int pin_metadata(struct ext2_fs *fs)
{
	u32 ng = fs->g.ngroups;
	fs->gdb = kzalloc(fs->g.gdt_blocks * sizeof *fs->gdb);
	fs->bbm = kzalloc(ng * sizeof *fs->bbm);
	fs->ibm = kzalloc(ng * sizeof *fs->ibm);
	int r = fs->gdb && fs->bbm && fs->ibm ? 0 : -ENOMEM;
	u32 sblk = EXT2_SUPER_OFFSET / fs->g.bsize;
	fs->sboff = EXT2_SUPER_OFFSET % fs->g.bsize;
	if (!r)
		r = ext2_bread(fs, sblk, &fs->sbuf, NULL);
	for (u32 i = 0; !r && i < fs->g.gdt_blocks; i++)
		r = ext2_bread(fs, fs->g.first_data_block + 1 + i, &fs->gdb[i], NULL);
	for (u32 i = 0; !r && i < ng; i++) {
		const struct ext2_group_desc *gd = GD(fs, i);
		r = ext2_bread(fs, gd->bg_block_bitmap, &fs->bbm[i], NULL);
		if (!r)
			r = ext2_bread(fs, gd->bg_inode_bitmap, &fs->ibm[i], NULL);
	}
	if (r < 0) /* parked on a miss (mounting runs again) or failed */
		unpin_metadata(fs);
	return r;
}

/* Free fs and every in-memory inode it has; none may be referenced. */
static void free_fs(struct ext2_fs *fs)
{
	for (int i = 0; i < IHASH; i++)
		while (!list_empty(&fs->ihash[i])) {
			struct ext2_inode_mem *e =
			    container_of(list_pop_front(&fs->ihash[i]), struct ext2_inode_mem, hnode);
			if (S_ISREG(e->vfs.mode))
				pcache_destroy(&e->vfs.data); /* written back by umount's sync */
			ext2_dindex_free(&e->vfs);
			bcache_put(e->itb);
			if (e->eab)
				bcache_put(e->eab);
			kfree(e);
		}
	unpin_metadata(fs);
	kfree(fs->groups);
	kfree(fs->pending);
	kfree(fs);
}

/*
 * After umount: no inode is referenced but the root's (the superblock's
 * own), file data was written back by umount (vfs_sync_fs), and every
 * other change is in the block cache's dirty blocks, which the cache
 * writes back whether or not a file system still uses them.
 */
static void ext2_destroy(struct superblock *sb)
{
	struct ext2_fs *fs = container_of(sb, struct ext2_fs, sb);
	struct blk_dev *dev = fs->dev;
	inode_put(sb->root);
	/* A journal still holding changes keeps the disk until it has written them. */
	bool release = ext2_journal_destroy(fs);
	free_fs(fs);
	if (release)
		blk_unclaim(dev);
	pr_info("ext2 %s: unmounted\n", dev->name);
}

static void ext2_usage(struct superblock *sb, struct fs_usage *u)
{
	struct ext2_fs *fs = container_of(sb, struct ext2_fs, sb);
	u->magic = EXT2_SUPER_MAGIC;
	u->bsize = fs->g.bsize;
	u->blocks = fs->g.blocks_count;
	u->files = fs->g.inodes_count;
	spin_lock(&fs->lock);
	if (fs->rw) {
		u->bfree = SB(fs)->s_free_blocks_count;
		u->ffree = SB(fs)->s_free_inodes_count;
	} else {
		u->bfree = fs->ro_free_blocks;
		u->ffree = fs->ro_free_inodes;
	}
	spin_unlock(&fs->lock);
	u->bavail = u->bfree > fs->r_blocks ? u->bfree - fs->r_blocks : 0;
}

static int mount_fail(struct blk_dev *dev, int err, const char *why)
{
	pr_err("ext2 %s: cannot mount: %s\n", dev->name, why);
	return err;
}

/* A read-only mount of a file system recovered (or found empty): it no longer needs recovery. */
static void clear_recover(struct ext2_fs *fs)
{
	struct bbuf *b;
	if (blk_read_only(fs->dev) || bcache_get(fs->dev, EXT2_SUPER_OFFSET / fs->g.bsize, fs->g.bsize,
					     &b, NULL) < 0)
		return;
	struct ext2_super *s = (void *)(b->data + EXT2_SUPER_OFFSET % fs->g.bsize);
	s->s_feature_incompat &= ~(u32)EXT2_FEATURE_INCOMPAT_RECOVER;
	bcache_dirty(b);
	bcache_put(b);
}

int ext2_mount_dev(struct blk_dev *dev, bool rdonly, struct superblock **out)
{
	/*
	 * The superblock is read as the 1 KiB block 1; every later block in
	 * the file system's own size (the cache keeps them apart, so the 1 KiB
	 * copy is dropped: after a replay the disk holds a newer one).
	 */
	struct waitq *q;
	struct bbuf *b;
again:;
	int r = bcache_get(dev, EXT2_SUPER_OFFSET / 1024, 1024, &b, &q);
	if (r == -ERESTART_PARK)
		return ext2_wait(q);
	if (r < 0)
		return mount_fail(dev, r, "cannot read the superblock");
	struct ext2_super s;
	memcpy(&s, b->data, sizeof s);
	bcache_put(b);
	if ((1024U << (s.s_log_block_size & 3)) != 1024)
		bcache_forget(dev, EXT2_SUPER_OFFSET / 1024, 1024);
	struct ext2_geom g;
	const char *why;
	r = ext2_check_super(&s, dev->sectors * BLK_SECTOR_SIZE, &g, &why);
	if (r < 0)
		return mount_fail(dev, r, why);
	if (g.ro_compat & ~(u32)EXT2_RO_COMPAT_SUPPORTED)
		pr_warn("ext2 %s: unknown read-only features %#x (Ferry mounts read-only anyway)\n",
			dev->name, g.ro_compat & ~(u32)EXT2_RO_COMPAT_SUPPORTED);

	/* Gather every group descriptor block first, then build (invariant 3). */
	struct ext2_groupmeta *groups = kmalloc(g.ngroups * sizeof *groups);
	if (!groups)
		return -ENOMEM;
	u32 per = g.bsize / sizeof(struct ext2_group_desc);
	for (u32 i = 0; i < g.gdt_blocks; i++) {
		r = bcache_get(dev, g.first_data_block + 1 + i, g.bsize, &b, &q);
		if (r == -ERESTART_PARK) {
			kfree(groups);
			return ext2_wait(q);
		}
		if (r < 0) {
			kfree(groups);
			return mount_fail(dev, r, "cannot read the group descriptors");
		}
		for (u32 j = 0; j < per && i * per + j < g.ngroups; j++) {
			const struct ext2_group_desc *gd = (const void *)(b->data + j * sizeof *gd);
			r = ext2_check_group(&g, i * per + j, gd, &why);
			if (r < 0) {
				bcache_put(b);
				kfree(groups);
				return mount_fail(dev, r, why);
			}
			groups[i * per + j] = (struct ext2_groupmeta){
			    gd->bg_block_bitmap, gd->bg_inode_bitmap, gd->bg_inode_table};
		}
		bcache_put(b);
	}

	/* The journal: replayed first if it holds anything, and the mount starts over. */
	struct ext2_jload jl;
	r = ext2_journal_load(dev, &s, &g, groups, &jl);
	if (r == EXT2_JOURNAL_REPLAYED) {
		kfree(groups);
		goto again;
	}
	if (r < 0) {
		kfree(groups);
		return r == -ENOMEM ? mount_fail(dev, r, "out of memory reading the journal") : r;
	}

	struct ext2_fs *fs = knew(struct ext2_fs);
	if (!fs) {
		kfree(groups);
		kfree(jl.map);
		return -ENOMEM;
	}
	fs->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&fs->orphans);
	fs->dev = dev;
	fs->g = g;
	fs->groups = groups;
	for (int i = 0; i < IHASH; i++)
		list_init(&fs->ihash[i]);
	fs->sb.fstype = "ext2";
	fs->sb.dev = mkdev(254, dev->index * 16); /* virtio-blk's numbers on Linux */
	u64 pp = g.bsize / 4;
	u64 maxblocks = EXT2_NDIR_BLOCKS + pp + pp * pp + pp * pp * pp;
	fs->sb.maxbytes = MIN(maxblocks * g.bsize, 1ULL << 40);
	fs->sb.priv = fs;
	fs->sb.disk = dev;
	fs->sb.destroy = ext2_destroy;
	fs->sb.usage = ext2_usage;
	fs->sb.sync = ext2_sync_fs;
	fs->ro_free_blocks = s.s_free_blocks_count;
	fs->ro_free_inodes = s.s_free_inodes_count;
	fs->r_blocks = s.s_r_blocks_count;

	fs->time_base = MAX(MAX(s.s_wtime, s.s_mtime), s.s_lastcheck);
	fs->rw = !rdonly && g.ngroups <= MAX_RW_GROUPS &&
		 !(g.ro_compat & ~(u32)EXT2_RO_COMPAT_SUPPORTED) && !jl.force_ro && !blk_read_only(dev);
	if (!fs->rw && !rdonly && !jl.force_ro)
		pr_warn("ext2 %s: %u groups or unknown features: mounted read-only\n", dev->name,
			g.ngroups);
	if (!fs->rw) {
		kfree(jl.map); /* a read-only mount changes nothing: no journal */
		jl.map = NULL;
		jl.have = false;
	}
	struct inode *root = NULL;
	r = fs->rw ? pin_metadata(fs) : 0;
	if (r == 0)
		r = ext2_iget(fs, EXT2_ROOT_INO, &root);
	if (r == 0 && !S_ISDIR(root->mode))
		r = ext2_corrupt(fs, "the root inode is not a directory", EXT2_ROOT_INO);
	/* Inodes a crash left to free: read in now, freed once the journal runs. */
	if (r == 0 && fs->rw && jl.have)
		r = ext2_orphans_load(fs);
	if (r < 0) {
		free_fs(fs); /* nothing else saw it: its cached inodes go with it (none on a park) */
		kfree(jl.map);
		if (r != -ERESTART_PARK)
			pr_err("ext2 %s: cannot mount: bad metadata or root directory\n",
			       dev->name);
		return r;
	}
	if (!blk_claim(dev)) {
		/* Two mounts' caches of one disk (or of a disk and its partition) would overwrite each other's changes. */
		inode_put(root);
		free_fs(fs);
		kfree(jl.map);
		return mount_fail(dev, -EBUSY, "it is already mounted");
	}
	if (fs->rw && (r = ext2_mount_finish(fs, &jl)) < 0) {
		inode_put(root);
		free_fs(fs);
		kfree(jl.map);
		blk_unclaim(dev);
		return mount_fail(dev, r, "out of memory for the journal");
	}
	if (!fs->rw && (g.incompat & EXT2_FEATURE_INCOMPAT_RECOVER) &&
	    (s.s_feature_compat & EXT2_FEATURE_COMPAT_HAS_JOURNAL) && !jl.force_ro)
		clear_recover(fs);
	fs->sb.root = root;
	fs->sb.rdonly = !fs->rw;
	pr_info("ext2 %s: mounted %s%s: %u KiB blocks, %u blocks, %u inodes, %u groups\n",
		dev->name, fs->rw ? "read-write" : "read-only", fs->journal ? " with a journal" : "",
		g.bsize / 1024, g.blocks_count, g.inodes_count, g.ngroups);
	*out = &fs->sb;
	return 0;
}

/* The disk named by a mount source ("/dev/vda", "vda", "vda1", "loop0", "virtio0"), or NULL. */
struct blk_dev *ext2_find_device(const char *name)
{
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (!strncmp(name, "virtio", 6) && name[6] >= '0' && name[6] <= '9' && !name[7])
		return blk_get((u32)(name[6] - '0'));
	return blk_find_name(name); /* a disk, a partition, a loop device */
}

int ext2_mount_source(const char *source, bool rdonly, const char *options,
		      struct superblock **out)
{
	if (!source)
		return -EINVAL;
	if (options && *options) {
		syscall_unsupported("ext2 mount options"); /* Linux's ext2 would parse them */
		return -EINVAL;
	}
	struct blk_dev *dev = ext2_find_device(source);
	if (!dev)
		return -ENOENT; /* the caller says why: no such file, or not a disk */
	return ext2_mount_dev(dev, rdonly, out);
}

FSTYPE(ext2, "ext2", ext2_mount_source);
