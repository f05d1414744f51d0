/*
 * Packet buffers (pkb.h): kmalloc'd blocks counted against one global
 * limit, an eighth of RAM (at least 4 MiB, at most 256 MiB). The count
 * is an atomic: allocation and free take no lock.
 */
#include "dev/pkb.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/kheap.h"

static u64 in_use; /* [a] bytes of live pkbs */
static u64 limit;  /* [a] set on first use */

u64 pkb_limit(void)
{
	u64 l = __atomic_load_n(&limit, __ATOMIC_RELAXED);
	if (!l) {
		l = buddy_total_pages() * PAGE_SIZE / 8;
		l = MAX(l, 4UL << 20);
		l = MIN(l, 256UL << 20);
		__atomic_store_n(&limit, l, __ATOMIC_RELAXED);
	}
	return l;
}

/* What kmalloc really takes for n bytes: its size class or its buddy block. */
static u32 alloc_size(u32 n)
{
	u32 s = 16;
	while (s < n)
		s <<= 1;
	return s < PAGE_SIZE && n > 2048 ? PAGE_SIZE : s;
}

struct pkb *pkb_alloc(u32 headroom, u32 len)
{
	u32 cap = headroom + len;
	if (cap < len || cap > (1u << 20))
		return NULL;
	u32 size = alloc_size((u32)sizeof(struct pkb) + cap);
	if (__atomic_add_fetch(&in_use, size, __ATOMIC_RELAXED) > pkb_limit()) {
		__atomic_sub_fetch(&in_use, size, __ATOMIC_RELAXED);
		return NULL;
	}
	struct pkb *p = kmalloc(size);
	if (!p) {
		__atomic_sub_fetch(&in_use, size, __ATOMIC_RELAXED);
		return NULL;
	}
	p->node = (struct list_node){0};
	p->cap = size - (u32)sizeof(struct pkb);
	p->truesize = size;
	p->data = p->buf + headroom;
	p->len = len;
	p->ifindex = 0;
	p->src = p->dst = 0;
	p->sport = p->dport = 0;
	p->proto = p->ttl = p->tos = p->flags = 0;
	p->nh = NULL;
	return p;
}

void pkb_free(struct pkb *p)
{
	if (!p)
		return;
	__atomic_sub_fetch(&in_use, p->truesize, __ATOMIC_RELAXED);
	kfree(p);
}

void pkb_free_list(struct list_node *head)
{
	while (!list_empty(head))
		pkb_free(container_of(list_pop_front(head), struct pkb, node));
}

u64 pkb_bytes_in_use(void)
{
	return __atomic_load_n(&in_use, __ATOMIC_RELAXED);
}
