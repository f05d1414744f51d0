/*
 * sysfs: /sys, the kernel's objects as Linux shows them (Documentation/ABI
 * testing/stable sysfs-devices-system-cpu, sysfs-block, sysfs-class-net):
 * the cores under devices/system/cpu, each disk the block layer has
 * registered, each network interface. Nothing is stored: inodes are made
 * on lookup and freed on their last reference, and a file's text is made
 * from the kernel's state at each read. Mounted at boot on /sys (fs/init.c,
 * and init on a disk root), and by mount -t sysfs.
 */
#pragma once

#include "fs/vfs.h"

/* A new sysfs (each mount gets its own root); NULL when out of memory. */
struct superblock *sysfs_create(void);
