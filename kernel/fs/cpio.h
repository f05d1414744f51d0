/*
 * Unpacking a cpio archive in the "newc" format (magic 070701, or 070702
 * with checksums; see cpio(5)) into a directory tree through the VFS: the
 * initrd becomes the root file system. Every header field is checked; a
 * malformed archive stops the unpacking with a message saying where and
 * why, and whatever was unpacked before stays.
 */
#pragma once

#include "fs/vfs.h"

struct cpio_result {
	u32 files, dirs, symlinks, nodes, hardlinks; /* entries created */
	u64 offset;    /* where the entry that stopped the unpacking starts */
	char msg[160]; /* why it stopped; "" when the whole archive was unpacked */
};

/*
 * Unpack archive[0..size) under root. Returns 0, -EINVAL for a malformed
 * archive, or the -errno of a file-system operation that failed (ENOSPC,
 * ENOMEM...); res->msg explains every failure.
 */
int cpio_unpack(const void *archive, size_t size, struct inode *root, struct cpio_result *res);
