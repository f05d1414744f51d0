/*
 * ext3's orphan list, for file systems with a journal: inodes whose last
 * link is gone but which are not freed yet (a process holds the file
 * open, or its freeing is in a later transaction than its unlink). On
 * the disk the list starts at the superblock's s_last_orphan and goes on
 * through each inode's i_dtime; an inode joins it in the transaction that
 * drops its last link and leaves it in the one that frees it, so after a
 * power cut the list names exactly the inodes to free, as Linux and
 * e2fsck read it. In memory, fs->orphans mirrors it in the same order
 * (the head first): every inode on it is in memory, referenced, with its
 * inode-table block pinned, so taking one out never waits.
 *
 * Orphans left by an earlier mount are read in at mount (referenced
 * until freed) and freed by the journal's task once the journal is open
 * (ext2_orphans_cleanup): reading their indirect blocks parks that task,
 * and freeing them is an ordinary eviction. Locks and fields: ext2_impl.h.
 */
#include "fs/ext2_impl.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "mm/kheap.h"

static struct ext2_inode *dinode(struct ext2_inode_mem *e)
{
	return (struct ext2_inode *)(e->itb->data + e->ioff);
}

void ext2_orphan_add(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	assert(spin_is_locked(&fs->lock));
	if (!fs->journal || e->orphan)
		return;
	dinode(e)->i_dtime = SB(fs)->s_last_orphan;
	ext2_dirty(fs, e->itb);
	SB(fs)->s_last_orphan = (u32)ip->ino;
	ext2_dirty(fs, fs->sbuf);
	list_push_front(&fs->orphans, &e->orphan_link);
	e->orphan = true;
}

void ext2_orphan_del(struct inode *ip)
{
	struct ext2_fs *fs = FS(ip);
	struct ext2_inode_mem *e = EI(ip);
	assert(spin_is_locked(&fs->lock));
	if (!e->orphan)
		return;
	u32 next = dinode(e)->i_dtime;
	if (fs->orphans.next == &e->orphan_link) {
		SB(fs)->s_last_orphan = next;
		ext2_dirty(fs, fs->sbuf);
	} else {
		struct ext2_inode_mem *prev =
		    container_of(e->orphan_link.prev, struct ext2_inode_mem, orphan_link);
		dinode(prev)->i_dtime = next;
		ext2_dirty(fs, prev->itb);
	}
	list_remove(&e->orphan_link);
	e->orphan = false;
	dinode(e)->i_dtime = 0;
	ext2_dirty(fs, e->itb);
}

int ext2_orphans_load(struct ext2_fs *fs)
{
	u32 ino = SB(fs)->s_last_orphan, n = 0;
	while (ino) {
		if (ino < fs->g.first_ino || ino > fs->g.inodes_count || n >= fs->g.inodes_count) {
			ext2_corrupt(fs, "bad inode in the orphan list (left for e2fsck)", ino);
			break;
		}
		struct inode *ip;
		int r = ext2_iget_orphan(fs, ino, &ip);
		if (r == -ERESTART_PARK || r == -ENOMEM)
			return r;
		if (r < 0)
			break; /* said on the console; the rest stays on the disk for e2fsck */
		struct ext2_inode_mem *e = EI(ip);
		if (e->orphan) {
			inode_put(ip);
			ext2_corrupt(fs, "a loop in the orphan list (left for e2fsck)", ino);
			break;
		}
		if (fs->npending == fs->pending_cap) {
			u32 cap = fs->pending_cap ? fs->pending_cap * 2 : 8;
			struct inode **v = kmalloc(cap * sizeof *v);
			if (!v) {
				inode_put(ip);
				return -ENOMEM;
			}
			if (fs->npending)
				memcpy(v, fs->pending, fs->npending * sizeof *v);
			kfree(fs->pending);
			fs->pending = v;
			fs->pending_cap = cap;
		}
		fs->pending[fs->npending++] = ip;
		list_push_back(&fs->orphans, &e->orphan_link);
		e->orphan = true;
		n++;
		ino = dinode(e)->i_dtime;
	}
	if (n)
		pr_info("ext2 %s: %u orphan inodes to free\n", fs->dev->name, n);
	return 0;
}

/* Take an orphan that still has links (a truncate Linux left half done) off the list. */
static int unorphan_linked(struct ext2_fs *fs, struct inode *ip)
{
	if (S_ISREG(ip->mode)) {
		/* e2fsck's rule: blocks past the size go. */
		int r = ext2_truncate(ip, ip->size);
		if (r < 0)
			return r;
	}
	struct jhandle h;
	int r = ext2_begin(fs, &h, EXT2_CREDITS_WRITE, false);
	if (r < 0)
		return r;
	spin_lock(&fs->lock);
	ext2_orphan_del(ip);
	spin_unlock(&fs->lock);
	ext2_end(fs, &h);
	return 0;
}

int ext2_orphans_cleanup(void *arg)
{
	struct ext2_fs *fs = arg;
	while (fs->npending) {
		struct inode *ip = fs->pending[fs->npending - 1]; /* the tail: its predecessor stays */
		int r;
		if (ip->nlink) {
			r = unorphan_linked(fs, ip);
		} else {
			/* Its indirect blocks in the cache first: freeing cannot wait. */
			struct brefs rs = {0};
			r = ext2_blocks_gather(ip, 0, &rs, NULL);
			if (r == 0) {
				fs->npending--;
				inode_put(ip); /* no links, no references: evicted, off the list */
			}
			brefs_put(&rs);
			if (r == 0)
				continue;
		}
		if (r == -ERESTART_PARK)
			return 1;
		if (r < 0)
			pr_err("ext2 %s: cannot free orphan inode %lu (error %d): left for e2fsck\n",
			       fs->dev->name, ip->ino, -r);
		fs->npending--;
		if (r < 0) {
			spin_lock(&fs->lock);
			list_remove(&EI(ip)->orphan_link); /* stays on the disk's list */
			EI(ip)->orphan = false;
			spin_unlock(&fs->lock);
		}
		inode_put(ip);
	}
	kfree(fs->pending);
	fs->pending = NULL;
	fs->pending_cap = 0;
	return 0;
}
