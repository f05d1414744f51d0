/*
 * Split virtqueues (virtio spec 1.1 section 2.6): the ring layout, adding
 * descriptor chains and collecting used ones. No hardware access beyond
 * the doorbell pointer and no allocation, so the host tests drive it with
 * a simulated device. A queue is used under its driver's lock.
 *
 * x86 keeps stores in order and loads in order, so the barriers the spec
 * asks for (section 2.6.13) are compiler barriers (atomic acquire/release)
 * plus one full fence before the doorbell.
 */
#include "dev/virtio.h"
#include "lib/string.h"

/* Layout of section 2.6: descriptors (16-aligned), driver ring (2), device ring (4). */
size_t virtq_avail_offset(u16 size)
{
	return 16UL * size;
}

size_t virtq_used_offset(u16 size)
{
	return ALIGN_UP(virtq_avail_offset(size) + 6 + 2UL * size, 4);
}

size_t virtq_bytes(u16 size)
{
	return virtq_used_offset(size) + 6 + 8UL * size;
}

void virtq_init(struct virtq *q, u16 index, u16 size, void *rings, u8 *chain_len)
{
	u8 *base = rings;
	*q = (struct virtq){
	    .size = size,
	    .index = index,
	    .desc = (struct virtq_desc *)base,
	    .avail = (volatile u16 *)(base + virtq_avail_offset(size)),
	    .used = base + virtq_used_offset(size),
	    .free_head = 0,
	    .num_free = size,
	    .chain_len = chain_len,
	};
	for (u16 i = 0; i < size; i++)
		q->desc[i].next = (u16)(i + 1);
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, int n)
{
	if (n <= 0 || n > q->num_free)
		return -1;
	u16 head = q->free_head, i = head;
	for (int k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];
		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (u16)((bufs[k].write ? VIRTQ_DESC_F_WRITE : 0) |
				 (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		i = d->next;
	}
	q->free_head = i;
	q->num_free -= (u16)n;
	q->chain_len[head] = (u8)n;
	/* Driver ring: ring[idx % size] = head, then publish idx (section 2.6.13). */
	q->avail[2 + (q->avail_idx & (q->size - 1))] = head;
	q->avail_idx++;
	__atomic_store_n(&q->avail[1], q->avail_idx, __ATOMIC_RELEASE);
	return head;
}

void virtq_kick(struct virtq *q)
{
	/* The new idx must be visible before the device looks (section 2.6.13.6). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*q->notify = q->index;
}

int virtq_next_used(struct virtq *q, u16 *head, u32 *len)
{
	u16 idx = __atomic_load_n((volatile u16 *)(q->used + 2), __ATOMIC_ACQUIRE);
	if (idx == q->last_used)
		return 0;
	volatile struct virtq_used_elem *e =
	    (volatile struct virtq_used_elem *)(q->used + 4) + (q->last_used & (q->size - 1));
	u32 id = e->id;
	*len = e->len;
	q->last_used++;
	if (id >= q->size || !q->chain_len[id])
		return -1;
	/* Free the chain: our own descriptor table links it (the device does not write it). */
	u16 n = q->chain_len[id], tail = (u16)id;
	for (u16 k = 1; k < n; k++)
		tail = q->desc[tail].next;
	q->desc[tail].next = q->free_head;
	q->free_head = (u16)id;
	q->num_free += n;
	q->chain_len[id] = 0;
	*head = (u16)id;
	return 1;
}
