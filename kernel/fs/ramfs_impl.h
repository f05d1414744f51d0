/*
 * ramfs's insides, shared by ramfs.c (the file system) and tmpfs.c (the
 * memory file systems as mount(2) makes them: tmpfs's limits, options and
 * statfs figures). Nothing else includes this.
 */
#pragma once

#include "fs/ramfs.h"
#include "fs/ramfs_dir.h"
#include "lib/spinlock.h"

struct ramfs_sb {
	struct superblock sb;
	struct spinlock ns_lock;
	/* A tmpfs's limits (0: none, as ramfs and devfs have) and what it has in use. */
	u64 max_pages, max_inodes; /* [a] set at mount, changed by a remount */
	u64 pages, inodes;         /* [a] pages of file data; inodes */
};

static inline struct ramfs_sb *RS(struct superblock *sb)
{
	return container_of(sb, struct ramfs_sb, sb);
}
