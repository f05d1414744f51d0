/*
 * Unit tests for the PCID tag caches (kernel/mm/pcid.c), and a model of
 * domain.c's protocol around them (tlb_gen bumped before d->cpus is read;
 * d->cpus joined before tlb_gen is read) run under random interleavings
 * of several cores, checking that no core ever runs a domain on TLB
 * entries older than a shootdown that has completed. QEMU's TCG has no
 * PCIDs and Bochs ignores the CR3 no-flush hint, so this is where a
 * missing flush can be seen. Mutants of the protocol must be caught.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "mm/pcid.h"

/* ---- the cache on its own ---- */

START_TEST(test_first_load_flushes_then_not)
{
	struct pcid_cache c;
	memset(&c, 0, sizeof c);
	bool flush;
	u16 t = pcid_assign(&c, 7, 0, &flush);
	ck_assert(t >= 1 && t < PCID_TAGS);
	ck_assert(flush);
	ck_assert_uint_eq(pcid_assign(&c, 7, 0, &flush), t);
	ck_assert(!flush);
	/* Its page tables changed while it was away: flush once, then not. */
	ck_assert_uint_eq(pcid_assign(&c, 7, 3, &flush), t);
	ck_assert(flush);
	ck_assert_uint_eq(pcid_assign(&c, 7, 3, &flush), t);
	ck_assert(!flush);
}
END_TEST

START_TEST(test_tags_distinct_and_never_zero)
{
	struct pcid_cache c;
	memset(&c, 0, sizeof c);
	bool seen[PCID_TAGS] = {0}, flush;
	for (u64 id = 1; id < PCID_TAGS; id++) {
		u16 t = pcid_assign(&c, id, 0, &flush);
		ck_assert(flush);
		ck_assert(t != 0 && t < PCID_TAGS);
		ck_assert(!seen[t]);
		seen[t] = true;
	}
	/* All 15 domains still hold their tags. */
	for (u64 id = 1; id < PCID_TAGS; id++) {
		pcid_assign(&c, id, 0, &flush);
		ck_assert(!flush);
	}
}
END_TEST

START_TEST(test_lru_eviction_flushes_newcomer_and_victim)
{
	struct pcid_cache c;
	memset(&c, 0, sizeof c);
	bool flush;
	u16 tag_of[PCID_TAGS + 1];
	for (u64 id = 1; id < PCID_TAGS; id++)
		tag_of[id] = pcid_assign(&c, id, 0, &flush);
	/* Touch all but domain 1: it is the least recently loaded. */
	for (u64 id = 2; id < PCID_TAGS; id++)
		pcid_assign(&c, id, 0, &flush);
	u16 t = pcid_assign(&c, 100, 0, &flush);
	ck_assert(flush);
	ck_assert_uint_eq(t, tag_of[1]);
	/* Domain 1 comes back: another tag, flushed (the victim is now 2, the oldest). */
	u16 t1 = pcid_assign(&c, 1, 0, &flush);
	ck_assert(flush);
	ck_assert_uint_eq(t1, tag_of[2]);
}
END_TEST

START_TEST(test_dead_domain_tag_reused_with_flush)
{
	struct pcid_cache c;
	memset(&c, 0, sizeof c);
	bool flush;
	u16 t = pcid_assign(&c, 5, 9, &flush);
	pcid_forget(&c, 5);
	/* The freed tag goes to the next newcomer (ids are never reused), which flushes. */
	u16 t2 = pcid_assign(&c, 6, 9, &flush);
	ck_assert_uint_eq(t2, t);
	ck_assert(flush);
	/* A domain killed elsewhere leaves its tag named by a dead id: still a flush for others. */
	memset(&c, 0, sizeof c);
	for (u64 id = 1; id < PCID_TAGS; id++)
		pcid_assign(&c, id, 0, &flush);
	for (u64 id = PCID_TAGS; id < 4 * PCID_TAGS; id++) {
		pcid_assign(&c, id, 0, &flush);
		ck_assert(flush);
	}
}
END_TEST

/* ---- the protocol, modelled step by step ---- */

#define NCORES 3
#define NDOMS 20 /* more than the 15 tags: eviction happens */
#define NPAGES 2 /* ranged shootdowns flush one page, full ones all */

enum mutant {
	M_NONE,
	M_GEN_BEFORE_JOIN,    /* activation reads tlb_gen before setting its cpus bit */
	M_CPUS_BEFORE_BUMP,   /* a request reads cpus before bumping tlb_gen */
	M_NO_GEN,             /* activation ignores tlb_gen (a hit never flushes) */
	M_GEN_AT_ANSWER,      /* a core records the request's generation when it answers */
	M_NO_FORGET_NEW_ID,   /* a reborn domain keeps its dead predecessor's id */
};

struct mdom {
	bool alive, dying;
	u64 id, gen, cpus;
	u64 ver[NPAGES];       /* PTE version of each page (a global counter) */
	u64 committed[NPAGES]; /* newest version a completed shootdown guarantees */
	int busy;              /* activations and requests in progress on it */
};

struct mtlb {
	u64 id;
	u64 ver[NPAGES]; /* entries under the tag were made with at least these versions */
};

struct msg {
	int dom;
	u64 id, gen;
	int page; /* -1: every page */
	bool drop;
	int from;
};

enum { IDLE, ACT_JOINED, ACT_READ, REQ_CHANGED, REQ_BUMPED, REQ_WAIT };

struct mcore {
	struct pcid_cache cache;
	struct mtlb tlb[PCID_TAGS];
	int loaded; /* domain index, -1: kernel root */
	u16 tag;
	int state;
	int dom;  /* the activation's or request's domain */
	u64 gen;  /* read by the activation, or the request's bump */
	int page; /* the request's page, -1: all */
	bool drop;
	u64 targets;
	int pending;
	u64 req_ver[NPAGES];
	struct msg inbox[64];
	int ninbox;
};

struct model {
	struct mdom d[NDOMS];
	struct mcore c[NCORES];
	u64 next_id, next_ver;
	enum mutant mut;
	unsigned seed;
	bool violated;
};

static unsigned rnd(struct model *m, unsigned n)
{
	m->seed = m->seed * 1103515245u + 12345u;
	return (m->seed >> 8) % n;
}

static void dom_create(struct model *m, int i)
{
	struct mdom *d = &m->d[i];
	u64 old = d->id;
	memset(d, 0, sizeof *d);
	d->alive = true;
	d->id = m->mut == M_NO_FORGET_NEW_ID && old ? old : m->next_id++;
	for (int p = 0; p < NPAGES; p++)
		d->ver[p] = d->committed[p] = ++m->next_ver;
}

static void tlb_flush(struct model *m, struct mcore *c, int page)
{
	struct mdom *d = &m->d[c->loaded];
	for (int p = 0; p < NPAGES; p++)
		if (page < 0 || p == page)
			c->tlb[c->tag].ver[p] = d->ver[p];
}

/* A core running user code in its loaded domain: every entry must be current. */
static void check_running(struct model *m, struct mcore *c)
{
	if (c->loaded < 0 || c->state == ACT_JOINED || c->state == ACT_READ)
		return;
	struct mdom *d = &m->d[c->loaded];
	struct mtlb *t = &c->tlb[c->tag];
	if (t->id != d->id)
		m->violated = true;
	for (int p = 0; p < NPAGES; p++)
		if (t->ver[p] < d->committed[p])
			m->violated = true;
}

/* The shootdown IPI handler (tlb_shootdown_poll). */
static void serve_inbox(struct model *m, int me)
{
	struct mcore *c = &m->c[me];
	for (int k = 0; k < c->ninbox; k++) {
		struct msg *s = &c->inbox[k];
		if (c->loaded == s->dom && m->d[s->dom].id == s->id) {
			if (s->drop) {
				c->loaded = -1;
				pcid_forget(&c->cache, s->id);
			} else {
				tlb_flush(m, c, s->page);
				if (m->mut == M_GEN_AT_ANSWER)
					c->cache.tag[c->tag].gen = s->gen;
			}
		}
		m->c[s->from].pending--;
	}
	c->ninbox = 0;
}

static void leave(struct model *m, struct mcore *c, int me)
{
	if (c->loaded >= 0)
		m->d[c->loaded].cpus &= ~(1UL << me);
	c->loaded = -1;
}

static void step_activate(struct model *m, int me)
{
	struct mcore *c = &m->c[me];
	struct mdom *d = &m->d[c->dom];
	switch (c->state) {
	case IDLE: /* chosen by the caller: c->dom set */
		if (m->mut == M_GEN_BEFORE_JOIN) {
			c->gen = d->gen;
			c->state = ACT_READ;
			return;
		}
		leave(m, c, me);
		d->cpus |= 1UL << me; /* step a */
		c->state = ACT_JOINED;
		return;
	case ACT_JOINED:
		c->gen = d->gen; /* step b */
		c->state = ACT_READ;
		return;
	case ACT_READ: { /* step c */
		if (m->mut == M_GEN_BEFORE_JOIN) {
			leave(m, c, me);
			d->cpus |= 1UL << me;
		}
		bool flush;
		u16 tag = pcid_assign(&c->cache, d->id, m->mut == M_NO_GEN ? 0 : c->gen, &flush);
		c->loaded = c->dom;
		c->tag = tag;
		if (flush) {
			c->tlb[tag].id = d->id;
			tlb_flush(m, c, -1);
		}
		c->state = IDLE;
		d->busy--;
		return;
	}
	}
}

static void post(struct model *m, int me, int to, struct msg s)
{
	struct mcore *t = &m->c[to];
	ck_assert_int_lt(t->ninbox, 64);
	t->inbox[t->ninbox++] = s;
}

static void step_request(struct model *m, int me)
{
	struct mcore *c = &m->c[me];
	struct mdom *d = &m->d[c->dom];
	switch (c->state) {
	case IDLE: /* step 1: change the PTEs (none for a drop) */
		for (int p = 0; p < NPAGES; p++) {
			c->req_ver[p] = 0; /* pages out of range: nothing promised */
			if (!c->drop && (c->page < 0 || p == c->page))
				c->req_ver[p] = d->ver[p] = ++m->next_ver;
		}
		if (c->drop) {
			/* domain_put: this core leaves and forgets the domain first. */
			if (c->loaded == c->dom)
				leave(m, c, me);
			pcid_forget(&c->cache, d->id);
		}
		c->state = REQ_CHANGED;
		return;
	case REQ_CHANGED:
		if (m->mut == M_CPUS_BEFORE_BUMP) {
			c->targets = d->cpus & ~(1UL << me);
			c->state = REQ_BUMPED;
			return;
		}
		c->gen = ++d->gen; /* step 2 */
		c->state = REQ_BUMPED;
		return;
	case REQ_BUMPED: /* step 3 */
		if (m->mut == M_CPUS_BEFORE_BUMP)
			c->gen = ++d->gen;
		else
			c->targets = d->cpus & ~(1UL << me);
		if (c->loaded == c->dom && !c->drop)
			tlb_flush(m, c, c->page);
		c->pending = 0;
		for (int i = 0; i < NCORES; i++) {
			if (c->targets & (1UL << i)) {
				post(m, me, i, (struct msg){c->dom, d->id, c->gen, c->page, c->drop, me});
				c->pending++;
			}
		}
		c->state = REQ_WAIT;
		return;
	case REQ_WAIT: /* serve our own inbox while waiting (invariant 4) */
		serve_inbox(m, me);
		if (c->pending)
			return;
		for (int p = 0; p < NPAGES; p++)
			if (d->committed[p] < c->req_ver[p])
				d->committed[p] = c->req_ver[p];
		d->busy--;
		c->state = IDLE;
		if (c->drop) {
			d->alive = false;
			d->dying = false;
		}
		return;
	}
}

static void step(struct model *m)
{
	int me = (int)rnd(m, NCORES);
	struct mcore *c = &m->c[me];
	if (c->state == ACT_JOINED || c->state == ACT_READ) {
		step_activate(m, me); /* interrupts off: nothing else on this core */
		return;
	}
	if (c->state != IDLE) {
		step_request(m, me);
		return;
	}
	/* Half the time one of three busy domains, so that cores contend on them. */
	int i = (int)(rnd(m, 2) ? rnd(m, 3) : rnd(m, NDOMS));
	struct mdom *d = &m->d[i];
	switch (rnd(m, 8)) {
	case 0:
	case 1:
	case 2: /* run a thread of domain i here */
		if (!d->alive || d->dying || c->loaded == i)
			return;
		c->dom = i;
		d->busy++;
		step_activate(m, me);
		return;
	case 3: /* a fault, munmap or mprotect in domain i: ranged or full shootdown */
	case 4:
		if (!d->alive || d->dying)
			return;
		c->dom = i;
		c->page = (int)rnd(m, NPAGES + 1) - 1;
		c->drop = false;
		d->busy++;
		step_request(m, me);
		return;
	case 5: /* domain i's last thread exits: domain_put */
		if (d->alive && !d->dying && !d->busy && !rnd(m, 4)) {
			d->dying = true;
			c->dom = i;
			c->page = -1;
			c->drop = true;
			d->busy++;
			step_request(m, me);
		} else if (!d->alive && !d->busy) {
			dom_create(m, i);
		}
		return;
	case 6: /* the thread blocks and the core goes idle on the kernel root */
		if (!rnd(m, 4))
			leave(m, c, me);
		return;
	case 7:
		serve_inbox(m, me);
		return;
	}
}

/* Random runs; true if any of them broke the rule. */
static bool run_model(enum mutant mut, int runs, int steps)
{
	for (int r = 0; r < runs; r++) {
		static struct model m;
		memset(&m, 0, sizeof m);
		m.mut = mut;
		m.seed = 12345u + (unsigned)r * 7919u;
		m.next_id = 1;
		for (int i = 0; i < NCORES; i++)
			m.c[i].loaded = -1;
		for (int i = 0; i < NDOMS; i++)
			dom_create(&m, i);
		for (int s = 0; s < steps && !m.violated; s++) {
			step(&m);
			for (int i = 0; i < NCORES; i++)
				check_running(&m, &m.c[i]);
		}
		if (m.violated)
			return true;
	}
	return false;
}

START_TEST(test_protocol_holds)
{
	ck_assert_msg(!run_model(M_NONE, 300, 20000), "a core ran on a stale TLB entry");
}
END_TEST

static const char *const mutant_names[] = {
	[M_GEN_BEFORE_JOIN] = "generation read before joining cpus",
	[M_CPUS_BEFORE_BUMP] = "cpus read before the generation bump",
	[M_NO_GEN] = "generation ignored",
	[M_GEN_AT_ANSWER] = "generation recorded at a ranged answer",
	[M_NO_FORGET_NEW_ID] = "domain id reused",
};

START_TEST(test_mutants_caught)
{
	enum mutant mut = (enum mutant)(_i + 1);
	ck_assert_msg(run_model(mut, 300, 20000), "mutant not caught: %s", mutant_names[mut]);
}
END_TEST

static Suite *pcid_suite(void)
{
	Suite *s = suite_create("pcid");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_first_load_flushes_then_not);
	tcase_add_test(tc, test_tags_distinct_and_never_zero);
	tcase_add_test(tc, test_lru_eviction_flushes_newcomer_and_victim);
	tcase_add_test(tc, test_dead_domain_tag_reused_with_flush);
	tcase_add_test(tc, test_protocol_holds);
	tcase_add_loop_test(tc, test_mutants_caught, 0, M_NO_FORGET_NEW_ID);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pcid_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
