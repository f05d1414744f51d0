/*
 * ext2 with an ext3 journal: finding the journal (the inode named by
 * s_journal_inum, read through its block map), recovery at mount
 * (jbd2_replay.c finds the copies, this file writes them), and what the
 * file system does for its journal at run time: the superblock flags and
 * counts written at mount, open, close and power-off, handles around
 * ext2's changes, fsync and sync. Locks and fields: ext2_impl.h.
 *
 * Recovery runs inside the mount, which is restartable (invariant 3):
 * every step reads through the block cache and parks on a miss, and the
 * mount runs again from the start. Replaying is idempotent: a block is
 * rewritten only if its copy differs, and once every copy is written and
 * flushed the journal superblock says the log is empty. The mount then
 * starts over on what the disk now holds.
 *
 * Which damage gives what: a journal that cannot be read (a bad journal
 * inode or superblock, a corrupt log, features Ferry does not implement)
 * refuses the mount when the file system needs recovery (its metadata
 * may be half-written: e2fsck must replay or repair it), and mounts it
 * read-only when it is clean (the metadata is whole; only new changes
 * could not be journalled).
 */
#include "fs/ext2_impl.h"
#include "fs/jbd2.h"
#include "fs/jbd2_replay.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"
#include "sched/park.h"

#define READAHEAD_LOG 1024 /* log blocks read ahead at once while scanning */

/* Park on q (locked by the block cache): the mount runs again when the block is in. */
static int wait_block(struct blk_dev *dev, u64 blk, u32 bsize, struct bbuf **b)
{
	struct waitq *q;
	int r = bcache_get(dev, blk, bsize, b, &q);
	if (r == -ERESTART_PARK)
		return ext2_wait(q);
	return r;
}

/* ---- the journal inode's block map ---- */

struct jmap {
	struct blk_dev *dev;
	const struct ext2_geom *g;
	u32 *map;
	u32 n, want;
	const char *why;
};

static bool in_fs(const struct ext2_geom *g, u32 blk)
{
	return blk >= g->first_data_block && blk < g->blocks_count;
}

/* Append the blocks mapped under ptr (an indirect block of `level`) until want. */
static int map_tree(struct jmap *m, u32 ptr, int level)
{
	if (!in_fs(m->g, ptr)) {
		m->why = "the journal inode has a hole or a block outside the file system";
		return -EUCLEAN;
	}
	if (level == 0) {
		m->map[m->n++] = ptr;
		return 0;
	}
	struct bbuf *b;
	int r = wait_block(m->dev, ptr, m->g->bsize, &b);
	if (r < 0)
		return r;
	u32 per = m->g->bsize / 4;
	for (u32 i = 0; i < per && m->n < m->want && r == 0; i++)
		r = map_tree(m, ((const u32 *)b->data)[i], level - 1);
	bcache_put(b);
	return r;
}

static int map_inode(struct jmap *m, const struct ext2_inode *di)
{
	int r = 0;
	for (u32 i = 0; i < EXT2_NDIR_BLOCKS && m->n < m->want && r == 0; i++)
		r = map_tree(m, di->i_block[i], 0);
	for (int level = 1; level <= 3 && m->n < m->want && r == 0; level++)
		r = map_tree(m, di->i_block[EXT2_NDIR_BLOCKS + level - 1], level);
	return r;
}

/* ---- recovery ---- */

struct logread {
	struct blk_dev *dev;
	u32 bsize;
	const u32 *map;
	struct bbuf **held; /* [maxlen] log blocks referenced while the scan runs */
};

static const u8 *log_block(void *ctx, u32 n)
{
	struct logread *lr = ctx;
	if (lr->held[n])
		return lr->held[n]->data;
	struct bbuf *b;
	if (bcache_get(lr->dev, lr->map[n], lr->bsize, &b, NULL) < 0)
		return NULL; /* not cached: its read is started */
	lr->held[n] = b;
	return b->data;
}

/* Start reading the log from journal block `from` on, adjacent disk blocks together. */
static void read_ahead_log(struct logread *lr, const struct jbd2_super *js, u32 from)
{
	u32 pos = from, left = MIN((u32)READAHEAD_LOG, js->maxlen - js->first);
	while (left) {
		u32 run = 1;
		while (run < left && pos + run < js->maxlen &&
		       lr->map[pos + run] == lr->map[pos] + run)
			run++;
		bcache_read_ahead(lr->dev, lr->map[pos], run, lr->bsize);
		left -= run;
		pos += run;
		if (pos == js->maxlen)
			pos = js->first;
	}
}

/* Is disk block blk one of the journal's own? */
static bool in_journal(const u32 *map, u32 n, u32 lo, u32 hi, u64 blk)
{
	if (blk < lo || blk > hi)
		return false;
	for (u32 i = 0; i < n; i++)
		if (map[i] == blk)
			return true;
	return false;
}

/*
 * Replay the log onto the file system: 1 when every copy is written and
 * flushed (the caller then marks the journal empty); -ERESTART_PARK;
 * -EUCLEAN (*why) or -errno.
 */
static int replay(struct blk_dev *dev, const struct ext2_geom *g, const struct jbd2_super *js,
		  const u32 *map, u32 *end_seq, const char **why)
{
	struct logread lr = {dev, g->bsize, map, kzalloc(js->maxlen * sizeof(struct bbuf *))};
	u8 *tmp = kmalloc(g->bsize);
	if (!lr.held || !tmp) {
		kfree(lr.held);
		kfree(tmp);
		*why = "out of memory";
		return -ENOMEM;
	}
	read_ahead_log(&lr, js, js->start);
	struct jbd2_recovery rec;
	u32 missing = 0;
	int r = jbd2_recover_scan(js, log_block, &lr, g->blocks_count, &rec, &missing, why);
	u32 lo = ~0u, hi = 0;
	for (u32 i = 0; i < js->maxlen; i++) {
		lo = MIN(lo, map[i]);
		hi = MAX(hi, map[i]);
	}
	for (u32 i = 0; r == 0 && i < rec.ncopies; i++) {
		const struct jbd2_copy *c = &rec.copies[i];
		if (in_journal(map, js->maxlen, lo, hi, c->target)) {
			*why = "the journal replays a block over the journal itself";
			r = -EUCLEAN;
			break;
		}
		const u8 *src = log_block(&lr, c->logblk);
		if (!src) { /* evicted meanwhile: read it again */
			missing = c->logblk;
			r = -EAGAIN;
			break;
		}
		if (c->escaped) {
			memcpy(tmp, src, g->bsize);
			put_be32(tmp, JBD2_MAGIC);
			src = tmp;
		}
		r = bcache_overwrite(dev, c->target, g->bsize, src);
		if (r == -EAGAIN) /* someone reads it: wait for that, then again */
			missing = 0, r = -EBUSY;
	}
	u32 ntxn = rec.ntxn, ncopies = rec.ncopies, nrevoked = rec.nrevoked;
	if (r == 0)
		*end_seq = rec.end_seq;
	jbd2_recovery_free(&rec);
	for (u32 i = 0; i < js->maxlen; i++)
		if (lr.held[i])
			bcache_put(lr.held[i]);
	kfree(lr.held);
	kfree(tmp);
	if (r == -EAGAIN) {
		read_ahead_log(&lr, js, missing);
		struct bbuf *b;
		r = wait_block(dev, map[missing], g->bsize, &b);
		if (r == 0) {
			bcache_put(b);
			r = -EBUSY; /* it came in meanwhile: scan again */
		}
	}
	if (r == -EBUSY) {
		/* Park briefly through the disk's sync (anything in flight ends), then run again. */
		return (int)bcache_sync_thread(dev) == -ERESTART_PARK ? -ERESTART_PARK : -EAGAIN;
	}
	if (r < 0)
		return r;
	/* Everything replayed is on the disk before the journal says it is empty. */
	long s = bcache_sync_thread(dev);
	if (s)
		return (int)s;
	if (ntxn)
		pr_info("ext2 %s: journal: replayed %u transactions (%u blocks, %u revoked)\n",
			dev->name, ntxn, ncopies, nrevoked);
	return 1;
}

/* ---- loading at mount ---- */

static int damaged(struct blk_dev *dev, bool recover, int err, const char *why,
		   struct ext2_jload *jl)
{
	if (recover) {
		pr_err("ext2 %s: cannot mount: the file system needs recovery, but its journal "
		       "cannot be replayed: %s (run e2fsck)\n",
		       dev->name, why);
		return err == -EOPNOTSUPP ? -EOPNOTSUPP : -EUCLEAN;
	}
	pr_warn("ext2 %s: the journal cannot be used: %s; the file system is clean and mounted "
		"read-only (run e2fsck to repair the journal)\n",
		dev->name, why);
	jl->force_ro = true;
	return 0;
}

int ext2_journal_load(struct blk_dev *dev, const struct ext2_super *s, const struct ext2_geom *g,
		      const struct ext2_groupmeta *groups, struct ext2_jload *jl)
{
	*jl = (struct ext2_jload){0};
	bool recover = g->incompat & EXT2_FEATURE_INCOMPAT_RECOVER;
	if (!(s->s_feature_compat & EXT2_FEATURE_COMPAT_HAS_JOURNAL)) {
		if (recover)
			return damaged(dev, true, -EUCLEAN, "needs_recovery without a journal", jl);
		return 0;
	}
	if (g->incompat & EXT2_FEATURE_INCOMPAT_JOURNAL_DEV)
		return damaged(dev, recover, -EOPNOTSUPP, "this is an external journal device", jl);
	u32 ino = s->s_journal_inum;
	if (!ino)
		return damaged(dev, recover, -EOPNOTSUPP, "external journals are not implemented",
			       jl);
	if (ino > g->inodes_count || ino >= g->first_ino)
		return damaged(dev, recover, -EUCLEAN, "bad journal inode number", jl);
	if (recover && blk_read_only(dev))
		return damaged(dev, true, -EROFS, "the disk is read-only", jl);

	/* The journal inode, and its block 0: the journal superblock. */
	u32 group = (ino - 1) / g->inodes_per_group;
	u64 byte = (u64)(ino - 1) % g->inodes_per_group * g->inode_size;
	struct bbuf *b;
	int r = wait_block(dev, groups[group].inode_table + byte / g->bsize, g->bsize, &b);
	if (r < 0)
		return r;
	struct ext2_inode di;
	memcpy(&di, b->data + byte % g->bsize, sizeof di);
	bcache_put(b);
	if (!S_ISREG(di.i_mode) || !di.i_links_count)
		return damaged(dev, recover, -EUCLEAN, "the journal inode is not a regular file", jl);
	if (di.i_flags & EXT2_EXTENTS_FL)
		return damaged(dev, recover, -EOPNOTSUPP, "the journal is mapped by extents (ext4)",
			       jl);
	u64 size = di.i_size | (u64)di.i_dir_acl << 32;
	u64 blocks = size / g->bsize;
	if (!in_fs(g, di.i_block[0]))
		return damaged(dev, recover, -EUCLEAN, "the journal inode maps no first block", jl);
	r = wait_block(dev, di.i_block[0], g->bsize, &b);
	if (r < 0)
		return r;
	struct jbd2_super js;
	const char *why;
	r = jbd2_check_super(b->data, g->bsize, blocks, &js, &why);
	bcache_put(b);
	if (r < 0)
		return damaged(dev, recover, r, why, jl);

	struct jmap m = {dev, g, kmalloc(js.maxlen * sizeof(u32)), 0, js.maxlen, NULL};
	if (!m.map)
		return -ENOMEM;
	r = map_inode(&m, &di);
	if (r == 0 && m.n < js.maxlen)
		r = -EUCLEAN, m.why = "the journal inode is shorter than its journal";
	if (r < 0) {
		kfree(m.map);
		return r == -EUCLEAN ? damaged(dev, recover, r, m.why, jl) : r;
	}

	u32 next_seq = js.sequence;
	if (js.start) {
		if (!recover)
			pr_warn("ext2 %s: the journal holds transactions but the file system does "
				"not say needs_recovery: replaying them\n",
				dev->name);
		if (blk_read_only(dev)) {
			kfree(m.map);
			return damaged(dev, true, -EROFS, "the disk is read-only", jl);
		}
		u32 end = 0;
		r = replay(dev, g, &js, m.map, &end, &why);
		if (r == 1) {
			/* The log is empty now; a transaction past the last complete one is never reused. */
			r = wait_block(dev, m.map[0], g->bsize, &b);
			if (r == 0) {
				put_be32(b->data + JSB_SEQUENCE, end + 1);
				put_be32(b->data + JSB_START, 0);
				bcache_dirty(b);
				bcache_put(b);
				long sr = bcache_sync_thread(dev);
				r = sr ? (int)sr : EXT2_JOURNAL_REPLAYED;
			}
		}
		if (r == -EUCLEAN || r == -EOPNOTSUPP) {
			kfree(m.map);
			return damaged(dev, true, r, why, jl);
		}
		if (r != EXT2_JOURNAL_REPLAYED) {
			kfree(m.map);
			return r == -EAGAIN ? -ERESTART_PARK : r;
		}
		/* The mount starts over on what the disk holds now; the log blocks leave the cache. */
		for (u32 i = 0; i < js.maxlen; i++)
			bcache_forget(dev, m.map[i], g->bsize);
		kfree(m.map);
		return EXT2_JOURNAL_REPLAYED;
	}
	if (js.version < 2) {
		kfree(m.map);
		return damaged(dev, recover, -EOPNOTSUPP, "a version 1 journal (no revoke records)",
			       jl);
	}
	if (js.maxlen - js.first < JBD2_MIN_BLOCKS / 4) {
		kfree(m.map);
		return damaged(dev, recover, -EUCLEAN, "the journal is too small to use", jl);
	}
	/* The journal writes its blocks itself from now on: no cached copy may linger. */
	bcache_forget(dev, m.map[0], g->bsize);
	jl->have = true;
	jl->map = m.map;
	jl->js = js;
	jl->next_seq = next_seq;
	return 0;
}

/* ---- handles around changes ---- */

u32 ext2_free_credits(struct ext2_fs *fs, u64 blocks512)
{
	u64 nb = blocks512 / (fs->g.bsize / 512) + 1;
	u64 groups = MIN((u64)fs->g.ngroups, nb);
	u64 per_revoke = (fs->g.bsize - JBD2_REVOKE_HEADER) / 4;
	u64 c = groups + MIN((u64)fs->g.gdt_blocks, groups) + 4 + nb / per_revoke + 1;
	return (u32)MIN(c, (u64)0xffffffffU);
}

bool ext2_can_park(void)
{
	return park_current() != NULL;
}

int ext2_begin(struct ext2_fs *fs, struct jhandle *h, u32 credits, bool may_park)
{
	if (!fs->journal) {
		h->j = NULL;
		return 0;
	}
	int r = jbd2_start(fs->journal, h, credits, may_park);
	if (r)
		h->j = NULL; /* nothing to end */
	return r;
}

void ext2_end(struct ext2_fs *fs, struct jhandle *h)
{
	if (h->j)
		jbd2_stop(h);
}

int ext2_nospc(struct ext2_fs *fs)
{
	struct journal *j = fs->journal;
	if (!j || !ext2_can_park())
		return -ENOSPC;
	/*
	 * Blocks freed but not reusable before their free commits; or a file
	 * removed whose blocks are freed once the transaction holding it for
	 * ordered data commits (then that free's own commit, next time).
	 */
	u32 tid;
	if (jbd2_frees_pending(j))
		tid = jbd2_sync_tid(j);
	else if (!jbd2_unlinked_held(j, &tid))
		return -ENOSPC;
	return jbd2_commit_wait(j, tid);
}

void ext2_note_change(struct inode *ip, bool data)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->journal)
		return;
	u32 tid = jbd2_handle_tid(fs->journal);
	EI(ip)->sync_tid = tid;
	if (data)
		EI(ip)->datasync_tid = tid;
}

void ext2_order_data(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	if (!fs->journal)
		return;
	u32 tid = jbd2_handle_tid(fs->journal);
	if (EI(ip)->order_tid == tid + 1)
		return;
	EI(ip)->order_tid = tid + 1;
	jbd2_order_inode(fs->journal, ip);
}

/* ---- the superblock at mount, open, close, unmount and power-off ---- */

static struct spinlock mounts_lock = SPINLOCK_INIT;
static struct list_node mounts = LIST_INIT(mounts); /* [mounts_lock] writable ext2 mounts */
static bool shutdown_registered;		     /* [mounts_lock] */

/* The journal is about to hold transactions: the disk must say so first. */
static void journal_open(void *arg)
{
	struct ext2_fs *fs = arg;
	spin_lock(&fs->lock);
	SB(fs)->s_feature_incompat |= EXT2_FEATURE_INCOMPAT_RECOVER;
	SB(fs)->s_wtime = (u32)ext2_now(fs).sec;
	spin_unlock(&fs->lock);
	bcache_dirty(fs->sbuf);
}

/* The log is empty on the disk: the file system is as clean as it was at mount. */
static void journal_close(void *arg)
{
	struct ext2_fs *fs = arg;
	spin_lock(&fs->lock);
	SB(fs)->s_feature_incompat &= ~(u32)EXT2_FEATURE_INCOMPAT_RECOVER;
	SB(fs)->s_state = fs->mount_state;
	SB(fs)->s_wtime = (u32)ext2_now(fs).sec;
	spin_unlock(&fs->lock);
	bcache_dirty(fs->sbuf);
}

static const struct jbd2_ops journal_ops = {
    .open = journal_open, .close = journal_close, .cleanup = ext2_orphans_cleanup};

/* Power-off: file systems without a journal say they were unmounted cleanly. */
static void ext2_shutdown(void)
{
	struct list_node *n;
	list_for_each(n, &mounts)
	{
		struct ext2_fs *fs = container_of(n, struct ext2_fs, link);
		if (fs->journal || SB(fs)->s_state == fs->mount_state)
			continue; /* its journal's power-off closes it; or reboot(2) marked it */
		SB(fs)->s_state = fs->mount_state;
		SB(fs)->s_wtime = (u32)ext2_now(fs).sec;
		bcache_dirty(fs->sbuf);
	}
}

#define EXT2_DFL_MAX_MNT_COUNT 20

int ext2_mount_finish(struct ext2_fs *fs, struct ext2_jload *jl)
{
	if (jl->have) {
		/* Handles that cannot wait may need to free a whole file's groups. */
		u32 reserve = fs->g.ngroups + fs->g.gdt_blocks + 16;
		struct jbd2_config cfg = {.dev = fs->dev,
					  .name = fs->dev->name,
					  .bsize = fs->g.bsize,
					  .map = jl->map,
					  .js = jl->js,
					  .next_seq = jl->next_seq,
					  .reserve = reserve,
					  .ops = &journal_ops,
					  .arg = fs};
		fs->journal = jbd2_create(&cfg);
		if (!fs->journal)
			return -ENOMEM;
		jl->map = NULL; /* the journal's now */
	}
	/* As Linux: mount count and time; without a journal, "not clean" until unmounted. */
	struct ext2_super *s = SB(fs);
	spin_lock(&fs->lock);
	fs->mount_state = s->s_state;
	s->s_mnt_count++;
	if (!s->s_max_mnt_count)
		s->s_max_mnt_count = EXT2_DFL_MAX_MNT_COUNT;
	s->s_mtime = s->s_wtime = (u32)ext2_now(fs).sec;
	if (!fs->journal)
		s->s_state &= ~(u16)EXT2_VALID_FS;
	spin_unlock(&fs->lock);
	bcache_dirty(fs->sbuf); /* with a journal, written by its opening, before any commit */
	spin_lock(&mounts_lock);
	list_push_back(&mounts, &fs->link);
	bool first = !shutdown_registered;
	shutdown_registered = true;
	spin_unlock(&mounts_lock);
	if (first)
		bcache_at_shutdown(ext2_shutdown);
	return 0;
}

bool ext2_journal_destroy(struct ext2_fs *fs)
{
	if (!fs->rw)
		return true;
	spin_lock(&mounts_lock);
	list_remove(&fs->link);
	spin_unlock(&mounts_lock);
	return fs->journal ? jbd2_destroy(fs->journal) : true;
}

/* Park the calling thread until dev's write cache is flushed. */
static int flush_dev(struct blk_dev *dev)
{
	struct waitq *q;
	int r = bcache_flush(dev, &q);
	if (r != -ERESTART_PARK)
		return r;
	long p = park_on(q);
	spin_unlock(&q->lock);
	return (int)p;
}

#define SYNC_PROGRESS (1ULL << 40) /* park progress: a sync's transaction, and its disk */

int ext2_sync_fs(struct superblock *sb, bool unmount)
{
	struct ext2_fs *fs = container_of(sb, struct ext2_fs, sb);
	if (!fs->rw)
		return 0;
	if (fs->journal) {
		if (unmount)
			return jbd2_close_wait(fs->journal);
		/*
		 * The transaction running when the call began, kept across its
		 * restarts: writers that go on meanwhile do not make it wait longer.
		 */
		u64 p = park_progress(), mine = SYNC_PROGRESS | (u64)fs->dev->index << 32;
		u32 tid = (p & ~0xffffffffULL) == mine ? (u32)p : jbd2_sync_tid(fs->journal);
		int r = jbd2_commit_wait(fs->journal, tid);
		if (r == -ERESTART_PARK)
			park_save_progress(mine | tid);
		if (r)
			return r;
		return flush_dev(fs->dev); /* the data written before, if no commit followed it */
	}
	if (unmount) {
		spin_lock(&fs->lock);
		bool change = SB(fs)->s_state != fs->mount_state;
		if (change) {
			SB(fs)->s_state = fs->mount_state;
			SB(fs)->s_wtime = (u32)ext2_now(fs).sec;
		}
		spin_unlock(&fs->lock);
		if (change)
			bcache_dirty(fs->sbuf);
	}
	return (int)bcache_sync_thread(fs->dev);
}

int ext2_fsync(struct inode *ip, bool datasync)
{
	struct ext2_fs *fs = FS(ip);
	int r = filemap_write_and_wait(ip, 0, 0);
	if (r)
		return r;
	if (!fs->rw)
		return 0;
	if (!fs->journal)
		return (int)bcache_sync_thread(fs->dev);
	/* The transaction that last changed what fsync covers, then the data's flush. */
	spin_lock(&fs->lock);
	u32 tid = datasync ? EI(ip)->datasync_tid : EI(ip)->sync_tid;
	spin_unlock(&fs->lock);
	if (tid && (r = jbd2_commit_wait(fs->journal, tid)) != 0)
		return r;
	return flush_dev(fs->dev);
}
