// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp.ko's live set of a region (kernel/rodp_live.h), compiled here
 * unchanged over a small <linux/list.h> stand-in: what an UNMAP removes
 * and a device fault adds back, with node allocations that fail on
 * demand. The set may over-approximate but must never lose a byte, must
 * stay sorted, disjoint and not touching, must never leak a node, and an
 * empty set must always be able to grow again without allocating.
 */
#include <config.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cunit_run.h"

/* ---- the part of <linux/list.h> rodp_live.h uses ---- */
struct list_head {
	struct list_head *next, *prev;
};

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define list_entry(p, type, member) container_of(p, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_last_entry(h, type, member) list_entry((h)->prev, type, member)
#define list_next_entry(p, member) \
	list_entry((p)->member.next, __typeof__(*(p)), member)
#define list_for_each_entry(p, h, member) \
	for (p = list_first_entry(h, __typeof__(*p), member); \
	     &p->member != (h); p = list_next_entry(p, member))
#define list_for_each_entry_safe(p, n, h, member) \
	for (p = list_first_entry(h, __typeof__(*p), member), \
	     n = list_next_entry(p, member); &p->member != (h); \
	     p = n, n = list_next_entry(n, member))

static void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h->prev = h;
}

static void list_insert(struct list_head *n, struct list_head *prev,
			struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static void list_add(struct list_head *n, struct list_head *h)
{
	list_insert(n, h, h->next);
}

static void list_add_tail(struct list_head *n, struct list_head *h)
{
	list_insert(n, h->prev, h);
}

static void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = e->prev = NULL;
}

static bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static bool list_is_singular(const struct list_head *h)
{
	return !list_empty(h) && h->next == h->prev;
}

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))

/* ---- node allocation that fails on demand, and counts ---- */
struct rodp_range;
static int nodes_live;		/* allocated and not freed */
static bool fail_alloc;		/* the next allocations fail */
static int failed_allocs;	/* refused since the count was reset */

static struct rodp_range *rodp_live_new_node(void);
static void rodp_live_free_node(struct rodp_range *range);

#define RODP_LIVE_FUNCTIONS
#include "../../kernel/rodp_live.h"

static struct rodp_range *rodp_live_new_node(void)
{
	struct rodp_range *r;

	if (fail_alloc) {
		failed_allocs++;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		nodes_live++;
	return r;
}

static void rodp_live_free_node(struct rodp_range *range)
{
	nodes_live--;
	free(range);
}

#define P 0x1000UL
#define BASE 0x7f0000000000UL

static struct rodp_live live;

static void set_up(unsigned long npages)
{
	nodes_live = 0;
	fail_alloc = false;
	rodp_live_init(&live, rodp_live_new_node(), BASE,
		       BASE + npages * P - 1);
}

/* The set as "a-b,c-d" in page numbers from BASE. */
static const char *show(void)
{
	static char buf[512];
	struct rodp_range *r;
	size_t n = 0;

	buf[0] = '\0';
	list_for_each_entry(r, &live.ranges, node)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%lu-%lu",
				      n ? "," : "", (r->start - BASE) / P,
				      (r->last + 1 - BASE) / P - 1);
	return buf;
}

static int nr_ranges(void)
{
	struct rodp_range *r;
	int n = 0;

	list_for_each_entry(r, &live.ranges, node)
		n++;
	return n;
}

static enum rodp_live_change rm(unsigned long first, unsigned long last)
{
	return rodp_live_remove(&live, BASE + first * P,
				BASE + (last + 1) * P - 1);
}

static enum rodp_live_change add(unsigned long first, unsigned long last)
{
	return rodp_live_add(&live, BASE + first * P,
			     BASE + (last + 1) * P - 1);
}

/* Every node is on the list or the spare: none leaked, none lost. */
static void check_nodes(void)
{
	CU_ASSERT_EQUAL(nodes_live, nr_ranges() + (live.spare ? 1 : 0));
	if (list_empty(&live.ranges))
		CU_ASSERT_PTR_NOT_NULL(live.spare);
}

static void tear_down(void)
{
	rodp_live_destroy(&live);
	CU_ASSERT_EQUAL(nodes_live, 0);
}

static void test_shrink_and_die(void)
{
	set_up(8);
	CU_ASSERT_EQUAL(rm(2, 4), RODP_LIVE_SHRUNK);
	CU_ASSERT_STRING_EQUAL(show(), "0-1,5-7");
	CU_ASSERT_EQUAL(rm(2, 4), RODP_LIVE_SAME);
	CU_ASSERT_EQUAL(rm(0, 0), RODP_LIVE_SHRUNK);
	CU_ASSERT_STRING_EQUAL(show(), "1-1,5-7");
	CU_ASSERT_EQUAL(rm(0, 7), RODP_LIVE_EMPTY);
	CU_ASSERT_STRING_EQUAL(show(), "");
	check_nodes();
	tear_down();
}

/* A dead region grows again even when no memory can be had. */
static void test_grow_from_empty_without_memory(void)
{
	set_up(8);
	CU_ASSERT_EQUAL(rm(0, 7), RODP_LIVE_EMPTY);
	fail_alloc = true;
	CU_ASSERT_EQUAL(add(3, 3), RODP_LIVE_GREW);
	CU_ASSERT_STRING_EQUAL(show(), "3-3");
	check_nodes();
	tear_down();
}

static void test_grow_merges(void)
{
	set_up(16);
	CU_ASSERT_EQUAL(rm(0, 15), RODP_LIVE_EMPTY);
	CU_ASSERT_EQUAL(add(4, 5), RODP_LIVE_GREW);
	CU_ASSERT_EQUAL(add(10, 10), RODP_LIVE_GREW);
	CU_ASSERT_EQUAL(add(0, 0), RODP_LIVE_GREW);	/* before all */
	CU_ASSERT_STRING_EQUAL(show(), "0-0,4-5,10-10");
	CU_ASSERT_EQUAL(add(4, 4), RODP_LIVE_SAME);	/* already live */
	CU_ASSERT_EQUAL(add(6, 6), RODP_LIVE_GREW);	/* touching: joined */
	CU_ASSERT_STRING_EQUAL(show(), "0-0,4-6,10-10");
	CU_ASSERT_EQUAL(add(7, 9), RODP_LIVE_GREW);	/* bridges two */
	CU_ASSERT_STRING_EQUAL(show(), "0-0,4-10");
	CU_ASSERT_EQUAL(add(1, 15), RODP_LIVE_GREW);
	CU_ASSERT_STRING_EQUAL(show(), "0-15");
	check_nodes();
	tear_down();
}

/* Without memory: a split keeps the range, a lone add covers the gap. */
static void test_no_memory_over_approximates(void)
{
	set_up(32);
	fail_alloc = true;
	CU_ASSERT_EQUAL(rm(4, 5), RODP_LIVE_SAME);
	CU_ASSERT_STRING_EQUAL(show(), "0-31");
	fail_alloc = false;
	CU_ASSERT_EQUAL(rm(4, 5), RODP_LIVE_SHRUNK);
	CU_ASSERT_EQUAL(rm(8, 9), RODP_LIVE_SHRUNK);
	CU_ASSERT_EQUAL(rm(12, 31), RODP_LIVE_SHRUNK);
	CU_ASSERT_STRING_EQUAL(show(), "0-3,6-7,10-11");
	CU_ASSERT_PTR_NULL(live.spare);
	check_nodes();
	fail_alloc = true;
	CU_ASSERT_EQUAL(add(20, 20), RODP_LIVE_GREW);
	CU_ASSERT_STRING_EQUAL(show(), "0-20");
	check_nodes();
	tear_down();
}

/*
 * Random removes and adds of page ranges against a bitmap model, with
 * allocations failing at random: the set always covers every live page,
 * equals the model while no allocation has failed, and keeps its shape.
 */
#define NPAGES 64

static void check_against(const bool *model, bool exact)
{
	struct rodp_range *r, *prev = NULL;
	bool in[NPAGES] = { false };
	unsigned long p;
	int i;

	list_for_each_entry(r, &live.ranges, node) {
		CU_ASSERT_FATAL(r->start <= r->last);
		CU_ASSERT((r->start - BASE) % P == 0);
		CU_ASSERT((r->last + 1 - BASE) % P == 0);
		if (prev)
			CU_ASSERT(prev->last + 1 < r->start);
		for (p = (r->start - BASE) / P; p <= (r->last - BASE) / P; p++)
			in[p] = true;
		prev = r;
	}
	for (i = 0; i < NPAGES; i++) {
		if (model[i])
			CU_ASSERT(in[i]);
		if (exact)
			CU_ASSERT_EQUAL(in[i], model[i]);
	}
	check_nodes();
}

static void test_random_against_model(void)
{
	unsigned long a, b, t, i;
	int round, step, exact_rounds = 0;
	bool model[NPAGES];

	srand(15);
	for (round = 0; round < 500; round++) {
		set_up(NPAGES);
		failed_allocs = 0;
		for (i = 0; i < NPAGES; i++)
			model[i] = true;
		for (step = 0; step < 100; step++) {
			a = (unsigned long)rand() % NPAGES;
			b = (unsigned long)rand() % NPAGES;
			if (a > b) {
				t = a;
				a = b;
				b = t;
			}
			/* Fewer failures in half the rounds: some stay exact. */
			fail_alloc = round % 2 && rand() % 16 == 0;
			if (rand() % 2) {
				rm(a, b);
				for (i = a; i <= b; i++)
					model[i] = false;
			} else {
				add(a, b);
				for (i = a; i <= b; i++)
					model[i] = true;
			}
			fail_alloc = false;
			check_against(model, failed_allocs == 0);
		}
		exact_rounds += failed_allocs == 0;
		tear_down();
	}
	printf("\n    500 rounds of 100 operations, %d without a failed allocation",
	       exact_rounds);
	CU_ASSERT(exact_rounds > 100 && exact_rounds < 500);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_shrink_and_die),
		RODP_TEST(test_grow_from_empty_without_memory),
		RODP_TEST(test_grow_merges),
		RODP_TEST(test_no_memory_over_approximates),
		RODP_TEST(test_random_against_model),
	};

	return rodp_cunit_run("live_set", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
