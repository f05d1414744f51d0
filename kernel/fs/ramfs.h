/*
 * ramfs: a file system that lives only in memory — regular files (pages
 * from the buddy allocator), directories, symlinks and device nodes. It is
 * the root file system unpacked from the initrd, the body of devfs, and
 * later tmpfs. Everything it owns is reached from its superblock.
 */
#pragma once

#include "fs/vfs.h"

/* A new, empty ramfs (a root directory, mode 0755); NULL when out of memory. */
struct superblock *ramfs_create(const char *fstype);
