/*
 * PCID tags for process domains (SDM 3A 4.10.1): each core keeps a small
 * cache saying which domain's TLB entries carry each tag, and how current
 * they are, so that switching domains need not flush the TLB. Pure
 * bookkeeping with no hardware access, one cache per core (invariant 4);
 * domain.c loads CR3 as it says, and tests/host/test_pcid.c checks it.
 *
 * A domain is named by its id (struct domain.id), never reused, not by
 * its address: a struct domain freed and allocated again is another
 * domain, whose first load under a tag must flush what the tag holds.
 */
#pragma once

#include "lib/types.h"

#define PCID_TAGS 16 /* tags 1..15 serve domains; 0 is the kernel root's (PCID_KERNEL) */

struct pcid_tag {
	u64 domain; /* [o] id of the domain whose entries carry this tag; 0: none */
	u64 gen;    /* [o] that domain's tlb_gen its entries are current to */
	u64 last;   /* [o] when this core last loaded the tag (LRU clock) */
};

struct pcid_cache {
	struct pcid_tag tag[PCID_TAGS]; /* [o] indexed by tag; tag[0] unused */
	u64 clock;                      /* [o] */
};

/*
 * The tag to load domain (id != 0) under, its tlb_gen being gen (read
 * after the core joined the domain's cpus; see domain_activate). *flush
 * says whether the load must drop the tag's entries: the tag is new to the
 * domain (a free tag, or the least recently used one taken from another
 * domain), or the domain's page tables changed since this core's entries
 * were last made current (gen moved on).
 */
u16 pcid_assign(struct pcid_cache *c, u64 domain, u64 gen, bool *flush);

/* The domain is gone: free its tag here (its next user flushes anyway). */
void pcid_forget(struct pcid_cache *c, u64 domain);
