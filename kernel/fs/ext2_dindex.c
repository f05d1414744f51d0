/*
 * A directory's names in memory: name -> inode number, built from the
 * directory's blocks on its first lookup and kept exact by every change
 * of an entry after that, so a lookup (found or not: a name missing from
 * a complete index is missing from the directory) hashes once instead of
 * scanning blocks and checking every entry on the way.
 *
 * The index and the directory's change count (ext2_inode_mem.dindex,
 * dgen) are under the directory's inode lock. Changes of entries happen
 * under fs->lock and call ext2_dindex_set after the block is changed:
 * count and index move together. A build walks the blocks with no lock
 * held (it may park for a read) and installs what it found only if the
 * count did not move meanwhile; otherwise a change may have been missed
 * and the build is thrown away (the next lookup tries again).
 *
 * No memory for the index or an entry: the directory goes without one
 * (lookups walk its blocks, as before), never with an incomplete one.
 */
#include "fs/ext2_impl.h"
#include "fs/namehash.h"
#include "arch/x86_64/io.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define MIN_BUCKETS 16

struct dname {
	struct dname *next;
	u32 hash;
	u32 ino;
	u8 len;
	char name[];
};

struct ext2_dindex {
	struct dname **bucket; /* nbuckets chains, a power of two */
	u32 nbuckets;
	u32 count;
	u32 seed; /* per index: names chosen to collide for one do not for the next */
};

static struct dname **chain(struct ext2_dindex *x, u32 h)
{
	return &x->bucket[h & (x->nbuckets - 1)];
}

static struct dname *find(struct ext2_dindex *x, u32 h, const char *name, size_t len)
{
	for (struct dname *n = *chain(x, h); n; n = n->next)
		if (n->hash == h && n->len == len && memcmp(n->name, name, len) == 0)
			return n;
	return NULL;
}

static void index_free(struct ext2_dindex *x)
{
	if (!x)
		return;
	for (u32 i = 0; i < x->nbuckets; i++) {
		struct dname *n = x->bucket[i], *next;
		for (; n; n = next) {
			next = n->next;
			kfree(n);
		}
	}
	kfree(x->bucket);
	kfree(x);
}

static struct ext2_dindex *index_new(u32 seed)
{
	struct ext2_dindex *x = knew(struct ext2_dindex);
	if (!x)
		return NULL;
	x->bucket = kzalloc(MIN_BUCKETS * sizeof *x->bucket);
	if (!x->bucket) {
		kfree(x);
		return NULL;
	}
	x->nbuckets = MIN_BUCKETS;
	x->seed = seed;
	return x;
}

/* Twice the buckets once chains average two; no memory: longer chains, still right. */
static void maybe_grow(struct ext2_dindex *x)
{
	if (x->count < 2 * x->nbuckets || x->nbuckets >= (1u << 24))
		return;
	u32 n = x->nbuckets * 2;
	struct dname **b = kzalloc(n * sizeof *b);
	if (!b)
		return;
	for (u32 i = 0; i < x->nbuckets; i++) {
		struct dname *e = x->bucket[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	kfree(x->bucket);
	x->bucket = b;
	x->nbuckets = n;
}

/* name now names ino (0: gone). False: no memory for a new entry. */
static bool index_set(struct ext2_dindex *x, const char *name, size_t len, u32 ino)
{
	u32 h = fs_name_hash(x->seed, name, len);
	struct dname **pp = chain(x, h);
	for (; *pp; pp = &(*pp)->next) {
		struct dname *n = *pp;
		if (n->hash != h || n->len != len || memcmp(n->name, name, len) != 0)
			continue;
		if (ino) {
			n->ino = ino;
		} else {
			*pp = n->next;
			kfree(n);
			x->count--;
		}
		return true;
	}
	if (!ino)
		return true;
	struct dname *n = kmalloc(sizeof *n + len);
	if (!n)
		return false;
	n->hash = h;
	n->ino = ino;
	n->len = (u8)len;
	memcpy(n->name, name, len);
	n->next = *pp;
	*pp = n;
	x->count++;
	maybe_grow(x);
	return true;
}

int ext2_dindex_find(struct inode *dir, const char *name, size_t len, u32 *ino)
{
	struct ext2_inode_mem *e = EI(dir);
	int r = -ENODATA;
	spin_lock(&dir->lock);
	struct ext2_dindex *x = e->dindex;
	if (x) {
		struct dname *n = find(x, fs_name_hash(x->seed, name, len), name, len);
		*ino = n ? n->ino : 0;
		r = 0;
	}
	spin_unlock(&dir->lock);
	return r;
}

u32 ext2_dindex_gen(struct inode *dir)
{
	return __atomic_load_n(&EI(dir)->dgen, __ATOMIC_ACQUIRE);
}

struct build_ctx {
	struct ext2_dindex *x;
	bool nomem;
};

static bool build_fn(void *ctx, const struct ext2_dirent *d, u64 next)
{
	(void)next;
	struct build_ctx *c = ctx;
	/* A name twice (a damaged directory): the first one, as a walk finds it. */
	if (find(c->x, fs_name_hash(c->x->seed, d->name, d->name_len), d->name, d->name_len))
		return true;
	if (!index_set(c->x, d->name, d->name_len, d->inode)) {
		c->nomem = true;
		return false;
	}
	return true;
}

int ext2_dindex_build(struct inode *dir)
{
	struct ext2_inode_mem *e = EI(dir);
	spin_lock(&dir->lock);
	u32 gen = e->dgen;
	bool have = e->dindex != NULL;
	spin_unlock(&dir->lock);
	if (have)
		return 0;
	struct build_ctx c = {index_new((u32)rdtsc() ^ (u32)dir->ino), false};
	if (!c.x)
		return -ENOMEM;
	u64 pos = 0;
	int r = ext2_dir_walk(dir, &pos, build_fn, &c, NULL);
	if (r == 0 && c.nomem)
		r = -ENOMEM;
	if (r == 0) {
		spin_lock(&dir->lock);
		if (!e->dindex && e->dgen == gen) {
			e->dindex = c.x;
			c.x = NULL;
		}
		spin_unlock(&dir->lock);
	}
	index_free(c.x);
	return r;
}

void ext2_dindex_set(struct inode *dir, const char *name, size_t len, u32 ino)
{
	struct ext2_inode_mem *e = EI(dir);
	struct ext2_dindex *drop = NULL;
	spin_lock(&dir->lock);
	__atomic_store_n(&e->dgen, e->dgen + 1, __ATOMIC_RELEASE);
	if (e->dindex && !index_set(e->dindex, name, len, ino)) {
		drop = e->dindex; /* incomplete from now on: better none */
		e->dindex = NULL;
	}
	spin_unlock(&dir->lock);
	index_free(drop);
}

void ext2_dindex_free(struct inode *dir)
{
	struct ext2_inode_mem *e = EI(dir);
	index_free(e->dindex);
	e->dindex = NULL;
}
