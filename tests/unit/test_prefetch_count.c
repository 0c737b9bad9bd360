// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_prefetch_mr() counts each call in its MR's statistics in the same
 * table visit as its plan, as the common outcome (ibv_advise_mr() of the
 * whole plan) would; any other outcome must be put right, so that the
 * statistics say what happened: advise success, advise refusal, a pinned
 * MR, a write prefetch of a read-only MR, nothing live.
 *
 * The provider is a stand-in: a verbs context whose advise_mr answers
 * what the test sets, with no device.
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

static int stub_advise(struct ibv_pd *pd, enum ibv_advise_mr_advice advice,
		       uint32_t flags, struct ibv_sge *sg, uint32_t n)
{
	(void)pd;
	(void)advice;
	(void)flags;
	(void)sg;
	(void)n;
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
	rodp_mr_insert(e);
	return e;
}

static void untrack(void)
{
	int err;

	rodp_mr_entry_free(rodp_mr_remove(&fake_mr, &err));
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

static void test_advise_refusal_put_right(void)
{
	struct rodp_mr_stats st;

	track(RODP_MR_ODP, IBV_ACCESS_LOCAL_WRITE);
	advise_answer = EFAULT;	/* and no rodp.ko to ask on the host */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, 2 * PAGE, 0), EFAULT);
	st = stats();
	CU_ASSERT_EQUAL(st.prefetch_calls, 1);
	CU_ASSERT_EQUAL(st.prefetch_advise, 0);	/* the guess is undone */
	CU_ASSERT_EQUAL(st.prefetch_bytes, 2 * PAGE);
	advise_answer = 0;
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

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_advise_success_counted_once),
		RODP_TEST(test_advise_refusal_put_right),
		RODP_TEST(test_no_advise_outcomes),
	};

	return rodp_cunit_run("prefetch_count", setup, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
