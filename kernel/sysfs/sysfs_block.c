/*
 * The block devices (Linux's Documentation/ABI/stable/sysfs-block and
 * Documentation/admin-guide/iostats.rst): every device in the block
 * layer's table (dev/blk.h), listed from it at each readdir, so one added
 * later (a loop device, a partition BLKRRPART found) appears with no
 * change here. A disk or loop device is a directory in
 * devices/virtual/block, linked from block/; a partition is a directory
 * inside its disk's; every one is linked from class/block/ and, by device
 * number, dev/block/, as Linux links them. An object's arg is its device
 * number (major << 20 | minor), looked up again at each read, so a file
 * of a device that went reads ENODEV, never another device. A device is
 * never freed (blk.h); its counters are read under their own lock
 * (blk_stats_read).
 */
#include "sysfs/sysfs_impl.h"
#include "dev/blk.h"
#include "blk/blk.h"
#include "fs/devfs.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NS_PER_MS 1000000UL

#define MINOR_BITS 20

static u32 arg_of(const struct blk_dev *d)
{
	return d->major << MINOR_BITS | d->minor;
}

static struct blk_dev *dev_of_arg(u32 arg)
{
	return arg ? blk_find(arg >> MINOR_BITS, arg & ((1u << MINOR_BITS) - 1)) : NULL;
}

enum which { WHOLE, PARTS_OF, ANY };

/* The i-th (from 0) device of the table: whole ones, the partitions of disk, or any. */
static struct blk_dev *nth(u32 i, enum which w, const struct blk_dev *disk)
{
	for (u32 slot = 0; slot < BLK_MAX_TABLE; slot++) {
		struct blk_dev *d = blk_table_get(slot);
		if (!d || (w == WHOLE && d->whole) || (w == PARTS_OF && d->whole != disk))
			continue;
		if (i-- == 0)
			return d;
	}
	return NULL;
}

static bool named(struct blk_dev *d, u32 *arg, char *name, size_t cap)
{
	if (!d)
		return false;
	*arg = arg_of(d);
	snprintf(name, cap, "%s", d->name);
	return true;
}

bool sf_disk_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	return named(nth(i, WHOLE, NULL), arg, name, cap);
}

bool sf_blockdev_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	return named(nth(i, ANY, NULL), arg, name, cap);
}

/* A disk's partitions, inside its directory. */
static bool part_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	struct blk_dev *disk = dev_of_arg(parent);
	return disk && !disk->whole && named(nth(i, PARTS_OF, disk), arg, name, cap);
}

bool sf_blockdev_num_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	struct blk_dev *d = nth(i, ANY, NULL);
	if (!d)
		return false;
	kdev_t rdev = devfs_disk_rdev(d);
	*arg = arg_of(d);
	snprintf(name, cap, "%u:%u", dev_major(rdev), dev_minor(rdev));
	return true;
}

/* Each generator starts here: the device its file belongs to, or ENODEV if it has gone. */
#define DISK(d, arg)                          \
	struct blk_dev *d = dev_of_arg(arg);   \
	if (!d)                               \
		return -ENODEV

/* devices/virtual/block/<disk>, or .../<disk>/<partition>, after prefix. */
static void print_path(struct sf_text *t, const char *prefix, const struct blk_dev *d)
{
	if (d->whole)
		sf_printf(t, "%sdevices/virtual/block/%s/%s", prefix, d->whole->name, d->name);
	else
		sf_printf(t, "%sdevices/virtual/block/%s", prefix, d->name);
}

static int link_up1(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	print_path(t, "../", d);
	return 0;
}

static int link_up2(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	print_path(t, "../../", d);
	return 0;
}

const struct sf_entry sf_disk_block_link = {"", S_IFLNK | 0777, .link = link_up1};
const struct sf_entry sf_disk_class_link = {"", S_IFLNK | 0777, .link = link_up2};
/* The same link as class/block's, an entry of its own so that it has an inode number of its own. */
const struct sf_entry sf_disk_dev_link = {"", S_IFLNK | 0777, .link = link_up2};

static int show_size(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%lu\n", blk_sectors(d));
	return 0;
}

static int show_ro(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%d\n", blk_read_only(d));
	return 0;
}

static int show_removable(u32 arg, struct sf_text *t)
{
	sf_printf(t, "0\n"); /* virtio disks stay for the machine's life */
	return 0;
}

static int show_dev(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	kdev_t rdev = devfs_disk_rdev(d);
	sf_printf(t, "%u:%u\n", dev_major(rdev), dev_minor(rdev));
	return 0;
}

/*
 * iostats.rst's fields: reads, merged, sectors, ms; writes, merged,
 * sectors, ms; in flight, ms busy, weighted ms; discards (four fields);
 * flushes, ms. Ferry merges nothing and never discards.
 */
static int show_stat(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	struct blk_stats s;
	blk_stats_read(d, &s);
	u64 rd_ms = s.ns[BLK_READ] / NS_PER_MS, wr_ms = s.ns[BLK_WRITE] / NS_PER_MS;
	u64 fl_ms = s.ns[BLK_FLUSH] / NS_PER_MS;
	sf_printf(t,
		  "%8lu %8lu %8lu %8lu %8lu %8lu %8lu %8lu %8u %8lu %8lu %8lu %8lu %8lu %8lu "
		  "%8lu %8lu\n",
		  s.ios[BLK_READ], 0UL, s.sectors[BLK_READ], rd_ms, s.ios[BLK_WRITE], 0UL,
		  s.sectors[BLK_WRITE], wr_ms,
		  s.inflight[BLK_READ] + s.inflight[BLK_WRITE] + s.inflight[BLK_FLUSH],
		  s.busy_ns / NS_PER_MS, rd_ms + wr_ms + fl_ms, 0UL, 0UL, 0UL, 0UL, s.ios[BLK_FLUSH],
		  fl_ms);
	return 0;
}

static int show_inflight(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	struct blk_stats s;
	blk_stats_read(d, &s);
	sf_printf(t, "%8u %8u\n", s.inflight[BLK_READ], s.inflight[BLK_WRITE]);
	return 0;
}

/* ---- queue/ ---- */

static int show_block_size(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%u\n", d->block_size);
	return 0;
}

static int show_rotational(u32 arg, struct sf_text *t)
{
	/* A virtio disk does not say what it sits on; Linux's virtio-blk leaves the default, 1. */
	sf_printf(t, "1\n");
	return 0;
}

static int show_max_sectors_kb(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%u\n", d->max_sectors / (1024 / BLK_SECTOR_SIZE));
	return 0;
}

static int show_max_segments(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%u\n", d->max_segs);
	return 0;
}

#define RO (S_IFREG | 0444)

static const struct sf_entry queue_entries[] = {
	{"hw_sector_size", RO, .show = show_block_size},
	{"logical_block_size", RO, .show = show_block_size},
	{"max_hw_sectors_kb", RO, .show = show_max_sectors_kb},
	{"max_sectors_kb", RO, .show = show_max_sectors_kb},
	{"max_segments", RO, .show = show_max_segments},
	{"minimum_io_size", RO, .show = show_block_size},
	{"physical_block_size", RO, .show = show_block_size},
	{"rotational", RO, .show = show_rotational},
};

/* ---- a partition's ---- */

static int show_partition(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%u\n", d->whole ? d->minor - d->whole->minor : 0);
	return 0;
}

static int show_start(u32 arg, struct sf_text *t)
{
	DISK(d, arg);
	sf_printf(t, "%lu\n", d->start);
	return 0;
}

/*
 * No stat or inflight: a partition's requests are counted at its disk
 * (part.c hands them over), and zeros would be a made-up answer.
 */
static const struct sf_entry part_entries[] = {
	{"dev", RO, .show = show_dev},
	{"partition", RO, .show = show_partition},
	{"ro", RO, .show = show_ro},
	{"size", RO, .show = show_size},
	{"start", RO, .show = show_start},
};

static const struct sf_entry part_child = {"", S_IFDIR | 0755, .dir = SF_TABLE(part_entries)};

/* ---- a bound loop device's loop/ (Linux's drivers/block/loop.c attributes) ---- */

/* The status of the loop device arg names, bound now: 0, else -ENXIO (the path as loop_status). */
static int loop_of_arg(u32 arg, struct loop_status *st, char *path, size_t cap, size_t *len)
{
	struct blk_dev *d = dev_of_arg(arg);
	return d ? loop_status(d, st, path, cap, len) : -ENXIO;
}

static bool loop_bound(u32 arg)
{
	struct loop_status st;
	return loop_of_arg(arg, &st, NULL, 0, NULL) == 0;
}

/* Each loop/ generator but backing_file starts here. */
#define LOOP(st, arg)                                 \
	struct loop_status st;                        \
	if (loop_of_arg(arg, &st, NULL, 0, NULL) < 0) \
		return -ENXIO

static int show_backing_file(u32 arg, struct sf_text *t)
{
	struct loop_status st;
	char path[256];
	size_t len;
	if (loop_of_arg(arg, &st, path, sizeof path, &len) < 0)
		return -ENXIO;
	sf_printf(t, "%.*s\n", (int)len, path);
	return 0;
}

static int show_offset(u32 arg, struct sf_text *t)
{
	LOOP(st, arg);
	sf_printf(t, "%lu\n", st.offset);
	return 0;
}

static int show_sizelimit(u32 arg, struct sf_text *t)
{
	LOOP(st, arg);
	sf_printf(t, "%lu\n", st.sizelimit);
	return 0;
}

static int show_autoclear(u32 arg, struct sf_text *t)
{
	LOOP(st, arg);
	sf_printf(t, "%d\n", st.autoclear);
	return 0;
}

static int show_partscan(u32 arg, struct sf_text *t)
{
	LOOP(st, arg);
	sf_printf(t, "%d\n", st.partscan);
	return 0;
}

static int show_dio(u32 arg, struct sf_text *t)
{
	LOOP(st, arg);
	sf_printf(t, "0\n"); /* always through the page cache (loop.c) */
	return 0;
}

static const struct sf_entry loop_entries[] = {
	{"autoclear", RO, .show = show_autoclear},   {"backing_file", RO, .show = show_backing_file},
	{"dio", RO, .show = show_dio},		     {"offset", RO, .show = show_offset},
	{"partscan", RO, .show = show_partscan},     {"sizelimit", RO, .show = show_sizelimit},
};

static const struct sf_entry disk_entries[] = {
	{"dev", RO, .show = show_dev},
	{"inflight", RO, .show = show_inflight},
	{"loop", S_IFDIR | 0755, .dir = SF_TABLE(loop_entries), .visible = loop_bound},
	{"queue", S_IFDIR | 0755, .dir = SF_TABLE(queue_entries)},
	{"removable", RO, .show = show_removable},
	{"ro", RO, .show = show_ro},
	{"size", RO, .show = show_size},
	{"stat", RO, .show = show_stat},
};

const struct sf_entry sf_disk_child = {"", S_IFDIR | 0755, .dir = SF_TABLE(disk_entries),
				       .each = part_each, .child = &part_child};
