/*
 * procfs: /proc, what ps, top, free, uptime and mount read. Nothing is
 * stored: inodes are made on lookup and freed on their last reference,
 * and each file's text is generated when it is opened. One file takes
 * writes: /proc/sys/vm/drop_caches (it empties the block cache's clean part).
 */
#pragma once

#include "fs/vfs.h"

/* A new procfs (each mount gets its own root); NULL when out of memory. */
struct superblock *procfs_create(void);
