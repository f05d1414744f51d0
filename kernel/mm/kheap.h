/*
 * Kernel heap: kmalloc/kfree over the buddy allocator. Small sizes come
 * from slab pages of fixed size classes (16 B .. 2 KiB); larger ones are
 * whole buddy blocks. Everything lives in the direct map. A double free or
 * a pointer kmalloc never returned is caught with a clear panic.
 * Shared by all cores: each size class has its own lock.
 *
 * Alignment: kmalloc(n) is aligned to the smallest power of two >= n
 * (at least 16 bytes, at most PAGE_SIZE).
 */
#pragma once

#include "lib/types.h"

#define KHEAP_MIN_SIZE 16
#define KHEAP_MAX_SMALL 2048 /* above this, whole buddy blocks */

void kheap_init(void);
void *kmalloc(size_t size); /* NULL when out of memory; kmalloc(0) is a 16-byte block */
void *kzalloc(size_t size);
void kfree(void *p);	      /* kfree(NULL) does nothing */
u64 kheap_bytes_in_use(void); /* bytes of size classes and large blocks handed out */

/* OS2's Box: a zeroed, typed allocation. `struct task *t = knew(struct task);` */
#define knew(T) ((T *)kzalloc(sizeof(T)))
