/*
 * The kernel heap. Small objects come from slabs: naturally aligned buddy
 * blocks of one size class each, with a header at the start holding an
 * allocation bitmap; each page of a slab is marked FRAME_SLAB with its
 * class in struct frame, so kfree finds the slab from the pointer alone
 * and can tell a double free (bit already clear) or a foreign pointer
 * (not on an object boundary, not a heap page) from a good one. Larger
 * sizes are whole buddy blocks marked FRAME_KLARGE at their head.
 *
 * Each size class has its own spinlock guarding its slabs' bitmaps and its
 * partial list; the buddy has its own, taken without a class lock held.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable once set up
 *  c  size_class.lock of the slab's class
 *  a  atomic
 */
#include "mm/kheap.h"
#include "lib/kernel.h"
#include "lib/list.h"
#include "lib/spinlock.h"
#include "mm/buddy.h"
#include "mm/layout.h"

#define KHEAP_MIN_SHIFT 4 /* 16 bytes */
#define KHEAP_NCLASSES 8  /* 16, 32, ..., 2048 */
#define SLAB_SLOTS 16	  /* a slab holds at least this many slots (one may be the header) */
#define SLAB_MAX_OBJS (PAGE_SIZE / KHEAP_MIN_SIZE)
#define SLAB_BITMAP_WORDS (SLAB_MAX_OBJS / 64)
#define SLAB_MAGIC 0x51ab0b1eu
#define SLAB_KEEP_EMPTY                                                                            \
	1		 /* empty slabs a class keeps, so alloc/free pairs do not churn the buddy */
#define FREE_POISON MM_POISON /* a use after free reads this, not plausible old data */

BUILD_ASSERT(KHEAP_MIN_SIZE == 1 << KHEAP_MIN_SHIFT);
BUILD_ASSERT(KHEAP_MAX_SMALL == KHEAP_MIN_SIZE << (KHEAP_NCLASSES - 1));

struct slab {
	u32 magic;		     /* [I] SLAB_MAGIC while the slab exists */
	u16 class;		     /* [I] index into classes[] */
	u16 nfree;		     /* [c] objects not handed out */
	struct list_node link;	     /* [c] on the class's partial list while nfree > 0 */
	u64 used[SLAB_BITMAP_WORDS]; /* [c] bit i: object i handed out (bits past objs stay set) */
};

struct size_class {
	struct spinlock lock;
	u32 size;		  /* [I] object size, a power of two */
	u8 slab_order;		  /* [I] buddy order of a slab */
	u16 objs;		  /* [I] objects per slab */
	u16 first;		  /* [I] offset of object 0 from the slab start */
	struct list_node partial; /* [c] slabs with a free object, empty ones at the back */
	u32 nslabs;		  /* [c] */
	u32 nempty;		  /* [c] slabs with every object free */
};

static struct size_class classes[KHEAP_NCLASSES];
static u64 bytes_in_use; /* [a] */
static bool kheap_ready; /* [I] */

static void account(i64 delta)
{
	__atomic_add_fetch(&bytes_in_use, (u64)delta, __ATOMIC_RELAXED);
}

u64 kheap_bytes_in_use(void)
{
	return __atomic_load_n(&bytes_in_use, __ATOMIC_RELAXED);
}

__boot void kheap_init(void)
{
	for (unsigned i = 0; i < KHEAP_NCLASSES; i++) {
		struct size_class *c = &classes[i];
		u32 size = KHEAP_MIN_SIZE << i;
		u64 slab_bytes = MAX(PAGE_SIZE, (u64)SLAB_SLOTS * size);
		c->lock = (struct spinlock)SPINLOCK_INIT;
		c->size = size;
		c->slab_order = (u8)(__builtin_ctzl(slab_bytes) - PAGE_SHIFT);
		c->first = (u16)ALIGN_UP(sizeof(struct slab), size);
		c->objs = (u16)((slab_bytes - c->first) / size);
		list_init(&c->partial);
		c->nslabs = c->nempty = 0;
		assert(c->objs <= SLAB_MAX_OBJS);
	}
	bytes_in_use = 0;
	kheap_ready = true;
}

static unsigned class_of(size_t size)
{
	if (size <= KHEAP_MIN_SIZE)
		return 0;
	return (unsigned)(64 - __builtin_clzl(size - 1)) - KHEAP_MIN_SHIFT;
}

static u64 slab_bytes(const struct size_class *c)
{
	return PAGE_SIZE << c->slab_order;
}

static void mark_slab_pages(paddr_t pa, const struct size_class *c, bool on, u16 class)
{
	for (u64 off = 0; off < slab_bytes(c); off += PAGE_SIZE) {
		struct frame *f = pa_to_frame(pa + off);
		if (on)
			f->flags |= FRAME_SLAB;
		else
			f->flags &= (u8)~FRAME_SLAB;
		f->slab_class = on ? class : 0;
	}
}

/* A fresh slab for class i, built without the class lock held. */
static struct slab *slab_new(unsigned i)
{
	struct size_class *c = &classes[i];
	paddr_t pa = page_alloc(c->slab_order);
	if (!pa)
		return NULL;
	mark_slab_pages(pa, c, true, (u16)i);
	struct slab *s = phys_to_virt(pa);
	s->magic = SLAB_MAGIC;
	s->class = (u16)i;
	s->nfree = c->objs;
	list_init(&s->link);
	for (unsigned w = 0; w < SLAB_BITMAP_WORDS; w++) {
		unsigned lo = w * 64;
		if (lo >= c->objs)
			s->used[w] = ~0UL;
		else if (c->objs - lo >= 64)
			s->used[w] = 0;
		else
			s->used[w] = ~0UL << (c->objs - lo);
	}
	return s;
}

static void slab_release(struct slab *s, struct size_class *c)
{
	paddr_t pa = virt_to_phys(s);
	s->magic = 0;
	mark_slab_pages(pa, c, false, 0);
	page_free(pa, c->slab_order);
}

static void *slab_object(struct slab *s, const struct size_class *c, unsigned idx)
{
	return (u8 *)s + c->first + (u64)idx * c->size;
}

/*
 * KCHECKS: a free object still holds what kfree (or the free page it came
 * from) left in it; anything else was written after it was freed.
 */
static void check_poison(const void *p, u32 size)
{
	const u64 *w = p;
	for (u32 i = 0; i < size / 8; i++)
		if (unlikely(w[i] != MM_POISON64))
			panic("kmalloc: the free %u-byte object at %p was written after it was "
			      "freed (byte %u holds 0x%lx): a use after free",
			      size, p, i * 8, w[i]);
}

/* Class lock held; s has a free object. */
static void *slab_take(struct slab *s, struct size_class *c)
{
	for (unsigned w = 0; w < SLAB_BITMAP_WORDS; w++) {
		u64 avail = ~s->used[w];
		if (!avail)
			continue;
		unsigned bit = (unsigned)__builtin_ctzl(avail);
		s->used[w] |= 1UL << bit;
		if (s->nfree-- == c->objs)
			c->nempty--;
		if (s->nfree == 0)
			list_remove(&s->link);
		void *p = slab_object(s, c, w * 64 + bit);
		if (KCHECKS)
			check_poison(p, c->size);
		return p;
	}
	panic("kmalloc: slab %p of class %u claims %u free objects but its bitmap is full", s,
	      c->size, s->nfree);
}

static void *kmalloc_small(unsigned i)
{
	struct size_class *c = &classes[i];
	spin_lock(&c->lock);
	if (list_empty(&c->partial)) {
		/* The buddy has its own lock; do not hold ours across it. */
		spin_unlock(&c->lock);
		struct slab *s = slab_new(i);
		if (!s)
			return NULL;
		spin_lock(&c->lock);
		list_push_front(&c->partial, &s->link);
		c->nslabs++;
		c->nempty++;
	}
	struct slab *s = container_of(c->partial.next, struct slab, link);
	void *p = slab_take(s, c);
	spin_unlock(&c->lock);
	account(c->size);
	return p;
}

static void *kmalloc_large(size_t size)
{
	unsigned order = 0;
	while ((PAGE_SIZE << order) < size) {
		if (++order > BUDDY_MAX_ORDER)
			return NULL;
	}
	paddr_t pa = page_alloc(order);
	if (!pa)
		return NULL;
	pa_to_frame(pa)->flags |= FRAME_KLARGE;
	account(PAGE_SIZE << order);
	return phys_to_virt(pa);
}

void *kmalloc(size_t size)
{
	if (unlikely(!kheap_ready))
		panic("kmalloc(%zu) before kheap_init", size);
	if (size > KHEAP_MAX_SMALL)
		return kmalloc_large(size);
	return kmalloc_small(class_of(size));
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

static void kfree_small(void *p, paddr_t pa, const struct frame *f)
{
	if (f->slab_class >= KHEAP_NCLASSES)
		panic("kfree: %p is on a slab page with a corrupt class %u", p, f->slab_class);
	struct size_class *c = &classes[f->slab_class];
	paddr_t base = ALIGN_DOWN(pa, slab_bytes(c));
	struct slab *s = phys_to_virt(base);
	if (s->magic != SLAB_MAGIC || s->class != f->slab_class)
		panic("kfree: %p: the header of its slab at %p is corrupt (magic 0x%x)", p, s,
		      s->magic);
	u64 off = pa - base;
	if (off < c->first || (off - c->first) % c->size || (off - c->first) / c->size >= c->objs)
		panic("kfree: %p was not returned by kmalloc (not an object boundary in a %u-byte "
		      "slab)",
		      p, c->size);
	unsigned idx = (unsigned)((off - c->first) / c->size);
	u64 bit = 1UL << (idx % 64);

	bool release = false;
	spin_lock(&c->lock);
	if (!(s->used[idx / 64] & bit)) {
		spin_unlock(&c->lock);
		panic("kfree: double free of %p (%u-byte object)", p, c->size);
	}
	memset(p, FREE_POISON, c->size);
	s->used[idx / 64] &= ~bit;
	if (s->nfree++ == 0)
		list_push_front(&c->partial, &s->link);
	if (s->nfree == c->objs) {
		if (c->nempty >= SLAB_KEEP_EMPTY) {
			list_remove(&s->link);
			c->nslabs--;
			release = true;
		} else {
			/* Keep it, behind the slabs still in use, so those fill up first. */
			list_remove(&s->link);
			list_push_back(&c->partial, &s->link);
			c->nempty++;
		}
	}
	spin_unlock(&c->lock);
	account(-(i64)c->size);
	if (release)
		slab_release(s, c);
}

void kfree(void *p)
{
	if (!p)
		return;
	if (!is_direct_mapped(p))
		panic("kfree: %p was not returned by kmalloc (not in the direct map)", p);
	paddr_t pa = virt_to_phys(p);
	struct frame *f = pa_to_frame(pa);
	if (!f)
		panic("kfree: %p was not returned by kmalloc (beyond RAM)", p);
	if (f->flags & FRAME_SLAB) {
		kfree_small(p, pa, f);
	} else if (f->flags & FRAME_KLARGE) {
		if (!IS_ALIGNED(pa, PAGE_SIZE) || !(f->flags & FRAME_HEAD))
			panic("kfree: %p was not returned by kmalloc (inside a large block)", p);
		unsigned order = f->order;
		f->flags &= (u8)~FRAME_KLARGE;
		account(-(i64)(PAGE_SIZE << order));
		page_free(pa, order);
	} else if (buddy_frame_is_free(pa)) {
		panic("kfree: double free of %p (its memory is already free)", p);
	} else {
		panic("kfree: %p was not returned by kmalloc", p);
	}
}
