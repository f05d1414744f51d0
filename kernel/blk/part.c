/*
 * Partitions (see blk.h): a disk's table read at boot (the boot task,
 * which may park) and again on BLKRRPART, an MBR's primary partitions
 * and the logical ones in its extended partition (a chain of extended
 * boot records, numbered from 5, as Linux's msdos.c reads them), or a
 * GPT's entries (UEFI 2.x, chapter 5: header at LBA 1, its CRC32 and its
 * entries' checked); each becomes a block device of its own, "vda1" at
 * the disk's minor + 1, whose requests go to the disk shifted by its
 * first sector, bounds checked. A loop device bound with
 * LO_FLAGS_PARTSCAN has its table read too (loop.c asks): its partitions
 * are "loop0p1"..., numbered as Linux numbers them with no minors to
 * spare, on the extended major 259.
 *
 * The table of partitions is per disk and reused by a rescan: a device
 * once added is never freed (blk.h), so an old file on one stays harmless
 * (its device has no sectors any more).
 */
#include "blk/blk.h"
#include "fs/bcache.h"
#include "fs/devfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "sched/park.h"

#define MBR_PARTS 4
#define PART_MAX (BLK_DISK_MINORS - 1) /* vda1 .. vda15 */
#define GPT_SIG "EFI PART"
#define GPT_ENTRIES_MAX (64 * 1024) /* bytes of entries read at most (128 of 128 is 16 KiB) */
#define MBR_TABLE 446		    /* the four 16-byte entries */
#define MBR_SIG 510		    /* 0x55 0xaa */
#define MBR_TYPE_EMPTY 0x00
#define MBR_TYPE_GPT 0xee /* a protective entry: the disk has a GPT */
#define MBR_IS_EXTENDED(t) ((t) == 0x05 || (t) == 0x0f || (t) == 0x85)
#define MBR_FIRST_LOGICAL 5
#define EBR_CHAIN_MAX 100 /* extended boot records followed at most (a chain may loop) */

/* A partition found in a table, before it is added. */
struct part_found {
	u32 n;
	u64 start, count;
};

static struct blk_dev disk_parts[BLK_MAX_DEVICES][PART_MAX]; /* [I] while added; see above */
/* [loop_parts_lock to make] a loop device's, made at its first scan and kept (blk.h) */
static struct blk_dev *loop_parts[BLK_EXT_LOOPS];
static struct spinlock loop_parts_lock = SPINLOCK_INIT;
static u32 scanned; /* [o] the boot task's progress */

/* The PART_MAX partition slots of disk if it has them yet (a loop device's come at its first scan). */
static struct blk_dev *parts_peek(struct blk_dev *disk)
{
	if (disk->major == BLK_DISK_MAJOR) {
		assert(disk->index < BLK_MAX_DEVICES);
		return disk_parts[disk->index];
	}
	assert(disk->major == LOOP_MAJOR && disk->minor < BLK_EXT_LOOPS);
	spin_lock(&loop_parts_lock);
	struct blk_dev *p = loop_parts[disk->minor];
	spin_unlock(&loop_parts_lock);
	return p;
}

/* The same, made if need be; NULL when out of memory. */
static struct blk_dev *parts_of(struct blk_dev *disk)
{
	struct blk_dev *p = parts_peek(disk);
	if (p)
		return p;
	struct blk_dev *fresh = kzalloc(PART_MAX * sizeof *fresh);
	if (!fresh)
		return NULL;
	spin_lock(&loop_parts_lock);
	if (!loop_parts[disk->minor])
		loop_parts[disk->minor] = fresh;
	else
		kfree(fresh); /* another scan of the same device made them first */
	p = loop_parts[disk->minor];
	spin_unlock(&loop_parts_lock);
	return p;
}

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

static u64 get64(const u8 *p)
{
	return (u64)get32(p) | (u64)get32(p + 4) << 32;
}

/* CRC-32 of IEEE 802.3 (reflected, 0xedb88320), as the GPT's header and entries carry. */
static u32 crc32(const u8 *p, size_t n, u32 crc)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Partition number n (1..) of disk, sectors start..start+count-1, cut to the disk. */
static void add_one(struct blk_dev *disk, u32 n, u64 start, u64 count)
{
	u64 total = blk_sectors(disk);
	if (!count)
		return;
	if (n > PART_MAX) {
		pr_info("blk: %s: partition %u left out (%u at most)\n", disk->name, n, PART_MAX);
		return;
	}
	if (start >= total) {
		pr_warn("blk: %s%u starts past the end of %s: left out\n", disk->name, n,
			disk->name);
		return;
	}
	if (count > total - start) {
		pr_warn("blk: %s%u goes past the end of %s: cut to it\n", disk->name, n,
			disk->name);
		count = total - start;
	}
	struct blk_dev *slots = parts_of(disk);
	if (!slots)
		return; /* parts_of made them before the scan began (scan): cannot be */
	struct blk_dev *p = &slots[n - 1];
	bool loop = disk->major == LOOP_MAJOR;
	*p = (struct blk_dev){
	    .major = loop ? BLK_EXT_MAJOR : disk->major,
	    .minor = loop ? disk->minor * PART_MAX + n - 1 : disk->minor + n,
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
	/* As Linux: "vda1", but "loop0p1" after a name that ends in a digit. */
	size_t len = strlen(disk->name);
	bool digit = len && disk->name[len - 1] >= '0' && disk->name[len - 1] <= '9';
	snprintf(p->name, sizeof p->name, "%s%s%u", disk->name, digit ? "p" : "", n);
	if (blk_add(p) < 0)
		pr_err("blk: no room for %s\n", p->name);
	else
		pr_info("blk: %s: sectors %llu..%llu (%llu MiB)\n", p->name,
			(unsigned long long)start, (unsigned long long)(start + count - 1),
			(unsigned long long)(count >> 11));
}

/* Does the MBR say the disk has a GPT (a protective entry)? */
static bool has_gpt(const u8 *mbr)
{
	for (u32 i = 0; i < MBR_PARTS; i++)
		if (mbr[MBR_TABLE + i * 16 + 4] == MBR_TYPE_GPT)
			return true;
	return false;
}

/* A GPT header (LBA 1) checked: where its entries are, how many, how big. false: not usable. */
static bool gpt_header(struct blk_dev *disk, const u8 *h, u64 *lba, u32 *n, u32 *size)
{
	u32 hsize = get32(h + 12);
	if (memcmp(h, GPT_SIG, 8) || hsize < 92 || hsize > BLK_SECTOR_SIZE)
		return false;
	u8 copy[BLK_SECTOR_SIZE];
	memcpy(copy, h, hsize);
	memset(copy + 16, 0, 4); /* the CRC is of the header with its own field zero */
	if (crc32(copy, hsize, 0) != get32(h + 16)) {
		pr_warn("blk: %s: GPT header checksum is wrong: table not read\n", disk->name);
		return false;
	}
	*lba = get64(h + 72);
	*n = get32(h + 80);
	*size = get32(h + 84);
	if (*size < 128 || *size % 8 || !*n || (u64)*n * *size > GPT_ENTRIES_MAX || *lba < 2 ||
	    *lba + ((u64)*n * *size + BLK_SECTOR_SIZE - 1) / BLK_SECTOR_SIZE > blk_sectors(disk)) {
		pr_warn("blk: %s: GPT entries out of bounds: table not read\n", disk->name);
		return false;
	}
	return true;
}

/* The partitions of disk out of the table, and their nodes out of /dev. */
static void drop_parts(struct blk_dev *disk)
{
	struct blk_dev *slots = parts_peek(disk);
	for (u32 i = 0; slots && i < PART_MAX; i++) {
		struct blk_dev *p = &slots[i];
		if (!p->whole)
			continue;
		blk_del(p);
		__atomic_store_n(&p->sectors, 0,
				 __ATOMIC_RELEASE); /* an old file on it reads nothing */
		devfs_remove_node(p->name, mkdev(p->major, p->minor));
	}
}

/* Get block blk (1 KiB) of disk: 0 with *b, -ERESTART_PARK (parked), -errno. */
static long get_block(struct blk_dev *disk, u64 blk, struct bbuf **b)
{
	struct waitq *q;
	int r = bcache_get(disk, blk, 1024, b, &q);
	if (r == -ERESTART_PARK) {
		long p = park_on(q);
		spin_unlock(&q->lock);
		return p;
	}
	return r;
}

/*
 * The logical partitions of the extended one at sectors first..first+size-1:
 * a chain of extended boot records, each an MBR-shaped table whose data
 * entry starts relative to the record itself and whose extended entry
 * (the link) relative to the extended partition's start. Numbered from
 * *next on; what is found goes into out[*nout...]. Only reads: a record not in
 * memory parks the scan, which starts over with nothing changed.
 */
static long read_logical(struct blk_dev *disk, u64 first, u64 size, u32 *next,
			 struct part_found *out, u32 *nout)
{
	u64 here = first, here_size = size, total = blk_sectors(disk);
	for (u32 loops = 0; loops < EBR_CHAIN_MAX && *next <= PART_MAX; loops++) {
		if (here >= total) {
			pr_warn("blk: %s: an extended boot record past the disk's end: chain cut\n",
				disk->name);
			return 0;
		}
		struct bbuf *b;
		long r = get_block(disk, here / 2, &b);
		if (r < 0)
			return r;
		u8 t[MBR_PARTS * 16 + 2];
		memcpy(t, b->data + (here % 2) * BLK_SECTOR_SIZE + MBR_TABLE, sizeof t);
		bcache_put(b);
		if (t[MBR_PARTS * 16] != 0x55 || t[MBR_PARTS * 16 + 1] != 0xaa)
			return 0; /* no record: the chain ends */
		u64 link = 0, link_size = 0;
		for (u32 i = 0; i < MBR_PARTS; i++) {
			const u8 *e = t + i * 16;
			u64 offs = get32(e + 8), count = get32(e + 12);
			if (e[4] == MBR_TYPE_EMPTY || !count)
				continue;
			if (MBR_IS_EXTENDED(e[4])) {
				if (!link) {
					link = first + offs;
					link_size = count;
				}
				continue;
			}
			/* As Linux: the third and fourth entries only inside the record's span. */
			if (i >= 2 && (offs + count > here_size || here + offs + count > first + size))
				continue;
			if (*next <= PART_MAX)
				out[(*nout)++] = (struct part_found){(*next)++, here + offs, count};
		}
		if (!link)
			return 0;
		here = link;
		here_size = link_size;
	}
	return 0;
}

/*
 * An MBR's partitions (its table: the four entries and the signature):
 * the primary ones, an extended one as a 1 KiB device (as Linux: room for
 * a boot loader, none for a file system), and the logical ones inside.
 * Read whole before anything changes; then added in place of the old
 * partitions when again.
 */
static long add_mbr(struct blk_dev *disk, const u8 *table, bool again)
{
	struct part_found found[PART_MAX];
	u32 n = 0, next = MBR_FIRST_LOGICAL;
	for (u32 i = 0; i < MBR_PARTS; i++) {
		const u8 *e = table + i * 16;
		u64 start = get32(e + 8), count = get32(e + 12);
		if (e[4] == MBR_TYPE_EMPTY || !count)
			continue;
		if (!MBR_IS_EXTENDED(e[4])) {
			found[n++] = (struct part_found){i + 1, start, count};
			continue;
		}
		found[n++] = (struct part_found){i + 1, start, MIN(count, 2UL)};
		long r = read_logical(disk, start, count, &next, found, &n);
		if (r < 0)
			return r;
	}
	if (again)
		drop_parts(disk);
	for (u32 i = 0; i < n; i++)
		add_one(disk, found[i].n, found[i].start, found[i].count);
	return 0;
}

/*
 * A GPT's entries (bytes off.. of the disk, n of size each), gathered
 * whole first (a miss parks and the scan runs again: nothing changed
 * yet), checked against the header's CRC, and added in place of the
 * old partitions (again).
 */
static long add_gpt(struct blk_dev *disk, u64 off, u32 n, u32 size, u32 crc, bool again)
{
	u64 len = (u64)n * size, first = off / 1024, last = (off + len - 1) / 1024;
	bcache_read_ahead(disk, first, (u32)(last - first + 1), 1024);
	for (u64 k = first; k <= last; k++) {
		struct bbuf *b;
		long r = get_block(disk, k, &b);
		if (r < 0)
			return r;
		bcache_put(b);
	}
	u8 *ents = kmalloc(len);
	if (!ents)
		return -ENOMEM;
	for (u64 done = 0; done < len;) {
		struct bbuf *b = bcache_peek(disk, (off + done) / 1024, 1024);
		if (!b) {
			kfree(ents);
			return -EAGAIN; /* reclaimed in between: the next scan reads it again */
		}
		u64 at = (off + done) % 1024, take = MIN(1024 - at, len - done);
		memcpy(ents + done, b->data + at, take);
		bcache_put(b);
		done += take;
	}
	if (again)
		drop_parts(disk);
	if (crc32(ents, len, 0) != crc) {
		pr_warn("blk: %s: GPT entries' checksum is wrong: table not read\n", disk->name);
	} else {
		for (u32 i = 0; i < n; i++) {
			const u8 *e = ents + (u64)i * size;
			static const u8 unused[16];
			u64 lo = get64(e + 32), hi = get64(e + 40);
			if (!memcmp(e, unused, 16) || hi < lo)
				continue;
			add_one(disk, i + 1, lo, hi - lo + 1);
		}
	}
	kfree(ents);
	return 0;
}

/*
 * Read disk's table and add its partitions (those it had first taken
 * away when again): 0, or -ERESTART_PARK (parked), -errno.
 */
static long scan(struct blk_dev *disk, bool again)
{
	if (!parts_of(disk))
		return -ENOMEM; /* before anything is read: add_one then always has its slots */
	if (blk_sectors(disk) < 2) {
		if (again)
			drop_parts(disk);
		return 0;
	}
	struct bbuf *b;
	long r = get_block(disk, 0, &b);
	if (r < 0)
		return r;
	const u8 *mbr = b->data;
	if (mbr[MBR_SIG] != 0x55 || mbr[MBR_SIG + 1] != 0xaa) {
		bcache_put(b); /* no table: a whole-disk file system, or nothing */
		if (again)
			drop_parts(disk);
		return 0;
	}
	u64 lba;
	u32 n, size;
	if (has_gpt(mbr)) {
		/* A protective MBR is no table of its own (as Linux): the GPT or nothing. */
		bool ok = gpt_header(disk, mbr + BLK_SECTOR_SIZE, &lba, &n, &size);
		u32 crc = get32(mbr + BLK_SECTOR_SIZE + 88);
		bcache_put(b);
		if (ok)
			return add_gpt(disk, lba * BLK_SECTOR_SIZE, n, size, crc, again);
		if (again)
			drop_parts(disk);
		return 0;
	}
	u8 table[MBR_PARTS * 16];
	memcpy(table, mbr + MBR_TABLE, sizeof table);
	bcache_put(b);
	return add_mbr(disk, table, again);
}

enum poll_result blk_part_scan_step(void)
{
	while (scanned < blk_count()) {
		struct blk_dev *disk = blk_get(scanned);
		long r = blkdev_bsize(disk) == 1024 ? scan(disk, false) : 0;
		if (r == -ERESTART_PARK)
			return PENDING;
		if (r < 0)
			pr_err("blk: %s: cannot read its partition table (error %ld)\n", disk->name,
			       -r);
		scanned++;
	}
	devfs_add_disks();
	return READY;
}

bool part_busy(struct blk_dev *disk)
{
	struct blk_dev *slots = parts_peek(disk);
	for (u32 i = 0; slots && i < PART_MAX; i++)
		if (slots[i].whole && (__atomic_load_n(&slots[i].opens, __ATOMIC_ACQUIRE) ||
				       __atomic_load_n(&slots[i].claimed, __ATOMIC_ACQUIRE)))
			return true;
	return false;
}

void part_drop(struct blk_dev *disk)
{
	drop_parts(disk);
	/* Their cached blocks were the old file's: the next ones of those numbers start empty. */
	struct blk_dev *slots = parts_peek(disk);
	for (u32 i = 0; slots && i < PART_MAX; i++)
		if (slots[i].whole)
			bcache_drop_dev(&slots[i]);
}

long part_settle(struct blk_dev *disk)
{
	struct blk_dev *slots = parts_peek(disk);
	for (u32 i = 0; slots && i < PART_MAX; i++) {
		if (!slots[i].whole)
			continue;
		long r = bcache_settle_thread(&slots[i]);
		if (r < 0)
			return r; /* a restart settles again: what is written stays written */
	}
	return 0;
}

bool part_sync_start(struct blk_dev *disk)
{
	bool busy = false;
	struct blk_dev *slots = parts_peek(disk);
	for (u32 i = 0; slots && i < PART_MAX; i++)
		if (slots[i].whole)
			busy |= bcache_sync_start(&slots[i]);
	return busy;
}

long part_scan_fresh(struct blk_dev *disk)
{
	long r = scan(disk, true);
	if (r == 0)
		devfs_add_disks();
	return r;
}

long part_rescan(struct blk_dev *disk, bool excl)
{
	assert(!disk->whole);
	/* Only a disk nobody else uses: not mounted, open once (by the caller), its partitions
	 * closed. */
	if (__atomic_load_n(&disk->opens, __ATOMIC_ACQUIRE) > 1 ||
	    (__atomic_load_n(&disk->claimed, __ATOMIC_ACQUIRE) && !excl) || part_busy(disk))
		return -EBUSY;
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
