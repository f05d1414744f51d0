/*
 * A ramfs directory's entries: a hash table by name and an array by
 * position (ramfs_dir.h). Every operation is O(1) on average (the array's
 * growth and compaction amortised), seeking by position O(log n).
 *
 * The hash table doubles when it holds more than two entries a bucket; if
 * memory for a bigger one is lacking, the chains just grow longer. An
 * emptied directory keeps a table of the smallest size (a scratch
 * directory whose one file comes and goes allocates nothing). The
 * position array only appends (positions only grow); a removed entry
 * leaves a hole, and the array is compacted when half of it is holes.
 */
#include "fs/ramfs_dir.h"
#include "fs/namehash.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#ifdef FERRY_HOST
u64 dirindex_visits;
#define VISIT() (dirindex_visits++)
#else
#define VISIT() ((void)0)
#endif

#define MIN_BUCKETS 8
#define MIN_SLOTS 16

void dirindex_init(struct dirindex *d, u32 seed)
{
	*d = (struct dirindex){.next_cookie = 2, .seed = seed};
	list_init(&d->entries);
}

void dirindex_free(struct dirindex *d)
{
	kfree(d->bucket);
	kfree(d->slot);
	d->bucket = NULL;
	d->slot = NULL;
	d->nbuckets = d->nslots = d->cap = d->holes = 0;
}

struct ramfs_dirent *dirent_new(const char *name, size_t len, struct inode *ip)
{
	struct ramfs_dirent *de = kmalloc(sizeof *de + len);
	if (!de)
		return NULL;
	list_init(&de->node);
	de->hnext = NULL;
	de->cookie = 0;
	de->len = len;
	de->ip = ip;
	memcpy(de->name, name, len);
	return de;
}

struct ramfs_dirent *dirindex_find(struct dirindex *d, const char *name, size_t len)
{
	if (!d->nbuckets)
		return NULL;
	u32 h = fs_name_hash(d->seed, name, len);
	for (struct ramfs_dirent *de = d->bucket[h & (d->nbuckets - 1)]; de; de = de->hnext) {
		VISIT();
		if (de->hash == h && de->len == len && memcmp(de->name, name, len) == 0)
			return de;
	}
	return NULL;
}

/* Rehash into n buckets; on no memory, keep the old table (longer chains, still right). */
static void rehash(struct dirindex *d, u32 n)
{
	struct ramfs_dirent **b = kzalloc(n * sizeof *b);
	if (!b)
		return;
	for (u32 i = 0; i < d->nbuckets; i++) {
		struct ramfs_dirent *de = d->bucket[i], *next;
		for (; de; de = next) {
			next = de->hnext;
			de->hnext = b[de->hash & (n - 1)];
			b[de->hash & (n - 1)] = de;
		}
	}
	kfree(d->bucket);
	d->bucket = b;
	d->nbuckets = n;
}

/* Squeeze the holes out of the position array, renumbering each entry's slot. */
static void compact(struct dirindex *d)
{
	u32 j = 0;
	for (u32 i = 0; i < d->nslots; i++) {
		if (!d->slot[i].de)
			continue;
		d->slot[j] = d->slot[i];
		d->slot[j].de->slot = j;
		j++;
	}
	d->nslots = j;
	d->holes = 0;
}

int dirindex_add(struct dirindex *d, struct ramfs_dirent *de)
{
	if (d->nslots == d->cap) {
		if (d->holes > d->nslots / 4) {
			compact(d);
		} else {
			u32 cap = d->cap ? d->cap * 2 : MIN_SLOTS;
			struct dirslot *s = kmalloc((size_t)cap * sizeof *s);
			if (!s || cap < d->cap) {
				kfree(s);
				return -ENOMEM;
			}
			if (d->nslots)
				memcpy(s, d->slot, d->nslots * sizeof *s);
			kfree(d->slot);
			d->slot = s;
			d->cap = cap;
		}
	}
	if (!d->nbuckets)
		rehash(d, MIN_BUCKETS);
	else if (d->count >= 2 * d->nbuckets && d->nbuckets < (1u << 30))
		rehash(d, d->nbuckets * 2);
	if (!d->nbuckets)
		return -ENOMEM;
	de->cookie = d->next_cookie++;
	de->hash = fs_name_hash(d->seed, de->name, de->len);
	de->slot = d->nslots;
	d->slot[d->nslots++] = (struct dirslot){de->cookie, de};
	u32 b = de->hash & (d->nbuckets - 1);
	de->hnext = d->bucket[b];
	d->bucket[b] = de;
	list_push_back(&d->entries, &de->node);
	d->count++;
	return 0;
}

void dirindex_remove(struct dirindex *d, struct ramfs_dirent *de)
{
	struct ramfs_dirent **pp = &d->bucket[de->hash & (d->nbuckets - 1)];
	while (*pp != de) {
		VISIT();
		pp = &(*pp)->hnext;
	}
	*pp = de->hnext;
	de->hnext = NULL;
	d->slot[de->slot].de = NULL;
	d->holes++;
	list_remove(&de->node);
	d->count--;
	if (!d->count && d->cap > MIN_SLOTS)
		dirindex_free(d); /* an emptied big directory gives its index back; positions go on */
	else if (d->holes > d->nslots / 2 && d->nslots >= MIN_SLOTS)
		compact(d);
}

struct ramfs_dirent *dirindex_seek(struct dirindex *d, u64 pos)
{
	/* The first slot whose cookie is >= pos; holes keep their cookies, so the order holds. */
	u32 lo = 0, hi = d->nslots;
	while (lo < hi) {
		VISIT();
		u32 mid = lo + (hi - lo) / 2;
		if (d->slot[mid].cookie < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Past the holes: at most one compaction's worth, paid for by the removals that made them. */
	for (; lo < d->nslots; lo++) {
		VISIT();
		if (d->slot[lo].de)
			return d->slot[lo].de;
	}
	return NULL;
}

struct ramfs_dirent *dirindex_next(struct dirindex *d, struct ramfs_dirent *de)
{
	VISIT();
	return de->node.next != &d->entries ? container_of(de->node.next, struct ramfs_dirent, node)
					    : NULL;
}
