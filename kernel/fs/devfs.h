/*
 * devfs: the device nodes under /dev, on a ramfs of their own (so mknod
 * and symlinks there work as anywhere). The drivers behind the nodes are
 * found by device number (chrdev_register), not by devfs.
 */
#pragma once

#include "fs/vfs.h"

/* A new devfs with console, tty, null, zero, full, random, urandom; NULL when out of memory. */
struct superblock *devfs_create(void);
/*
 * Mount a new devfs on dir (a directory), and a tmpfs on its shm
 * directory for POSIX shared memory (shm_open, sem_open). Boot only;
 * 0 or -errno (the devfs could not be mounted; a missing /dev/shm is
 * reported and left).
 */
int devfs_mount(struct inode *dir);
