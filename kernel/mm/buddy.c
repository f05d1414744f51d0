/*
 * The buddy allocator for physical frames. One global spinlock (buddy.lock)
 * guards every free list and the metadata of free frames; an allocated
 * block's metadata belongs to its owner until page_free.
 *
 * OS2 asked where the metadata should live so that allocating never
 * allocates. Answer: one 32-byte struct frame per frame from 0 to the
 * highest usable address, sized once at boot and carved out of usable RAM
 * below BUDDY_META_LIMIT before any block is handed out. Free lists are
 * linked through frame numbers in that array, never through the free
 * frames themselves, so nothing here writes to memory it hands out (and
 * the allocator runs unchanged on a host buffer in the unit tests).
 * The cost is 0.8% of RAM, holes included (half of it the page cache's
 * per-page state).
 */
#include "mm/buddy.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/layout.h"

#define NIL_FRAME 0xffffffffu /* end of a free list; never a frame number */
BUILD_ASSERT(sizeof(struct frame) == 32);

static struct {
	struct spinlock lock;
	struct frame *frames;		    /* [I] one per frame below nframes */
	u64 nframes;			    /* [I] */
	paddr_t meta_base;		    /* [I] physical address of frames[] */
	u64 meta_bytes;			    /* [I] */
	u32 free_head[BUDDY_MAX_ORDER + 1]; /* [b] first free block of each order */
	u64 free_pages;			    /* [b] written; read without the lock */
	u64 total_pages;		    /* [I] */
} buddy;

static u64 pfn_of(paddr_t pa)
{
	return pa >> PAGE_SHIFT;
}

static void list_push(u64 pfn, unsigned order)
{
	struct frame *f = &buddy.frames[pfn];
	u32 head = buddy.free_head[order];
	f->flags = FRAME_FREE;
	f->order = (u8)order;
	f->prev = NIL_FRAME;
	f->next = head;
	if (head != NIL_FRAME)
		buddy.frames[head].prev = (u32)pfn;
	buddy.free_head[order] = (u32)pfn;
}

static void list_remove(u64 pfn, unsigned order)
{
	struct frame *f = &buddy.frames[pfn];
	if (f->prev != NIL_FRAME)
		buddy.frames[f->prev].next = f->next;
	else
		buddy.free_head[order] = f->next;
	if (f->next != NIL_FRAME)
		buddy.frames[f->next].prev = f->prev;
	f->next = f->prev = NIL_FRAME;
	f->flags = 0;
}

/* Hand out the low 2^want pages of the free block at pfn (of order have). */
static paddr_t take_block(u64 pfn, unsigned have, unsigned want)
{
	list_remove(pfn, have);
	while (have > want) {
		have--;
		list_push(pfn + (1UL << have), have);
	}
	struct frame *f = &buddy.frames[pfn];
	f->flags = FRAME_HEAD;
	f->order = (u8)want;
	f->slab_class = 0;
	f->refcount = 0;
	f->pflags = 0;
	f->index = 0;
	f->owner = NULL;
	buddy.free_pages -= 1UL << want;
	return pfn << PAGE_SHIFT;
}

static u64 (*reclaim_hooks[BUDDY_MAX_RECLAIM])(u64 want); /* [I after boot] */
static bool poisoned; /* [I after boot] KCHECKS: every free page holds MM_POISON */

/* KCHECKS: a block just handed out must still hold the poison page_free left in it. */
static void check_poison(paddr_t pa, unsigned order)
{
	const u64 *w = phys_to_virt(pa);
	u64 n = (PAGE_SIZE << order) / 8;
	for (u64 i = 0; i < n; i++)
		if (unlikely(w[i] != MM_POISON64))
			panic("page_alloc: the free page 0x%lx was written after it was freed "
			      "(byte %lu holds 0x%lx): a use after free",
			      pa + i * 8 / PAGE_SIZE * PAGE_SIZE, i * 8 % PAGE_SIZE, w[i]);
}

void buddy_poison_free(void)
{
	if (!KCHECKS)
		return;
	spin_lock(&buddy.lock);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		for (u32 pfn = buddy.free_head[o]; pfn != NIL_FRAME; pfn = buddy.frames[pfn].next)
			memset(phys_to_virt((paddr_t)pfn << PAGE_SHIFT), MM_POISON, PAGE_SIZE << o);
	poisoned = true;
	spin_unlock(&buddy.lock);
}

void buddy_add_reclaim(u64 (*reclaim)(u64 want))
{
	for (int i = 0; i < BUDDY_MAX_RECLAIM; i++) {
		if (!reclaim_hooks[i]) {
			reclaim_hooks[i] = reclaim;
			return;
		}
	}
	panic("buddy: more than %d reclaim hooks", BUDDY_MAX_RECLAIM);
}

/* Ask the caches to give memory back until one does; bytes freed. */
static u64 reclaim(u64 want)
{
	for (int i = 0; i < BUDDY_MAX_RECLAIM && reclaim_hooks[i]; i++) {
		u64 got = reclaim_hooks[i](want);
		if (got)
			return got;
	}
	return 0;
}

static paddr_t alloc_once(unsigned order)
{
	paddr_t pa = 0;
	spin_lock(&buddy.lock);
	for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++) {
		if (buddy.free_head[o] != NIL_FRAME) {
			pa = take_block(buddy.free_head[o], o, order);
			break;
		}
	}
	spin_unlock(&buddy.lock);
	return pa;
}

static u64 reserve;		  /* [I after boot] pages only page_alloc may take */
static u64 failures;		  /* [a] allocations that found no memory (buddy_alloc_failures) */
static u64 low_mark;		  /* [I after boot] */
static void (*low_hook)(void);	  /* [I after boot] */

void buddy_set_reserve(u64 pages)
{
	reserve = pages;
}

u64 buddy_reserve_pages(void)
{
	return reserve;
}

u64 buddy_alloc_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

void buddy_set_low_hook(u64 low, void (*fn)(void))
{
	low_mark = low;
	low_hook = fn;
}

paddr_t page_alloc(unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return 0;
	paddr_t pa = alloc_once(order);
	/* Out of memory: caches give back what they can spare, then one more try. */
	if (!pa && reclaim(PAGE_SIZE << order))
		pa = alloc_once(order);
	if (!pa)
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	if (KCHECKS && pa && __atomic_load_n(&poisoned, __ATOMIC_RELAXED))
		check_poison(pa, order);
	if (low_hook && buddy_free_pages() < low_mark)
		low_hook();
	return pa;
}

paddr_t page_alloc_user(void)
{
	if (buddy_free_pages() <= reserve) {
		/* Clean cache pages first; what is left of the reserve stays the kernel's. */
		reclaim(PAGE_SIZE);
		if (buddy_free_pages() <= reserve) {
			if (low_hook)
				low_hook();
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
			return 0;
		}
	}
	return page_alloc(0);
}

/* Walks whole free lists: meant for boot and rare device setup, not hot paths. */
paddr_t page_alloc_below(unsigned order, paddr_t limit)
{
	if (order > BUDDY_MAX_ORDER)
		return 0;
	u64 limit_pfn = pfn_of(limit);
	paddr_t pa = 0;
	spin_lock(&buddy.lock);
	for (unsigned o = order; o <= BUDDY_MAX_ORDER && !pa; o++) {
		for (u32 pfn = buddy.free_head[o]; pfn != NIL_FRAME; pfn = buddy.frames[pfn].next) {
			if (pfn + (1UL << order) <= limit_pfn) {
				pa = take_block(pfn, o, order);
				break;
			}
		}
	}
	spin_unlock(&buddy.lock);
	if (KCHECKS && pa && __atomic_load_n(&poisoned, __ATOMIC_RELAXED))
		check_poison(pa, order);
	return pa;
}

/* Head of the free block containing pfn, or NIL_FRAME. Lock held. */
static u32 free_block_containing(u64 pfn, unsigned *order)
{
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		u64 head = pfn & ~((1UL << o) - 1);
		const struct frame *f = &buddy.frames[head];
		if ((f->flags & FRAME_FREE) && f->order == o) {
			*order = o;
			return (u32)head;
		}
	}
	return NIL_FRAME;
}

/* Release the lock first so that a host test that catches the panic can go on. */
#define free_bug(...)                                                                              \
	do {                                                                                       \
		spin_unlock(&buddy.lock);                                                          \
		panic("page_free: " __VA_ARGS__);                                                  \
	} while (0)

void page_free(paddr_t pa, unsigned order)
{
	if (!IS_ALIGNED(pa, PAGE_SIZE))
		panic("page_free: 0x%lx is not page-aligned", pa);
	u64 pfn = pfn_of(pa);
	/* Still the caller's: the checks below catch a bad block before the lock (KCHECKS). */
	if (KCHECKS && __atomic_load_n(&poisoned, __ATOMIC_RELAXED) && pfn < buddy.nframes &&
	    (buddy.frames[pfn].flags & FRAME_HEAD) && buddy.frames[pfn].order == order &&
	    !(buddy.frames[pfn].flags & (FRAME_SLAB | FRAME_KLARGE)))
		memset(phys_to_virt(pa), MM_POISON, PAGE_SIZE << order);
	spin_lock(&buddy.lock);
	if (pfn >= buddy.nframes)
		free_bug("0x%lx is not RAM (the frames end at 0x%lx)", pa,
			 buddy.nframes << PAGE_SHIFT);
	struct frame *f = &buddy.frames[pfn];
	if (f->flags & FRAME_RESERVED)
		free_bug("0x%lx is not RAM the allocator manages (reserved, a hole or its "
			 "metadata)",
			 pa);
	if (f->flags & FRAME_FREE)
		free_bug("double free of 0x%lx (order %u): the block is already free", pa, order);
	if (!(f->flags & FRAME_HEAD)) {
		unsigned o;
		u32 head = free_block_containing(pfn, &o);
		if (head != NIL_FRAME)
			free_bug("double free of 0x%lx: it lies in the free block of order %u "
				 "at 0x%lx",
				 pa, o, (u64)head << PAGE_SHIFT);
		free_bug("0x%lx is not the head of an allocated block", pa);
	}
	if (f->flags & (FRAME_SLAB | FRAME_KLARGE))
		free_bug("0x%lx belongs to the kernel heap; free it with kfree", pa);
	if (f->order != order)
		free_bug("0x%lx freed as order %u but was allocated as order %u", pa, order,
			 f->order);

	f->flags = 0;
	buddy.free_pages += 1UL << order;
	/* Merge with the buddy while it is a whole free block of the same order. */
	while (order < BUDDY_MAX_ORDER) {
		u64 other = pfn ^ (1UL << order);
		if (other >= buddy.nframes)
			break;
		const struct frame *b = &buddy.frames[other];
		if (!(b->flags & FRAME_FREE) || b->order != order)
			break;
		list_remove(other, order);
		pfn = MIN(pfn, other);
		order++;
	}
	list_push(pfn, order);
	spin_unlock(&buddy.lock);
}

void *page_alloc_zeroed_virt(void)
{
	paddr_t pa = page_alloc(0);
	if (!pa)
		return NULL;
	void *p = phys_to_virt(pa);
	memset(p, 0, PAGE_SIZE);
	return p;
}

struct frame *pa_to_frame(paddr_t pa)
{
	u64 pfn = pfn_of(pa);
	return pfn < buddy.nframes ? &buddy.frames[pfn] : NULL;
}

bool buddy_frame_is_free(paddr_t pa)
{
	u64 pfn = pfn_of(pa);
	if (pfn >= buddy.nframes)
		return false;
	unsigned o;
	spin_lock(&buddy.lock);
	bool free = free_block_containing(pfn, &o) != NIL_FRAME;
	spin_unlock(&buddy.lock);
	return free;
}

u64 buddy_free_pages(void)
{
	return __atomic_load_n(&buddy.free_pages, __ATOMIC_RELAXED);
}

u64 buddy_total_pages(void)
{
	return buddy.total_pages;
}

u64 buddy_meta_bytes(void)
{
	return buddy.meta_bytes;
}

/* Frames [start, end) are RAM: cut them into the largest aligned blocks. */
static __boot void add_free_frames(u64 start, u64 end)
{
	for (u64 pfn = start; pfn < end; pfn++)
		buddy.frames[pfn].flags = 0;
	while (start < end) {
		unsigned o = BUDDY_MAX_ORDER;
		while (o > 0 && (!IS_ALIGNED(start, 1UL << o) || start + (1UL << o) > end))
			o--;
		list_push(start, o);
		start += 1UL << o;
	}
}

/*
 * Where the frame array goes: the first usable piece below
 * BUDDY_META_LIMIT that holds it. If none does (terabytes of RAM and a
 * fragmented low 4 GiB), track only as many frames as the largest piece
 * can describe and leave the memory above unused, with a warning.
 */
static __boot bool place_metadata(const struct memmap *map, u64 nframes)
{
	u64 want = ALIGN_UP(nframes * sizeof(struct frame), PAGE_SIZE);
	paddr_t best = 0;
	u64 best_size = 0;
	for (int i = 0; i < map->n; i++) {
		paddr_t lo = map->range[i].base;
		if (lo >= BUDDY_META_LIMIT)
			break;
		u64 size = MIN(lo + map->range[i].size, BUDDY_META_LIMIT) - lo;
		if (size >= want) {
			best = lo;
			best_size = want;
			break;
		}
		if (size > best_size) {
			best = lo;
			best_size = size;
		}
	}
	if (best_size == 0)
		return false;
	if (best_size < want) {
		nframes = best_size / sizeof(struct frame);
		pr_warn("buddy: metadata for all RAM does not fit below %lu MiB; using only the "
			"first %lu MiB\n",
			BUDDY_META_LIMIT >> 20, (nframes << PAGE_SHIFT) >> 20);
	}
	buddy.nframes = nframes;
	buddy.meta_base = best;
	buddy.meta_bytes = ALIGN_UP(nframes * sizeof(struct frame), PAGE_SIZE);
	return true;
}

__boot void buddy_init(const struct memmap *map)
{
	buddy.lock = (struct spinlock)SPINLOCK_INIT;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		buddy.free_head[o] = NIL_FRAME;
	buddy.free_pages = buddy.total_pages = 0;
	buddy.nframes = buddy.meta_bytes = 0;
	buddy.frames = NULL;

	u64 nframes = MIN(pfn_of(map->top), BUDDY_MAX_FRAMES);
	if (!nframes) {
		pr_err("buddy: no usable memory\n");
		return;
	}
	if (!place_metadata(map, nframes)) {
		pr_err("buddy: no usable memory below %lu MiB for the frame array\n",
		       BUDDY_META_LIMIT >> 20);
		return;
	}
	buddy.frames = phys_to_virt(buddy.meta_base);
	memset(buddy.frames, 0, buddy.nframes * sizeof(struct frame));
	for (u64 pfn = 0; pfn < buddy.nframes; pfn++) {
		buddy.frames[pfn].flags = FRAME_RESERVED;
		buddy.frames[pfn].next = buddy.frames[pfn].prev = NIL_FRAME;
	}

	u64 meta_start = pfn_of(buddy.meta_base);
	u64 meta_end = meta_start + pfn_of(buddy.meta_bytes);
	for (int i = 0; i < map->n; i++) {
		u64 start = pfn_of(map->range[i].base);
		u64 end = MIN(pfn_of(map->range[i].base + map->range[i].size), buddy.nframes);
		if (start >= end)
			continue;
		/* The metadata sits at the start of one range: add what is around it. */
		if (meta_start < end && meta_end > start) {
			if (start < meta_start)
				add_free_frames(start, meta_start);
			if (meta_end < end)
				add_free_frames(meta_end, end);
		} else {
			add_free_frames(start, end);
		}
	}
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		for (u32 pfn = buddy.free_head[o]; pfn != NIL_FRAME; pfn = buddy.frames[pfn].next)
			buddy.total_pages += 1UL << o;
	buddy.free_pages = buddy.total_pages;
	pr_info("buddy: %lu frames tracked, %lu KiB of metadata at 0x%lx\n", buddy.nframes,
		buddy.meta_bytes >> 10, buddy.meta_base);
}
