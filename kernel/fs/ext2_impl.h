/*
 * ext2's insides, shared by ext2.c (mounting, inodes, reading files),
 * ext2_dir.c (directories), ext2_alloc.c (bitmaps, inode write-back),
 * ext2_bmap.c (changing block maps), ext2_inode_ops.c (the changing
 * inode operations), ext2_file.c (file data), ext2_xattr.c (extended
 * attributes) and ext2_journal.c (the ext3 journal); nothing else
 * includes it.
 *
 * With a journal (fs->journal), every change of metadata happens inside
 * a handle (ext2_begin .. ext2_end) and marks its buffers with
 * ext2_dirty; without one, ext2_dirty is the block cache's.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after mount / after the inode is read
 *  s  ext2_fs.lock: the in-memory inode table, the pinned metadata's
 *     contents, directory blocks and block maps being changed, and (with
 *     the inode's own lock, taken inside it) an inode's size, times, links
 *  a  atomic
 *  v  the inode's own lock (vfs.lock), taken inside fs->lock
 */
#pragma once

#include "fs/bcache.h"
#include "fs/ext2.h"
#include "fs/jbd2.h"
#include "mm/kheap.h"

#define IHASH 2048 /* in-memory inodes stay while linked: thousands on a busy disk */
#define MAX_ERROR_MESSAGES 16
#define MAX_RW_GROUPS 256 /* a writable mount pins 2 bitmaps per group */

struct ext2_fs {
	struct superblock sb;
	struct spinlock lock;
	struct blk_dev *dev;	       /* [I] */
	struct ext2_geom g;	       /* [I] */
	struct ext2_groupmeta *groups; /* [I] per group: where its bitmaps and inode table lie */
	struct list_node ihash[IHASH]; /* [s] struct ext2_inode_mem by number */
	u32 errors;		       /* [a] corruption messages printed */
	/*
	 * Writable mounts keep the metadata every allocation touches pinned
	 * in the cache (references held for the mount's life), so allocating
	 * and freeing never wait: the superblock's block, the group
	 * descriptor blocks, and each group's two bitmaps. Contents: [s].
	 */
	bool rw;		  /* [I] */
	u32 time_base;		  /* [I] seconds: the superblock's last write or mount time */
	u32 r_blocks;		  /* [I] blocks reserved for root (statfs's bavail) */
	u32 ro_free_blocks;	  /* [I] read-only mounts: the counts never change */
	u32 ro_free_inodes;	  /* [I] */
	struct bbuf *sbuf;	  /* [I] the block holding the superblock */
	u32 sboff;		  /* [I] its offset there */
	struct bbuf **gdb;	  /* [I] gdt_blocks of them */
	struct bbuf **bbm, **ibm; /* [I] per group: block and inode bitmaps */
	struct journal *journal;  /* [I] the ext3 journal of a writable mount, or NULL */
	struct list_node orphans; /* [s] the orphan list in memory, head first (ext2_orphan.c) */
	struct inode **pending;	  /* [t] orphans of an earlier mount, referenced until freed */
	u32 npending, pending_cap; /* [t] (t: the mount, then the journal's task) */
	u16 mount_state;	  /* [I] s_state found at mount, written back at unmount */
	struct list_node link;	  /* [ext2 list lock] in the list of writable mounts */
};

struct ext2_inode_mem {
	struct inode vfs;
	struct list_node hnode;	  /* [s] */
	u32 block[EXT2_N_BLOCKS]; /* [s] i_block: block map or fast symlink (readers: atomic words)
				   */
	bool fast_symlink;	  /* [I] */
	struct bbuf *itb;	  /* [I] its inode-table block, pinned while in memory */
	struct bbuf *eab;	  /* [s] the attribute block i_file_acl names, pinned; NULL: none
				     or a bad pointer (ext2_xattr.c) */
	u32 ioff;		  /* [I] its offset there */
	/* With a journal: the transactions fsync must wait for (0: none since mount). */
	u32 sync_tid;		  /* [s] the last that changed the inode */
	u32 datasync_tid;	  /* [s] the last that changed its size or blocks */
	u32 order_tid;		  /* [s] the last its data was ordered in, plus one (0: none) */
	struct list_node orphan_link; /* [s] in fs->orphans while on the disk's orphan list */
	bool orphan;		  /* [s] */
	/* Directories: the names in memory (ext2_dindex.c), NULL until the first lookup. */
	struct ext2_dindex *dindex; /* [v] */
	u32 dgen;		  /* [v] entries changed so far */
};

static inline struct ext2_group_desc *GD(struct ext2_fs *fs, u32 g)
{
	u32 per = fs->g.bsize / sizeof(struct ext2_group_desc);
	return (struct ext2_group_desc *)fs->gdb[g / per]->data + g % per;
}

static inline struct ext2_super *SB(struct ext2_fs *fs)
{
	return (struct ext2_super *)(fs->sbuf->data + fs->sboff);
}

extern const struct inode_ops ext2_ops;

static inline struct ext2_fs *FS(struct inode *ip)
{
	return container_of(ip->sb, struct ext2_fs, sb);
}

static inline struct ext2_inode_mem *EI(struct inode *ip)
{
	return container_of(ip, struct ext2_inode_mem, vfs);
}

/*
 * How a block read may wait: io NULL or !io->nopark: on a miss, park and
 * return -ERESTART_PARK. io->nopark (progress made, or a fs lock held):
 * start the read, note the block in io->miss and return -EAGAIN.
 */
struct ioctx {
	bool nopark;
	u64 miss;
};

/* ---- ext2_journal.c: the journal, handles around changes ---- */

/* A change's buffer: journalled under this core's handle, or simply dirty. */
static inline void ext2_dirty(struct ext2_fs *fs, struct bbuf *b)
{
	if (fs->journal)
		jbd2_dirty(fs->journal, b);
	else
		bcache_dirty(b);
}

/* Buffers a change may journal, by kind (the log reserves this much for it). */
#define EXT2_CREDITS_WRITE 16  /* a block of a file: maps, bitmaps, descriptors, inode */
#define EXT2_CREDITS_CHANGE 32 /* create, link, rename: directory blocks and inodes besides */
/* Freeing a file of blocks512 sectors: bitmaps and descriptors of the groups it may span. */
u32 ext2_free_credits(struct ext2_fs *fs, u64 blocks512);
/*
 * Open a handle on fs's journal for a change (no-op without one): 0;
 * with may_park, -ERESTART_PARK (parked for log space) or -EROFS (the
 * journal stopped after a write error).
 */
int ext2_begin(struct ext2_fs *fs, struct jhandle *h, u32 credits, bool may_park);
void ext2_end(struct ext2_fs *fs, struct jhandle *h);
/* Can the calling task park (a thread in a system call, or a task with a park)? */
bool ext2_can_park(void);
/*
 * Out of space: if frees wait for a commit, or a removed file waits for
 * one to be freed, park until it (-ERESTART_PARK: try again then); else
 * -ENOSPC.
 */
int ext2_nospc(struct ext2_fs *fs);
/* ip changed under this core's handle (data: its size or blocks); fs->lock held. */
void ext2_note_change(struct inode *ip, bool data);
/* ip's data must reach the disk before this handle's transaction commits. */
void ext2_order_data(struct inode *ip);

/* What mounting found of the journal (ext2_journal_load). */
struct ext2_jload {
	bool have;	      /* a journal to use: map and js */
	bool force_ro;	      /* the journal cannot be used, the file system is clean: read-only */
	u32 *map;	      /* journal block -> disk block */
	struct jbd2_super js; /* its superblock (start 0: empty) */
	u32 next_seq;	      /* the next transaction's sequence */
};
#define EXT2_JOURNAL_REPLAYED 1 /* the log was replayed: mount again from the disk */
/*
 * At mount (restartable), after the superblock and the group descriptors
 * were checked: find the journal and replay it if it holds anything. 0
 * (*jl filled: no journal, a journal, or read-only); EXT2_JOURNAL_REPLAYED;
 * -ERESTART_PARK; -errno with a console message (the mount is refused).
 */
int ext2_journal_load(struct blk_dev *dev, const struct ext2_super *s, const struct ext2_geom *g,
		      const struct ext2_groupmeta *groups, struct ext2_jload *jl);
/* The end of a successful mount: stamp the superblock, start the journal (jl->map taken). */
int ext2_mount_finish(struct ext2_fs *fs, struct ext2_jload *jl);
/* superblock.sync: data is out; make the metadata durable (unmount: and mark it clean). */
int ext2_sync_fs(struct superblock *sb, bool unmount);
/* Unmounted: let the journal go; true if the disk may be released now. */
bool ext2_journal_destroy(struct ext2_fs *fs);

/* ---- ext2_orphan.c: inodes with no links not yet freed (journal only) ---- */

/* ip lost its last link / is being freed (fs->lock held, in a handle). */
void ext2_orphan_add(struct inode *ip);
void ext2_orphan_del(struct inode *ip);
/* At mount (restartable): read in the orphans an earlier mount left. */
int ext2_orphans_load(struct ext2_fs *fs);
/* The journal's cleanup: free them; 1 while it waits (parked), 0 when done. */
int ext2_orphans_cleanup(void *arg);

/* ---- ext2.c ---- */

/* Corrupt data: one console message each (up to a bound), and -EUCLEAN. Any lock may be held. */
int ext2_corrupt(struct ext2_fs *fs, const char *what, u64 n);
/*
 * A block pointer read from the disk: 0 if it is none (0) or a block a
 * file may own; -EUCLEAN with a message if it lies beyond the disk or on
 * the file system's own metadata (ext2_block_is_meta), which a write
 * through it would overwrite.
 */
static inline int ext2_ptr_check(struct ext2_fs *fs, u32 ptr, u64 ino)
{
	if (!ptr)
		return 0;
	if (ptr >= fs->g.blocks_count)
		return ext2_corrupt(fs, "block pointer beyond the disk", ino);
	if (ext2_block_is_meta(&fs->g, fs->groups, ptr))
		return ext2_corrupt(fs, "block pointer into the file system's metadata", ino);
	return 0;
}
/* Park on q (locked by the block cache) and unlock it; -ERESTART_PARK, or -EAGAIN if no one can
 * park. */
int ext2_wait(struct waitq *q);
/* Block blk, referenced; a miss parks or not as io says. Out-of-range numbers: -EUCLEAN. */
int ext2_bread(struct ext2_fs *fs, u64 blk, struct bbuf **b, struct ioctx *io);
/* The disk block of logical block lblk of ip (0: a hole). */
int ext2_bmap(struct inode *ip, u64 lblk, u32 *pblk, struct ioctx *io);
/* Inode ino, a reference: from memory, or read (parking) and checked. */
int ext2_iget(struct ext2_fs *fs, u64 ino, struct inode **out);
/* The same for a number a directory entry gave: -ESTALE if the disk says no links (an unlink
 * raced the lookup, or damage: the caller tells which). */
int ext2_iget_named(struct ext2_fs *fs, u64 ino, struct inode **out);
/* The same for an inode of the orphan list, which may have no links. */
int ext2_iget_orphan(struct ext2_fs *fs, u64 ino, struct inode **out);
u32 ext2_ihash(u64 ino);

/* ---- ext2_alloc.c: bitmaps and inode write-back (fs->lock held; never waits) ---- */

static inline bool bit_test(const u8 *m, u32 i)
{
	return m[i / 8] & (1u << (i % 8));
}

static inline void bit_set(u8 *m, u32 i, bool v)
{
	if (v)
		m[i / 8] |= (u8)(1u << (i % 8));
	else
		m[i / 8] &= (u8) ~(1u << (i % 8));
}

static inline u32 inode_group(struct ext2_fs *fs, struct inode *ip)
{
	return (u32)((ip->ino - 1) / fs->g.inodes_per_group);
}

/*
 * A new block near group goal: zeroed, dirty and referenced in *b
 * (metadata), or with b NULL for file data (the page cache's). -ENOSPC.
 */
int ext2_alloc_block(struct ext2_fs *fs, u32 goal, u32 *blk, struct bbuf **b);
/* Give a block back; meta: it held metadata (an indirect or directory block: revoked). */
void ext2_free_block(struct ext2_fs *fs, u32 blk, bool meta);
/* A free inode number (not yet taken), near group goal; 0 if none. */
u32 ext2_find_free_inode(struct ext2_fs *fs, u32 goal);
/* Take (used) or give back inode number ino; dir: it is a directory's. */
void ext2_mark_inode(struct ext2_fs *fs, u32 ino, bool used, bool dir);
/* Copy the in-memory inode into its (pinned) inode-table block. */
void ext2_iwrite(struct inode *ip);

/* ---- ext2_bmap.c: changing block maps ---- */

/* The path to a logical block: the indirect blocks that exist, referenced. */
struct mpath {
	int depth;	     /* 0 direct, 1..3 indirect levels */
	u64 idx[3];	     /* index in each level's block */
	u32 slot;	     /* i_block slot: lblk (direct) or 12..14 */
	struct bbuf *ind[3]; /* existing indirect blocks along the path */
	int have;	     /* how many of ind[] exist */
	u32 data;	     /* the data block, 0 if not mapped */
};

static inline void mpath_put(struct mpath *mp)
{
	for (int i = 0; i < mp->have; i++)
		bcache_put(mp->ind[i]);
	mp->have = 0;
}

/* The path to logical block lblk of ip; a miss parks or not as io says. */
int ext2_map_prepare(struct inode *ip, u64 lblk, struct mpath *mp, struct ioctx *io);
/*
 * Map a new data block along mp (fs->lock held): *b is it, zeroed (a
 * directory's); b NULL: a regular file's, whose data the page cache
 * holds. Writes the inode.
 */
int ext2_map_commit(struct inode *ip, struct mpath *mp, struct bbuf **b);
/* Give back a block a write mapped but copied nothing into (see there); takes fs->lock. */
void ext2_unmap_unwritten(struct inode *ip, u64 lblk, struct mpath *mp, u64 reserved,
			  u64 written_end);

/* Block references gathered before a change, dropped after it. */
struct brefs {
	struct bbuf **v;
	u32 n, cap;
};

static inline void brefs_put(struct brefs *rs)
{
	for (u32 i = 0; i < rs->n; i++)
		bcache_put(rs->v[i]);
	kfree(rs->v);
	*rs = (struct brefs){0};
}

/* Fast symlinks and device nodes keep other things in i_block. */
static inline bool has_map(struct inode *ip)
{
	return !EI(ip)->fast_symlink && !S_ISCHR(ip->mode) && !S_ISBLK(ip->mode);
}

/* Reference into rs the indirect blocks that ext2_blocks_free(ip, from) will need. */
int ext2_blocks_gather(struct inode *ip, u64 from, struct brefs *rs, struct ioctx *io);
/* Free ip's blocks from logical block from on (fs->lock held; gathered first). */
void ext2_blocks_free(struct inode *ip, u64 from);

/* ---- ext2_dir.c: directories ---- */

int ext2_lookup(struct inode *dir, const char *name, size_t len, struct inode **out);
/*
 * Call fn on every used entry of dir from byte offset *pos, a block at a
 * time; fn returns false to stop. *pos ends past the last entry fn took.
 * A miss parks or not as io says (bread). No lock needed.
 */
typedef bool (*dirent_fn)(void *ctx, const struct ext2_dirent *d, u64 next);
int ext2_dir_walk(struct inode *dir, u64 *pos, dirent_fn fn, void *ctx, struct ioctx *io);
int ext2_iterate(struct inode *dir, u64 *pos, struct dir_emit *de);

/* Where a name is, or where a new one can go, in a directory (references held). */
struct dslot {
	struct bbuf *b; /* the block */
	u32 off;	/* the entry (found) or the entry to split / reuse */
	u32 prev;	/* the entry before it in the block, or off if first */
	u32 lblk;
	u32 ino; /* found: its inode */
	u8 ftype;
};

static inline void dslot_put(struct dslot *s)
{
	if (s->b)
		bcache_put(s->b);
	s->b = NULL;
}

static inline u8 ftype_of(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG_FILE;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHRDEV;
	case S_IFBLK:
		return EXT2_FT_BLKDEV;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

/*
 * Look for name in dir (fs->lock held, nopark io): *found filled if it is
 * there; *free (may be NULL) filled with a place for a new entry of that
 * name if there is one. Holds a reference in each filled slot.
 */
int ext2_dir_find(struct inode *dir, const char *name, size_t len, struct dslot *found,
		  struct dslot *free, struct ioctx *io);
/* Write a new entry into the free slot (fs->lock held; nothing can fail). */
void ext2_dirent_put(struct ext2_fs *fs, struct dslot *fr, const char *name, size_t len, u32 ino,
		     u32 mode);
/* Take the entry out (fs->lock held). */
void ext2_dirent_remove(struct ext2_fs *fs, struct dslot *s);

/*
 * A place for a new entry: a free slot, or a new block at the end of the
 * directory (prepared in *mp: mp->data == 0 means one must be mapped).
 */
struct dplace {
	struct dslot fr;
	struct mpath mp;
	bool grow;
};

static inline void place_put(struct dplace *pl)
{
	dslot_put(&pl->fr);
	mpath_put(&pl->mp);
}

/* Find a place for name in dir (fs->lock held, nopark io); -EEXIST if it is there. */
int ext2_place_prepare(struct inode *dir, const char *name, size_t len, struct dplace *pl,
		       struct ioctx *io);
/* Commit: allocate the new block if needed (may fail: -ENOSPC, nothing changed but the map). */
int ext2_place_commit(struct inode *dir, struct dplace *pl);
/* Is directory d empty but for "." and ".."? (fs->lock held; nopark io) */
int ext2_dir_is_empty(struct inode *d, struct ioctx *io);

/* ---- ext2_dindex.c: a directory's names in memory (see there) ---- */

/* name's inode number in dir into *ino (0: no such name), or -ENODATA: no index yet. */
int ext2_dindex_find(struct inode *dir, const char *name, size_t len, u32 *ino);
/* How many changes dir's entries have seen: a lookup that raced one looks again. */
u32 ext2_dindex_gen(struct inode *dir);
/* Read dir's blocks (parking allowed) into an index: 0 (installed unless a change raced it),
 * -ERESTART_PARK, -ENOMEM, -EUCLEAN. */
int ext2_dindex_build(struct inode *dir);
/* After an entry's block changed (fs->lock held): name in dir now names ino (0: removed). */
void ext2_dindex_set(struct inode *dir, const char *name, size_t len, u32 ino);
/* The directory's inode is going: its index goes with it. */
void ext2_dindex_free(struct inode *dir);

/* ---- ext2_file.c: regular files through the page cache ---- */

/* A regular file's page cache, with ext2's ops (at iget and create). */
void ext2_file_init(struct inode *ip);
ssize_t ext2_file_read(struct inode *ip, struct uio *u, u64 off);
ssize_t ext2_write(struct inode *ip, struct uio *u, u64 off, bool append, u64 *end);
int ext2_fsync(struct inode *ip, bool datasync);
struct kts ext2_now(struct ext2_fs *fs);

/* ---- ext2_xattr.c: extended attributes on the disk (see there) ---- */

ssize_t ext2_getxattr(struct inode *ip, int ns, const char *name, void *buf, size_t size);
int ext2_setxattr(struct inode *ip, int ns, const char *name, const void *value, size_t size,
		  int flags);
ssize_t ext2_listxattr(struct inode *ip, u32 nsmask, char *buf, size_t size);
/*
 * At iget: the attribute block blk of inode ino (0: none), referenced in
 * *b to stay for the inode's life; NULL with a console line for a
 * pointer into the metadata. 0, -ERESTART_PARK or a read error.
 */
int ext2_xattr_pin(struct ext2_fs *fs, u64 ino, u32 blk, struct bbuf **b);
/* evict (fs->lock held, in a handle): ip lets go of its attribute block, freed if it was the last. */
void ext2_xattr_release(struct inode *ip);

/* ---- ext2_inode_ops.c: the changing inode operations (see there) ---- */

#define CHANGE_DONE 1	  /* from gather: nothing to change, the operation succeeds */

/*
 * One change in the two phases of invariant 3, for ext2_change_run to try
 * until it goes through. An operation puts one at the start of a struct
 * holding its arguments and what a try holds between the phases.
 */
struct change {
	/*
	 * Phase 1, no lock held, parking allowed (NULL: nothing to gather):
	 * take references to what the change will touch. 0 goes on; an error
	 * or CHANGE_DONE ends the operation, gather having let go of what it
	 * took.
	 */
	int (*gather)(struct change *c);
	/*
	 * Phase 2, under fs->lock, reading through io (nopark): check what
	 * phase 1 found and change it. -EAGAIN (the block io->miss is not
	 * cached) and -EBUSY (lost a race) try again; anything else is the
	 * operation's result.
	 */
	int (*apply)(struct change *c, struct ioctx *io);
	/* After phase 2, fs->lock dropped (NULL: nothing to drop): let go of what gather took. */
	void (*drop)(struct change *c, int r);
	const char *what; /* named on the console if it keeps losing races; NULL: silent */
	u32 credits;	  /* buffers the change may journal (gather may raise it) */
};
/* Run c's phases, retrying lost races and misses: its result (invariant 3). */
int ext2_change_run(struct ext2_fs *fs, struct change *c);


int ext2_mknod(struct inode *dir, const char *name, size_t len, u32 mode, kdev_t rdev,
	       struct inode **out);
int ext2_symlink(struct inode *dir, const char *name, size_t len, const char *target,
		 struct inode **out);
int ext2_link(struct inode *dir, const char *name, size_t len, struct inode *ip);
int ext2_unlink(struct inode *dir, const char *name, size_t len, bool rmdir);
int ext2_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		const char *nname, size_t nlen, unsigned flags);
int ext2_truncate(struct inode *ip, u64 size);
void ext2_evict(struct inode *ip);
