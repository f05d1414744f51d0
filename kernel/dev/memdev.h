/*
 * The memory devices: /dev/null (1,3), /dev/zero (1,5), /dev/full (1,7),
 * /dev/random (1,8) and /dev/urandom (1,9), with Linux's numbers. They
 * keep no state of their own.
 */
#pragma once

/* Register the drivers (before devfs makes their nodes); called by vfs_init. */
void memdev_init(void);
