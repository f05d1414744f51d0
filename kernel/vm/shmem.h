/*
 * Shared anonymous memory: a page cache with no file and no store of its
 * own (PC_SWAPBACKED), made for MAP_SHARED|MAP_ANONYMOUS and shared
 * mappings of /dev/zero (and System V shared memory), so that a fork's
 * two sides, and every process that attaches it, see one set of pages.
 * It lives while something maps or holds it (a reference count); its
 * pages are zero until written and go to swap under pressure.
 */
#pragma once

#include "vm/pcache.h"

/* A new object of size bytes with one reference for the caller, or NULL. */
struct vmobj *shmem_create(u64 size);
/* The caller's reference (shmem_create's, or another's from vmobj get). */
void shmem_put(struct vmobj *o);
