/*
 * The block layer above the drivers: block-device files (blkdev.c),
 * partitions read from a disk's MBR (part.c) and loop devices, block
 * devices backed by a file (loop.c). All of them are struct blk_dev in
 * dev/blk.h's table, found by number from a device node.
 *
 * It sits above the file system (it reads through the block cache and
 * a loop device through its backing file) and registers with it: the
 * VFS opens block nodes with blkdev_fops, /dev/loop-control is a
 * character device.
 *
 * Locks: each loop device has its own (struct loop, loop.c); the rest is
 * dev/blk.h's ([a] counts, the table's lock).
 */
#pragma once

#include "dev/blk.h"
#include "lib/types.h"
#include "sched/task.h"

struct file;
struct domain;

#define LOOP_MAJOR 7
#define BLK_EXT_MAJOR 259 /* Linux's blkext: partitions of devices with no minors to spare */
#define BLK_EXT_LOOPS 64  /* loop devices (loop.c's LOOP_MAX) */

/* At boot, before the VFS makes /dev: the file ops, loop0..7 and /dev/loop-control. */
void blk_layer_init(void);
/*
 * The boot task's step (it has a park): each disk's partition table read
 * and its partitions registered, before the root is mounted (root=/dev/vda1).
 * PENDING while a disk is read.
 */
enum poll_result blk_part_scan_step(void);

/* ---- inside the layer ---- */

/* The bytes a block-device file moves in blocks of (through the block cache). */
static inline u32 blkdev_bsize(const struct blk_dev *d)
{
	return (blk_sectors(d) & 1) ? BLK_SECTOR_SIZE : 1024;
}
/* BLKRRPART: the disk's partitions again from its table. 0, -ERESTART_PARK, -EBUSY, -EIO. */
long part_rescan(struct blk_dev *disk, bool excl); /* excl: the caller's O_EXCL claim */
/* A loop device just bound (nothing of it cached): its table read as part_rescan's. */
long part_scan_fresh(struct blk_dev *disk);
/* Its partitions gone, their cached blocks too (a loop device unbound). */
void part_drop(struct blk_dev *disk);
/* What was written through its partitions on the device and dropped: 0, -ERESTART_PARK, -errno. */
long part_settle(struct blk_dev *disk);
/* Start its partitions' writes without waiting; true while some are still out. */
bool part_sync_start(struct blk_dev *disk);
/* Is one of its partitions open, mounted or swapped on? */
bool part_busy(struct blk_dev *disk);
/* A loop device whose partitions are read (LO_FLAGS_PARTSCAN): BLKRRPART works on it. */
bool loop_partscan(struct blk_dev *d);
/* Is d a loop device (its file ops add the LOOP_* ioctls)? */
bool loop_is(const struct blk_dev *d);
/* A loop device's ioctls; -ENOTTY for any other command. */
long loop_ioctl(struct blk_dev *d, struct file *f, u32 cmd, u64 arg, struct domain *dom);
/* The last open file of a loop device closed: an autoclear device lets its file go. */
void loop_last_close(struct blk_dev *d);
/* A bound loop device's state, as /sys/block/loopN/loop/ shows it. */
struct loop_status {
	u64 offset, sizelimit;
	bool autoclear, partscan, read_only;
};
/*
 * d's status and, when path is not NULL, its backing file's name (no NUL;
 * *path_len bytes of path, at most cap): 0, or -ENXIO while d is unbound
 * (or no loop device).
 */
int loop_status(struct blk_dev *d, struct loop_status *st, char *path, size_t cap,
		size_t *path_len);
void loop_init(void);
