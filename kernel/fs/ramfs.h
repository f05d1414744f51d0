/*
 * ramfs: a file system that lives only in memory — regular files (pages
 * from the buddy allocator), directories, symlinks and device nodes. It is
 * the root file system unpacked from the initrd, the body of devfs, and
 * later tmpfs. Everything it owns is reached from its superblock.
 */
#pragma once

#include "fs/vfs.h"

/* A new, empty ramfs (a root directory, mode 0755), with no limits; NULL when out of memory. */
struct superblock *ramfs_create(const char *fstype);
/*
 * A new tmpfs (tmpfs.c): a ramfs with Linux's limits, half of RAM for its
 * files' data and half as many inodes as RAM has pages unless options
 * ("size=1m,nr_inodes=100,mode=0755", as mount -o gives them; NULL: none)
 * say otherwise. 0, -EINVAL for an option it does not take, -ENOMEM.
 */
int tmpfs_create(const char *options, bool rdonly, struct superblock **out);
/* What a ramfs has in use: pages of file data and inodes. */
void ramfs_count_usage(struct superblock *sb, u64 *pages, u64 *inodes);
