/*
 * Lottery draws over a treap keyed by insertion order and heap-ordered by
 * random priorities; each node knows its subtree's ticket sum. Drawing a
 * number r below the total and walking down by subtree sums finds the
 * winner in O(depth), expected O(log n).
 */
#include "sched/lottery.h"
#include "lib/kernel.h"

void lottery_init(struct lottery *l, u64 seed)
{
	l->root = NULL;
	l->next_key = 0;
	l->count = 0;
	rng_seed(&l->rng, seed);
}

static inline u64 sum_of(const struct lottery_node *n)
{
	return n ? n->sum : 0;
}

static inline void update(struct lottery_node *n)
{
	n->sum = n->tickets + sum_of(n->left) + sum_of(n->right);
}

/* New keys are always the largest, so the node goes down the right spine. */
static struct lottery_node *insert(struct lottery_node *root, struct lottery_node *n)
{
	if (!root)
		return n;
	if (n->prio > root->prio) {
		/* n becomes this subtree's root: every key here is smaller. */
		n->left = root;
		update(n);
		return n;
	}
	root->right = insert(root->right, n);
	update(root);
	return root;
}

/* Join two treaps where every key of a is below every key of b. */
static struct lottery_node *merge(struct lottery_node *a, struct lottery_node *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->right = merge(a->right, b);
		update(a);
		return a;
	}
	b->left = merge(a, b->left);
	update(b);
	return b;
}

static struct lottery_node *remove_key(struct lottery_node *root, struct lottery_node *n,
				       bool *found)
{
	if (!root)
		return NULL;
	if (root == n) {
		*found = true;
		return merge(n->left, n->right);
	}
	if (n->key < root->key)
		root->left = remove_key(root->left, n, found);
	else
		root->right = remove_key(root->right, n, found);
	update(root);
	return root;
}

void lottery_insert(struct lottery *l, struct lottery_node *n, u32 tickets)
{
	assert(tickets >= 1);
	n->left = n->right = NULL;
	n->key = l->next_key++;
	n->tickets = tickets;
	n->sum = tickets;
	n->prio = (u32)rng_next(&l->rng);
	l->root = insert(l->root, n);
	l->count++;
}

void lottery_remove(struct lottery *l, struct lottery_node *n)
{
	bool found = false;
	l->root = remove_key(l->root, n, &found);
	assert(found);
	l->count--;
}

struct lottery_node *lottery_draw(struct lottery *l)
{
	struct lottery_node *n = l->root;
	if (!n)
		return NULL;
	if (!n->left && !n->right) {
		/* A lone holder wins every draw: no random number needed. */
		l->root = NULL;
		l->count--;
		return n;
	}
	u64 r = rng_below(&l->rng, n->sum);
	for (;;) {
		u64 left = sum_of(n->left);
		if (r < left) {
			n = n->left;
			continue;
		}
		r -= left;
		if (r < n->tickets)
			break;
		r -= n->tickets;
		n = n->right;
	}
	lottery_remove(l, n);
	return n;
}
