/*
 * The lottery: a set of runnable entries, each holding some tickets, from
 * which a winner is drawn with probability tickets / total (Waldspurger &
 * Weihl, OSDI '94). Entries live in a treap whose nodes carry the ticket
 * sum of their subtree, so insert, remove and draw take O(log n) expected
 * time whatever the number of runnable tasks or ticket values.
 *
 * Pure data structure: no locking of its own; the run queue that embeds it
 * holds its lock around every call.
 */
#pragma once

#include "lib/types.h"
#include "lib/random.h"

struct lottery_node {
	struct lottery_node *left, *right;
	u64 key;     /* insertion order: keeps the treap a valid search tree */
	u64 sum;     /* tickets in this subtree */
	u32 prio;    /* random heap priority */
	u32 tickets; /* >= 1 */
};

struct lottery {
	struct lottery_node *root;
	u64 next_key;
	u64 count;
	struct rng rng; /* priorities and draws */
};

void lottery_init(struct lottery *l, u64 seed);
void lottery_insert(struct lottery *l, struct lottery_node *n, u32 tickets);
void lottery_remove(struct lottery *l, struct lottery_node *n);
/* Draw and remove a winner; NULL when empty. */
struct lottery_node *lottery_draw(struct lottery *l);

static inline u64 lottery_total(const struct lottery *l)
{
	return l->root ? l->root->sum : 0;
}
static inline u64 lottery_count(const struct lottery *l)
{
	return l->count;
}
