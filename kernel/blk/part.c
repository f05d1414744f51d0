/*
 * Partitions (see blk.h): a disk's MBR read at boot (the boot task, which
 * may park) and again on BLKRRPART; each primary partition becomes a
 * block device of its own, "vda1" at the disk's minor + 1, whose requests
 * go to the disk shifted by its first sector, bounds checked.
 *
 * The table of partitions is per disk and reused by a rescan: a device
 * once added is never freed (blk.h), so an old file on one stays harmless
 * (its device has no sectors any more).
 */
#include "blk/blk.h"
#include "fs/bcache.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "sched/park.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/string.h"

#define MBR_PARTS 4
#define MBR_TABLE 446 /* the four 16-byte entries */
#define MBR_SIG 510   /* 0x55 0xaa */
#define MBR_TYPE_EMPTY 0x00
#define MBR_TYPE_GPT 0xee  /* a protective entry: the disk has a GPT */
#define MBR_IS_EXTENDED(t) ((t) == 0x05 || (t) == 0x0f || (t) == 0x85)

static struct blk_dev parts[BLK_MAX_DEVICES][MBR_PARTS]; /* [I] while added; see above */
static u32 scanned;                                      /* [o] the boot task's progress */

static int part_submit(struct blk_dev *p, struct blk_request *r, struct waitq **park)
{
	struct blk_dev *w = p->whole;
	u64 n = blk_sectors(p);
	if (r->op == BLK_FLUSH)
		return w->submit(w, r, park);
	if (r->sector >= n || r->count > n - r->sector) {
		__atomic_store_n(&r->status, -EIO, __ATOMIC_RELEASE);
		return -EIO; /* never past its end into the next one */
	}
	r->sector += p->start;
	int s = w->submit(w, r, park);
	if (s == -ERESTART_PARK || s == -EAGAIN)
		r->sector -= p->start; /* submitted again later, as it was */
	return s;
}

static bool part_poll(struct blk_dev *p)
{
	return p->whole->poll(p->whole);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* The partitions in an MBR (block 0 of disk): registered, with their /dev nodes. */
static void add_parts(struct blk_dev *disk, const u8 *mbr)
{
	if (mbr[MBR_SIG] != 0x55 || mbr[MBR_SIG + 1] != 0xaa)
		return; /* no table: a whole-disk file system, or nothing */
	u64 total = blk_sectors(disk);
	for (u32 i = 0; i < MBR_PARTS; i++) {
		const u8 *e = mbr + MBR_TABLE + i * 16;
		u8 type = e[4];
		u64 start = get32(e + 8), count = get32(e + 12);
		if (type == MBR_TYPE_EMPTY || !count)
			continue;
		if (type == MBR_TYPE_GPT || MBR_IS_EXTENDED(type)) {
			pr_info("blk: %s: partition %u of type %#x (GPT or extended) not read\n",
				disk->name, i + 1, type);
			continue;
		}
		if (start >= total) {
			pr_warn("blk: %s%u starts past the end of %s: left out\n", disk->name, i + 1,
				disk->name);
			continue;
		}
		if (count > total - start) {
			pr_warn("blk: %s%u goes past the end of %s: cut to it\n", disk->name, i + 1,
				disk->name);
			count = total - start;
		}
		struct blk_dev *p = &parts[disk->index][i];
		*p = (struct blk_dev){
			.major = disk->major,
			.minor = disk->minor + 1 + i,
			.sectors = count,
			.block_size = disk->block_size,
			.max_sectors = disk->max_sectors,
			.max_segs = disk->max_segs,
			.can_flush = disk->can_flush,
			.read_only = disk->read_only,
			.index = disk->index,
			.whole = disk,
			.start = start,
			.submit = part_submit,
			.poll = part_poll,
		};
		snprintf(p->name, sizeof p->name, "%s%u", disk->name, i + 1);
		if (blk_add(p) < 0)
			pr_err("blk: no room for %s\n", p->name);
		else
			pr_info("blk: %s: sectors %llu..%llu (%llu MiB)\n", p->name,
				(unsigned long long)start, (unsigned long long)(start + count - 1),
				(unsigned long long)(count >> 11));
	}
}

/* The partitions of disk out of the table, and their nodes out of /dev. */
static void drop_parts(struct blk_dev *disk)
{
	for (u32 i = 0; i < MBR_PARTS; i++) {
		struct blk_dev *p = &parts[disk->index][i];
		if (!p->whole)
			continue;
		blk_del(p);
		__atomic_store_n(&p->sectors, 0, __ATOMIC_RELEASE); /* an old file on it reads nothing */
		devfs_remove_node(p->name, mkdev(p->major, p->minor));
	}
}

/*
 * Read block 0 of disk and add its partitions (those it had first taken
 * away when again): 0, or -ERESTART_PARK (parked), -errno.
 */
static long scan(struct blk_dev *disk, bool again)
{
	if (blk_sectors(disk) < 2)
		return 0;
	struct bbuf *b;
	struct waitq *q;
	int r = bcache_get(disk, 0, 1024, &b, &q);
	if (r == -ERESTART_PARK) {
		long p = park_on(q);
		spin_unlock(&q->lock);
		return p;
	}
	if (r < 0)
		return r;
	if (again)
		drop_parts(disk);
	add_parts(disk, b->data);
	bcache_put(b);
	return 0;
}

enum poll_result blk_part_scan_step(void)
{
	while (scanned < blk_count()) {
		struct blk_dev *disk = blk_get(scanned);
		long r = blkdev_bsize(disk) == 1024 ? scan(disk, false) : 0;
		if (r == -ERESTART_PARK)
			return PENDING;
		if (r < 0)
			pr_err("blk: %s: cannot read its partition table (error %ld)\n", disk->name, -r);
		scanned++;
	}
	devfs_add_disks();
	return READY;
}

long part_rescan(struct blk_dev *disk, bool excl)
{
	assert(disk->index < BLK_MAX_DEVICES && !disk->whole);
	/* Only a disk nobody else uses: not mounted, open once (by the caller), its partitions closed. */
	if (__atomic_load_n(&disk->opens, __ATOMIC_ACQUIRE) > 1 ||
	    (__atomic_load_n(&disk->claimed, __ATOMIC_ACQUIRE) && !excl))
		return -EBUSY;
	for (u32 i = 0; i < MBR_PARTS; i++) {
		struct blk_dev *p = &parts[disk->index][i];
		if (__atomic_load_n(&p->opens, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&p->claimed, __ATOMIC_ACQUIRE))
			return -EBUSY;
	}
	/*
	 * What was written through the disk (a new table) is what is read:
	 * its blocks written and dropped, once (a restart after the table's
	 * read must not drop what it read).
	 */
	long r = 0;
	if (!park_progress()) {
		r = bcache_settle_thread(disk);
		if (r == 0)
			park_save_progress(1);
	}
	if (r == 0)
		r = scan(disk, true);
	if (r == 0)
		devfs_add_disks();
	return r;
}
