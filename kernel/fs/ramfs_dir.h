/*
 * A ramfs directory's entries (ramfs_dir.c), indexed two ways so that no
 * directory operation walks the whole directory: a hash table by name
 * (lookup, create, unlink, rename) and an array by getdents position
 * (readdir, telldir, seekdir). Creating 16,000 files in one directory took
 * 71 s when both were list walks.
 *
 * Positions are cookies given in creation order and never reused in a
 * directory, so a listing is stable: an entry added during a listing comes
 * after every older one, a removed one simply no longer shows, and a
 * position handed out by telldir stays good (seekdir to it resumes at the
 * first entry made at or after it).
 *
 * The owner (ramfs) guards everything here with its namespace lock [n];
 * nothing here locks. Allocation may happen under that lock (kheap nests
 * inside it).
 */
#pragma once

#include "lib/list.h"
#include "lib/types.h"

struct inode;

struct ramfs_dirent {
	struct list_node node;      /* [n] in the directory, by cookie */
	struct ramfs_dirent *hnext; /* [n] the next in its hash bucket */
	u64 cookie;                 /* [I once added] its getdents position */
	u32 slot;                   /* [n] its place in the directory's position index */
	u32 hash;                   /* [I] of its name */
	struct inode *ip;           /* [n] no reference: a link (nlink) keeps the inode */
	size_t len;                 /* [I] */
	char name[];                /* [I] not NUL-terminated */
};

struct dirslot {
	u64 cookie;
	struct ramfs_dirent *de; /* NULL: removed, kept for the search until compacted */
};

struct dirindex {
	struct list_node entries;     /* [n] every entry, by cookie */
	u64 next_cookie;              /* [n] 0 and 1 are "." and ".." */
	u32 count;                    /* [n] entries */
	u32 seed;                     /* [I] mixed into name hashes */
	struct ramfs_dirent **bucket; /* [n] nbuckets chains (a power of two), or NULL */
	u32 nbuckets;
	struct dirslot *slot;         /* [n] by cookie, ascending; removed ones NULL */
	u32 nslots, cap, holes;       /* [n] slots used, allocated, NULL among the used */
};

void dirindex_init(struct dirindex *d, u32 seed);
/* Free the index itself (not the entries: the owner frees those). */
void dirindex_free(struct dirindex *d);
/* A new entry for name (not yet in any directory); NULL without memory. */
struct ramfs_dirent *dirent_new(const char *name, size_t len, struct inode *ip);
struct ramfs_dirent *dirindex_find(struct dirindex *d, const char *name, size_t len);
/* Add de with the next position; -ENOMEM if the position index cannot grow. */
int dirindex_add(struct dirindex *d, struct ramfs_dirent *de);
void dirindex_remove(struct dirindex *d, struct ramfs_dirent *de);
/* The first entry at position pos or after (getdents, seekdir), or NULL. */
struct ramfs_dirent *dirindex_seek(struct dirindex *d, u64 pos);
/* The entry after de in position order, or NULL. */
struct ramfs_dirent *dirindex_next(struct dirindex *d, struct ramfs_dirent *de);

#ifdef FERRY_HOST
/* Host tests count the entries looked at, to check that nothing walks the directory. */
extern u64 dirindex_visits;
#endif
