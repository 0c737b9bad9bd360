// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_prefetch_mr() counts each call in its MR's statistics in the same
 * table visit as its plan, as the common outcome (ibv_advise_mr() of the
 * whole plan) would; any other outcome must be put right, so that the
 * statistics say what happened: advise success, advise refusal, a pinned
 * MR, a write prefetch of a read-only MR, nothing live.
 *
 * The plan itself: what reaches ibv_advise_mr() for a range that is live
 * as a whole (the fast plan) and for one that is not (the general one).
 *
 * The provider is a stand-in: a verbs context whose advise_mr answers
 * what the test sets and keeps the SGEs it was given, with no device.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define PAGE 4096UL

static char buf[16 * PAGE] __attribute__((aligned(4096)));
static struct verbs_context vctx;
static struct ibv_pd fake_pd;
static struct ibv_mr fake_mr;
static int advise_answer;
static unsigned int advise_calls;
static struct ibv_sge advised[8];
static uint32_t nadvised;

static int stub_advise(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		       uint32_t flags, struct ibv_sge *sg, uint32_t n)
{
	(void)pd;
	(void)advice;
	(void)flags;
	nadvised = n < 8 ? n : 8;
	memcpy(advised, sg, nadvised * sizeof(*sg));
	advise_calls++;
	return advise_answer;
}

static struct rodp_mr_entry *track(uint32_t flags, unsigned int access)
{
	struct rodp_mr_entry *e = calloc(1, sizeof(*e));

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	e->mr = &fake_mr;
	e->context = fake_mr.context;
	e->addr = fake_mr.addr;
	e->length = fake_mr.length;
	e->lkey = fake_mr.lkey;
	e->pid = getpid();
	e->access = access;
	e->flags = flags;
	rodp_mr_insert(rodp_thread(), e);
	return e;
}

static void untrack(void)
{
	int err;

	rodp_mr_entry_free(rodp_thread(), rodp_mr_remove(&fake_mr, &err));
}

static struct rodp_mr_stats stats(void)
{
	struct rodp_mr_stats st;

	memset(&st, 0, sizeof(st));
	CU_ASSERT_EQUAL(rodp_get_mr_stats(&fake_mr, &st, sizeof(st)), 0);
	return st;
}

static int setup(void)
{
	vctx.sz = sizeof(vctx);
	vctx.context.abi_compat = __VERBS_ABI_IS_EXTENDED;
	vctx.advise_mr = stub_advise;
	fake_pd.context = &vctx.context;
	fake_mr.pd = &fake_pd;
	fake_mr.context = &vctx.context;
	fake_mr.addr = buf;
	fake_mr.length = sizeof(buf);
	fake_mr.lkey = 0x77;
	return 0;
}

/* On the host rodp.ko is absent: rodp_get_mr_stats() of an ODP MR
 * answers 0 with RODP_MR_NO_MODULE and the library's counters. */

static void test_advise_success_counted_once(void)
{
	struct rodp_mr_stats st;

	track(RODP_MR_ODP, IBV_ACCESS_LOCAL_WRITE);
	advise_answer = 0;
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, 4 * PAGE,
					 RODP_PREFETCH_F_WRITE), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + PAGE, PAGE, 0), 0);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_calls, 2);
	CU_ASSERT_EQUAL(st.prefetch_advise, 2);
	CU_ASSERT_EQUAL(st.prefetch_shim, 0);
	CU_ASSERT_EQUAL(st.prefetch_bytes, 5 * PAGE);
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, 0);
	untrack();
}

static struct rodp_lib_stats lib_stats(void)
{
	struct rodp_lib_stats ls;

	CU_ASSERT_EQUAL(rodp_get_lib_stats(&ls, sizeof(ls)), 0);
	return ls;
}

static void test_advise_refusal_put_right(void)
{
	struct rodp_lib_stats l0 = lib_stats(), l1;
	struct rodp_mr_stats st;

	track(RODP_MR_ODP, IBV_ACCESS_LOCAL_WRITE);
	advise_answer = EFAULT;	/* and no rodp.ko to ask on the host */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, 2 * PAGE, 0), EFAULT);
	st = stats();
	/* The fast path's guess and the general path's are both undone:
	 * one call, nothing advised. */
	CU_ASSERT_EQUAL(st.prefetch_calls, 1);
	CU_ASSERT_EQUAL(st.prefetch_advise, 0);
	CU_ASSERT_EQUAL(st.prefetch_bytes, 2 * PAGE);
	l1 = lib_stats();
	CU_ASSERT_EQUAL(l1.prefetch_calls - l0.prefetch_calls, 1);
	CU_ASSERT_EQUAL(l1.prefetch_advise - l0.prefetch_advise, 0);
	CU_ASSERT_EQUAL(l1.prefetch_errors - l0.prefetch_errors, 1);
	CU_ASSERT_EQUAL(l1.prefetch_sges - l0.prefetch_sges, 0);
	advise_answer = 0;
	/* And a success after it is the fast path's, counted once. */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE, 0), 0);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_calls, 2);
	CU_ASSERT_EQUAL(st.prefetch_advise, 1);
	CU_ASSERT_EQUAL(st.prefetch_bytes, 3 * PAGE);
	l0 = lib_stats();
	CU_ASSERT_EQUAL(l0.prefetch_calls - l1.prefetch_calls, 1);
	CU_ASSERT_EQUAL(l0.prefetch_advise - l1.prefetch_advise, 1);
	CU_ASSERT_EQUAL(l0.prefetch_sges - l1.prefetch_sges, 1);
	untrack();
}

static void test_no_advise_outcomes(void)
{
	unsigned int before = advise_calls;
	struct rodp_mr_stats st;

	/* Pinned: nothing to do, the call is counted. */
	track(RODP_MR_PINNED_FALLBACK, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE, 0), 0);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_calls, 1);
	CU_ASSERT_EQUAL(st.prefetch_advise + st.prefetch_bytes, 0);
	untrack();

	/* A write prefetch of a read-only MR is refused. */
	track(RODP_MR_ODP, 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE,
					 RODP_PREFETCH_F_WRITE), EPERM);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_calls, 1);
	CU_ASSERT_EQUAL(st.prefetch_advise + st.prefetch_bytes, 0);
	untrack();
	CU_ASSERT_EQUAL(advise_calls, before);
}

/* Sets the MR's live ranges, as an event would; n pairs of page offsets. */
static void set_live(const unsigned int (*pages)[2], uint32_t n)
{
	struct rodp_range *r = calloc(n ? n : 1, sizeof(*r));
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (i = 0; i < n; i++) {
		r[i].start = (uintptr_t)buf + pages[i][0] * PAGE;
		r[i].length = (pages[i][1] - pages[i][0]) * PAGE;
	}
	CU_ASSERT_EQUAL(rodp_mr_set_live(&fake_mr, r, n), 0);
}

/* One SGE [first, last) in pages was advised, with the MR's lkey. */
static void assert_one_sge(unsigned int first, unsigned int last)
{
	CU_ASSERT_EQUAL(nadvised, 1);
	CU_ASSERT_EQUAL(advised[0].addr, (uintptr_t)buf + first * PAGE);
	CU_ASSERT_EQUAL(advised[0].length, (last - first) * PAGE);
	CU_ASSERT_EQUAL(advised[0].lkey, fake_mr.lkey);
}

static void test_plan_whole_and_general(void)
{
	static const unsigned int all[][2] = { { 0, 16 } };
	static const unsigned int half[][2] = { { 4, 12 } };
	static const unsigned int two[][2] = { { 0, 2 }, { 6, 16 } };
	struct rodp_mr_stats st;

	track(RODP_MR_ODP, IBV_ACCESS_LOCAL_WRITE);
	advise_answer = 0;
	/* Live set unknown: all of it, as asked (unaligned too). */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 3 * PAGE, 5 * PAGE, 0), 0);
	assert_one_sge(3, 8);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 10, 100, 0), 0);
	CU_ASSERT_EQUAL(nadvised, 1);
	CU_ASSERT_EQUAL(advised[0].addr, (uintptr_t)buf + 10);
	CU_ASSERT_EQUAL(advised[0].length, 100);
	/* One live range holding the request. */
	set_live(all, 1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, 16 * PAGE, 0), 0);
	assert_one_sge(0, 16);
	/* One live range holding only part of it: the live part only. */
	set_live(half, 1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 2 * PAGE, 4 * PAGE, 0), 0);
	assert_one_sge(4, 6);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 10 * PAGE, 6 * PAGE, 0), 0);
	assert_one_sge(10, 12);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 4 * PAGE, 8 * PAGE, 0), 0);
	assert_one_sge(4, 12);
	/* Two live ranges: each live piece its own SGE. */
	set_live(two, 2);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + PAGE, 7 * PAGE, 0), 0);
	CU_ASSERT_EQUAL(nadvised, 2);
	CU_ASSERT_EQUAL(advised[0].addr, (uintptr_t)buf + PAGE);
	CU_ASSERT_EQUAL(advised[0].length, PAGE);
	CU_ASSERT_EQUAL(advised[1].addr, (uintptr_t)buf + 6 * PAGE);
	CU_ASSERT_EQUAL(advised[1].length, 2 * PAGE);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_advise, 7);
	/* Dead pages: 2, 4 and 0 of the half-live requests, 4 of the last. */
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, 10 * PAGE);
	untrack();
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_advise_success_counted_once),
		RODP_TEST(test_advise_refusal_put_right),
		RODP_TEST(test_no_advise_outcomes),
		RODP_TEST(test_plan_whole_and_general),
	};

	return rodp_cunit_run("prefetch_count", setup, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
