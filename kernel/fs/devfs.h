/*
 * devfs: the device nodes under /dev, on a ramfs of their own (so mknod
 * and symlinks there work as anywhere). The drivers behind the nodes are
 * found by device number (chrdev_register), not by devfs.
 */
#pragma once

#include "fs/vfs.h"

/*
 * A new devfs with console, tty, null, zero, full, random, urandom and a
 * block node for each disk found so far (vda, vdb, ...: what swapon and
 * mount name); NULL when out of memory.
 */
struct superblock *devfs_create(void);
/* The block devices added since (disks after the PCI scan, partitions, loop devices): their nodes in the root's /dev. */
void devfs_add_disks(void);
/* A block device gone (a loop device removed, a partition table read again): its node in the root's /dev. */
void devfs_remove_node(const char *name, kdev_t rdev);
/* The block device a block node names (its rdev), or NULL. */
struct blk_dev *devfs_disk(kdev_t rdev);
/* The device number of disk d's node (what /sys/block/<disk>/dev shows). */
kdev_t devfs_disk_rdev(const struct blk_dev *d);
/*
 * Mount a new devfs on dir (a directory), and a tmpfs on its shm
 * directory for POSIX shared memory (shm_open, sem_open). Boot only;
 * 0 or -errno (the devfs could not be mounted; a missing /dev/shm is
 * reported and left).
 */
int devfs_mount(struct inode *dir);
