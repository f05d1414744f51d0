/* Unit tests for the lottery treap (kernel/sched/lottery.c). */
#include <check.h>
#include <stdlib.h>
#include "sched/lottery.h"

/* Walk the treap: search order, heap order and subtree sums all hold. */
static uint64_t check_tree(const struct lottery_node *n, uint64_t lo, uint64_t hi, uint64_t *count)
{
	if (!n)
		return 0;
	ck_assert_uint_ge(n->key, lo);
	ck_assert_uint_lt(n->key, hi);
	if (n->left)
		ck_assert_uint_le(n->left->prio, n->prio);
	if (n->right)
		ck_assert_uint_le(n->right->prio, n->prio);
	uint64_t sum = n->tickets + check_tree(n->left, lo, n->key, count) +
		       check_tree(n->right, n->key + 1, hi, count);
	ck_assert_uint_eq(sum, n->sum);
	(*count)++;
	return sum;
}

static void check_lottery(const struct lottery *l)
{
	uint64_t count = 0;
	uint64_t sum = check_tree(l->root, 0, UINT64_MAX, &count);
	ck_assert_uint_eq(sum, lottery_total(l));
	ck_assert_uint_eq(count, lottery_count(l));
}

START_TEST(test_empty_draw_is_null)
{
	struct lottery l;
	lottery_init(&l, 1);
	ck_assert_ptr_null(lottery_draw(&l));
	ck_assert_uint_eq(lottery_total(&l), 0);
}
END_TEST

START_TEST(test_share_two_to_one)
{
	struct lottery l;
	struct lottery_node a, b;
	lottery_init(&l, 12345);
	lottery_insert(&l, &a, 100);
	lottery_insert(&l, &b, 50);
	int wins_a = 0, wins_b = 0;
	for (int i = 0; i < 10000; i++) {
		struct lottery_node *w = lottery_draw(&l);
		ck_assert_ptr_nonnull(w);
		if (w == &a)
			wins_a++;
		else
			wins_b++;
		lottery_insert(&l, w, w == &a ? 100 : 50); /* always runnable */
	}
	double ratio = (double)wins_a / wins_b;
	ck_assert_msg(ratio > 1.85 && ratio < 2.15, "ratio %f", ratio);
}
END_TEST

START_TEST(test_shares_many_ticket_values)
{
	enum { N = 8 };
	struct lottery l;
	struct lottery_node nodes[N];
	uint32_t tickets[N] = {1, 3, 10, 100, 101, 127, 1000, 5000};
	long wins[N] = {0};
	uint64_t total = 0;
	lottery_init(&l, 777);
	for (int i = 0; i < N; i++) {
		lottery_insert(&l, &nodes[i], tickets[i]);
		total += tickets[i];
	}
	const long draws = 2000000;
	for (long d = 0; d < draws; d++) {
		struct lottery_node *w = lottery_draw(&l);
		int i = (int)(w - nodes);
		wins[i]++;
		lottery_insert(&l, w, tickets[i]);
	}
	for (int i = 0; i < N; i++) {
		double expect = (double)draws * tickets[i] / total;
		double tol = 5 * __builtin_sqrt(expect) + 2;
		ck_assert_msg(wins[i] > expect - tol && wins[i] < expect + tol,
			      "tickets %u: %ld wins, expected %.0f", tickets[i], wins[i], expect);
	}
}
END_TEST

START_TEST(test_many_inserts_and_removes_keep_invariants)
{
	enum { N = 100000 };
	struct lottery l;
	struct lottery_node *nodes = calloc(N, sizeof *nodes);
	char *in = calloc(N, 1);
	lottery_init(&l, 3);
	srand(5);
	for (int round = 0; round < 4 * N; round++) {
		int i = rand() % N;
		if (in[i]) {
			lottery_remove(&l, &nodes[i]);
			in[i] = 0;
		} else {
			lottery_insert(&l, &nodes[i], 1 + rand() % 1000);
			in[i] = 1;
		}
		if (round % 50000 == 0)
			check_lottery(&l);
	}
	check_lottery(&l);
	uint64_t left = lottery_count(&l);
	for (uint64_t k = 0; k < left; k++)
		ck_assert_ptr_nonnull(lottery_draw(&l));
	ck_assert_ptr_null(lottery_draw(&l));
	ck_assert_uint_eq(lottery_total(&l), 0);
	free(nodes);
	free(in);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lottery");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty_draw_is_null);
	tcase_add_test(tc, test_share_two_to_one);
	tcase_add_test(tc, test_shares_many_ticket_values);
	tcase_add_test(tc, test_many_inserts_and_removes_keep_invariants);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
