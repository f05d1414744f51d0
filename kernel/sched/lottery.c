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

/*
 * Down the key's path to n, each ancestor's sum losing n's tickets (what
 * the merge below keeps of n's subtree is exactly that less), then n's
 * children joined in its place: one pass, no recursion but the merge.
 */
void lottery_remove(struct lottery *l, struct lottery_node *n)
{
	struct lottery_node **link = &l->root;
	while (*link != n) {
		struct lottery_node *p = *link;
		assert(p); /* n is in this lottery */
		p->sum -= n->tickets;
		link = n->key < p->key ? &p->left : &p->right;
	}
	*link = merge(n->left, n->right);
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
