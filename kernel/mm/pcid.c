/* PCID tag caches: see pcid.h. No locks: each core touches only its own (invariant 4). */
#include "mm/pcid.h"
#include "lib/kernel.h"

u16 pcid_assign(struct pcid_cache *c, u64 domain, u64 gen, bool *flush)
{
	assert(domain != 0);
	u16 victim = 0;
	for (u16 t = 1; t < PCID_TAGS; t++) {
		struct pcid_tag *e = &c->tag[t];
		if (e->domain == domain) {
			/* Generations only grow; any change means a flush this core missed. */
			*flush = e->gen != gen;
			e->gen = gen;
			e->last = ++c->clock;
			return t;
		}
		/* A free tag, else the one loaded longest ago. */
		if (!victim ||
		    (c->tag[victim].domain && (!e->domain || e->last < c->tag[victim].last)))
			victim = t;
	}
	/* Whatever the tag held (a live domain evicted, a dead one, the boot's junk) goes. */
	struct pcid_tag *e = &c->tag[victim];
	e->domain = domain;
	e->gen = gen;
	e->last = ++c->clock;
	*flush = true;
	return victim;
}

void pcid_forget(struct pcid_cache *c, u64 domain)
{
	for (u16 t = 1; t < PCID_TAGS; t++) {
		if (c->tag[t].domain == domain) {
			c->tag[t].domain = 0;
			c->tag[t].gen = 0;
			c->tag[t].last = 0;
		}
	}
}
