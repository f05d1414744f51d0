/*
 * sysfs's insides, shared by sysfs.c (the tree, lookup, reads and writes)
 * and the generators of sysfs_cpu.c, sysfs_block.c and sysfs_net.c;
 * nothing else includes it.
 *
 * The tree is tables of entries. An entry is a file, a symlink or a
 * directory; a directory has a table of fixed entries and, for the
 * kernel's objects (cores, disks, interfaces), a function that lists them:
 * each object becomes a child made from one template entry, carrying the
 * object's number (its arg) down to every file below it. Tables never
 * change after boot ([I]) and need no lock; generators take what their
 * data needs and touch no user memory.
 */
#pragma once

#include "fs/vfs.h"

#define SF_TEXT_SIZE 4096 /* a file's text, as Linux's PAGE_SIZE limit on attributes */

/* A file's text, made at each read. */
struct sf_text {
	char *buf;
	size_t len, cap;
};

/* Append to t; what does not fit is cut, never overrun. */
void sf_printf(struct sf_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "0-3,5\n": the bits of mask below n as Linux's cpu lists (an empty set: "\n"). */
void sf_print_list(struct sf_text *t, u64 mask, u32 n);
/* Append a mask of n bits as Linux's bitmaps ("f", "00000000,0000000f"), then "\n". */
void sf_print_mask(struct sf_text *t, u64 mask, u32 n);

struct sf_table;

struct sf_entry {
	const char *name;
	u32 mode; /* S_IFREG, S_IFLNK or S_IFDIR, and the permissions */
	/* S_IFREG: the text of object arg into t; 0 or -errno (the read fails). */
	int (*show)(u32 arg, struct sf_text *t);
	/* S_IFREG, writable: take buf (len bytes, NUL-terminated); 0 or -errno. */
	int (*store)(u32 arg, const char *buf, size_t len);
	/* S_IFLNK: the target, relative to the link's directory, into t. */
	int (*link)(u32 arg, struct sf_text *t);
	/* S_IFDIR: the fixed entries (NULL: none). */
	const struct sf_table *dir;
	/*
	 * S_IFDIR with objects: the i-th (from 0) into *arg and its name into
	 * name (cap bytes); false past the last. Each is a child made from
	 * child, with its arg. parent: the directory's own arg (a disk's, for
	 * its partitions).
	 */
	bool (*each)(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
	const struct sf_entry *child;
	/* Is the entry there for object arg? NULL: always. */
	bool (*visible)(u32 arg);
};

struct sf_table {
	const struct sf_entry *e;
	size_t n;
};

/* A directory's entries: .dir = SF_TABLE(its array of struct sf_entry). */
#define SF_TABLE(entries) (&(const struct sf_table){entries, ARRAY_SIZE(entries)})

/*
 * The branches. Each kind of object gives its lister (an sf_entry.each)
 * and the template of one object's directory or link.
 */
/* devices/system/cpu: its files, and cpuN (sysfs_cpu.c). */
extern const struct sf_table sf_cpu_table;
bool sf_cpu_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
extern const struct sf_entry sf_cpu_child;
/*
 * The block layer's devices (sysfs_block.c): each disk and loop device a
 * directory in devices/virtual/block (sf_disk_each), linked from block/;
 * a partition a directory inside its disk's; every device linked from
 * class/block/ by name (sf_blockdev_each) and from dev/block/ by device
 * number ("254:0", sf_blockdev_num_each).
 */
bool sf_disk_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
bool sf_blockdev_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
bool sf_blockdev_num_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
extern const struct sf_entry sf_disk_child, sf_disk_block_link, sf_disk_class_link, sf_disk_dev_link;
/* The network interfaces (sysfs_net.c): devices/virtual/net/<if>, linked from class/net. */
bool sf_netif_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap);
extern const struct sf_entry sf_netif_child, sf_netif_class_link;
