/*
 * Unit tests for split virtqueues (kernel/dev/virtq.c) against a simulated
 * device that writes the used ring: chains in and out, a full ring, ring
 * indices wrapping, completions out of order, and a misbehaving device
 * naming chains that are not in flight (refused, nothing corrupted).
 */
#include "dev/virtio.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define QSIZE 8

static struct virtq q;
static void *rings;
static u8 chain_len[QSIZE];
static volatile u16 doorbell = 0xffff;
static u16 used_idx; /* the device's */

static void setup(void)
{
	rings = aligned_alloc(4096, 4096);
	memset(rings, 0, 4096);
	memset(chain_len, 0, sizeof chain_len);
	ck_assert_uint_le(virtq_bytes(QSIZE), 4096);
	virtq_init(&q, 3, QSIZE, rings, chain_len);
	q.notify = &doorbell;
	used_idx = 0;
}

static void teardown(void)
{
	free(rings);
}

/* The device: report chain `id` done. */
static void dev_use(u32 id, u32 len)
{
	struct virtq_used_elem *e = (struct virtq_used_elem *)(q.used + 4) + (used_idx % QSIZE);
	e->id = id;
	e->len = len;
	used_idx++;
	*(volatile u16 *)(q.used + 2) = used_idx;
}

static int add(int n)
{
	struct virtq_buf b[QSIZE];
	for (int i = 0; i < n; i++)
		b[i] = (struct virtq_buf){0x1000 * (i + 1), 512, i == n - 1};
	return virtq_add(&q, b, n);
}

START_TEST(test_chain_in_and_out)
{
	int h = add(3);
	ck_assert_int_eq(h, 0);
	ck_assert_uint_eq(q.num_free, QSIZE - 3);
	ck_assert_uint_eq(q.avail[1], 1); /* idx */
	ck_assert_uint_eq(q.avail[2], 0); /* ring[0] */
	ck_assert_uint_eq(q.desc[0].flags, VIRTQ_DESC_F_NEXT);
	ck_assert_uint_eq(q.desc[q.desc[0].next].flags, VIRTQ_DESC_F_NEXT);
	u16 last = q.desc[q.desc[0].next].next;
	ck_assert_uint_eq(q.desc[last].flags, VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(q.desc[last].addr, 0x3000);
	virtq_kick(&q);
	ck_assert_uint_eq(doorbell, 3);
	u16 head;
	u32 len;
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), 0);
	dev_use(0, 513);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), 1);
	ck_assert_uint_eq(head, 0);
	ck_assert_uint_eq(len, 513);
	ck_assert_uint_eq(q.num_free, QSIZE);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), 0);
}
END_TEST

START_TEST(test_full_ring)
{
	ck_assert_int_ge(add(3), 0);
	ck_assert_int_ge(add(3), 0);
	ck_assert_int_eq(add(3), -1); /* 2 left */
	ck_assert_int_ge(add(2), 0);
	ck_assert_int_eq(add(1), -1);
	ck_assert_int_eq(add(0), -1);
}
END_TEST

START_TEST(test_wrap_out_of_order)
{
	/* Enough rounds for the 16-bit ring indices to wrap; newest completed first. */
	srand(1);
	for (int round = 0; round < 20000; round++) {
		int heads[QSIZE], n = 0;
		for (;;) {
			int len = 1 + rand() % 3;
			int h = add(len);
			if (h < 0)
				break;
			heads[n++] = h;
		}
		ck_assert_int_gt(n, 0);
		for (int i = n - 1; i >= 0; i--)
			dev_use((u32)heads[i], 0);
		for (int i = n - 1; i >= 0; i--) {
			u16 head;
			u32 len;
			ck_assert_int_eq(virtq_next_used(&q, &head, &len), 1);
			ck_assert_int_eq(head, heads[i]);
		}
		ck_assert_uint_eq(q.num_free, QSIZE);
	}
	ck_assert_int_ge(add(QSIZE), 0); /* the free list is whole */
}
END_TEST

START_TEST(test_bad_device)
{
	int h = add(2);
	u16 head;
	u32 len;
	dev_use(QSIZE + 5, 0); /* no such descriptor */
	dev_use(5, 0);	       /* a free descriptor, not a chain in flight */
	dev_use(h, 0);
	dev_use(h, 0); /* the same chain twice */
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), -1);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), -1);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), 1);
	ck_assert_int_eq(head, h);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), -1);
	ck_assert_int_eq(virtq_next_used(&q, &head, &len), 0);
	ck_assert_uint_eq(q.num_free, QSIZE);
	ck_assert_int_ge(add(QSIZE), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtq");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_chain_in_and_out);
	tcase_add_test(tc, test_full_ring);
	tcase_add_test(tc, test_wrap_out_of_order);
	tcase_add_test(tc, test_bad_device);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
