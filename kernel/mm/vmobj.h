/*
 * What a region may map besides anonymous memory: an object whose pages
 * the layer above keeps (a file's page cache, shared anonymous memory:
 * vm/pcache.h embeds one). The domain code asks the object's ops for a
 * page when a mapping faults, and keeps, for each object, the list of
 * regions that map it: the reverse map that truncation (pages past the
 * new end leave every mapping) and write-back (shared mappings lose
 * write access before a page is written) walk.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after vmobj_init
 *  o  vmobj.lock
 * Order: a domain's lock, then vmobj.lock. The walks over an object's
 * mappings collect the domains under vmobj.lock and visit each under its
 * own lock afterwards.
 */
#pragma once

#include "lib/list.h"
#include "lib/spinlock.h"
#include "lib/types.h"

struct vmobj;
struct region;

/* vmobj_ops.page flags */
enum {
	VMO_NOPARK = 1 << 0, /* -EAGAIN instead of parking */
	VMO_WRITE = 1 << 1,  /* for a write through a shared mapping: the page is about to be dirty */
	VMO_SEQUENTIAL = 1 << 2, /* the mapping is read in order: read ahead of every fault */
	VMO_RANDOM = 1 << 3,     /* ... in no order: a miss reads its page alone */
};

struct vmobj_ops {
	/* A mapping's reference on whoever owns the object (a file's inode). */
	void (*get)(struct vmobj *o);
	void (*put)(struct vmobj *o);
	/*
	 * Page idx, referenced for the caller: 0; -ERESTART_PARK (the caller
	 * was parked until it is read in); -EAGAIN (VMO_NOPARK); -ENXIO past
	 * the end of the file (SIGBUS); -EIO; -ENOMEM. With VMO_WRITE the
	 * page is dirty (blocks allocated for it) when it comes back.
	 */
	int (*page)(struct vmobj *o, u64 idx, unsigned flags, paddr_t *pa);
	/* Is pa (a page the object gave out) still the object's page idx? */
	bool (*holds)(struct vmobj *o, u64 idx, paddr_t pa);
	/* Is page idx in memory (mincore)? */
	bool (*cached)(struct vmobj *o, u64 idx);
	/*
	 * For each i < n (at most 32) with bit i of want set: page idx + i if
	 * it is in memory and read already, referenced for the caller, else 0,
	 * into pas[i]. Nothing is read, started or waited for, so a caller may
	 * hold its domain's lock (fault-around).
	 */
	void (*peek)(struct vmobj *o, u64 idx, u32 n, u32 want, paddr_t *pas);
};

struct vmobj {
	const struct vmobj_ops *ops; /* [I] */
	struct spinlock lock;
	struct list_node maps;	     /* [o] struct region.objnode of every region mapping it */
	u32 nshared_w;		     /* [o] of them, shared and writable */
	u64 walk_seq;		     /* [o] the latest walk over the mappings (rmap.c) */
	i32 writecount;		     /* [a] > 0: open for writing that many times; < 0: that many
					programs run from it (ETXTBSY either way round) */
	u64 dev;		     /* [I] what /proc/<pid>/maps shows: device (a kdev_t) and inode */
	u64 ino;		     /* [I] */
};

void vmobj_init(struct vmobj *o, const struct vmobj_ops *ops, u64 dev, u64 ino);

/*
 * Remove the pages from index `from` on from every mapping of o, private
 * copies too (a truncation: what lies past the end of a file must fault,
 * and fault as SIGBUS). Never waits for I/O; takes domain locks.
 */
void vmobj_unmap_from(struct vmobj *o, u64 from);
/*
 * Take write access away from every shared mapping of pages [first,
 * last] of o, so that the next write faults and dirties the page again:
 * before those pages are written back. Never waits for I/O.
 */
void vmobj_wrprotect(struct vmobj *o, u64 first, u64 last);
/* Does any shared writable mapping of o exist (so write-back must write-protect)? */
bool vmobj_mapped_shared(struct vmobj *o);

/*
 * A file being run may not be written (ETXTBSY), and one open for
 * writing may not be run: get_write for each opening for writing,
 * deny_write for each domain running it (mm/domain.h domain_set_exe).
 * 0 or -ETXTBSY; writable says whether a truncation may go ahead.
 */
int vmobj_get_write(struct vmobj *o);
void vmobj_put_write(struct vmobj *o);
int vmobj_deny_write(struct vmobj *o);
void vmobj_allow_write(struct vmobj *o);
bool vmobj_writable(struct vmobj *o);

/* A region's name in /proc/<pid>/maps: shared by the pieces a region is split into. */
struct vmname {
	u32 refs;  /* [a] */
	char s[];  /* NUL-terminated */
};
struct vmname *vmname_new(const char *s);
struct vmname *vmname_get(struct vmname *n);
void vmname_put(struct vmname *n);
