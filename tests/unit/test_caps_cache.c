// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The per-context cache of device attributes (lib/caps_cache.c): one
 * query per context however often it is asked, each context its own
 * answer, a context address reused by another device queried afresh, a
 * failed query not cached, and threads that race on a cold cache query it
 * once; a thread's remembered registration check answers only for the
 * device it was made on. The device query is a fake that stamps the
 * attributes with the device it was asked about; the last two devices
 * have no ODP.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define NCTX 20

static struct ibv_device devs[NCTX];
static struct ibv_context ctxs[NCTX];
static unsigned long fake_queries;	/* under the cache's own lock */
static int fake_fail;

static int fake_query(struct ibv_context *ctx, struct ibv_device_attr_ex *a)
{
	fake_queries++;
	if (fake_fail)
		return EIO;
	/* Which device answered, readable from the copy. */
	a->orig_attr.vendor_part_id = (uint32_t)(ctx->device - devs);
	if (ctx->device - devs < NCTX - 2)
		a->odp_caps.general_caps = IBV_ODP_SUPPORT;
	a->odp_caps.per_transport_caps.rc_odp_caps = ~0u;
	return 0;
}

static int setup(void)
{
	int i;

	for (i = 0; i < NCTX; i++) {
		snprintf(devs[i].name, sizeof(devs[i].name), "fake%d", i);
		ctxs[i].device = &devs[i];
	}
	rodp_caps_query = fake_query;
	return 0;
}

static uint32_t who(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex a;

	memset(&a, 0xee, sizeof(a));
	if (rodp_caps_get(ctx, &a))
		return UINT32_MAX;
	return a.orig_attr.vendor_part_id;
}

static void test_one_query_per_context(void)
{
	unsigned long q0 = fake_queries;
	int i;

	for (i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL(who(&ctxs[0]), 0);
		CU_ASSERT_EQUAL(who(&ctxs[1]), 1);
	}
	CU_ASSERT_EQUAL(fake_queries, q0 + 2);
	CU_ASSERT_EQUAL(rodp_caps_queries, fake_queries);
}

static void test_reused_address_requeried(void)
{
	unsigned long q0;

	CU_ASSERT_EQUAL(who(&ctxs[2]), 2);
	q0 = fake_queries;
	/* ibv_close_device() and a new context of another device at the
	 * same address. */
	ctxs[2].device = &devs[3];
	CU_ASSERT_EQUAL(who(&ctxs[2]), 3);
	CU_ASSERT_EQUAL(fake_queries, q0 + 1);
	CU_ASSERT_EQUAL(who(&ctxs[2]), 3);
	CU_ASSERT_EQUAL(fake_queries, q0 + 1);
	/* Same device struct, renamed (removed and re-added): afresh. */
	snprintf(devs[3].name, sizeof(devs[3].name), "renamed");
	CU_ASSERT_EQUAL(who(&ctxs[2]), 3);
	CU_ASSERT_EQUAL(fake_queries, q0 + 2);
	ctxs[2].device = &devs[2];
}

static void test_failure_not_cached(void)
{
	unsigned long q0 = fake_queries;

	fake_fail = 1;
	CU_ASSERT_EQUAL(who(&ctxs[4]), UINT32_MAX);
	CU_ASSERT_EQUAL(who(&ctxs[4]), UINT32_MAX);
	fake_fail = 0;
	CU_ASSERT_EQUAL(who(&ctxs[4]), 4);
	CU_ASSERT_EQUAL(who(&ctxs[4]), 4);
	CU_ASSERT_EQUAL(fake_queries, q0 + 3);
}

static void test_many_contexts_still_right(void)
{
	int round, i;

	/* More contexts than slots: evictions cost queries, never a wrong
	 * answer. */
	for (round = 0; round < 3; round++)
		for (i = 0; i < NCTX; i++)
			CU_ASSERT_EQUAL(who(&ctxs[i]), (uint32_t)i);
}

static void *racer(void *arg)
{
	long bad = 0;
	int i;

	(void)arg;
	for (i = 0; i < 20000; i++)
		bad += who(&ctxs[10 + i % 2]) != (uint32_t)(10 + i % 2);
	return (void *)bad;
}

static void test_threads_query_once(void)
{
	pthread_t t[4];
	unsigned long q0;
	void *bad;
	int i;

	/* Cold entries for 10 and 11: evict everything by filling. */
	for (i = 0; i < NCTX; i++)
		if (i != 10 && i != 11)
			who(&ctxs[i]);
	ctxs[10].device = &devs[10];
	devs[10].name[0] = 'x';	/* make any cached 10/11 stale */
	devs[11].name[0] = 'x';
	q0 = fake_queries;
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, racer, NULL), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		CU_ASSERT_PTR_NULL(bad);
	}
	CU_ASSERT_EQUAL(fake_queries, q0 + 2);
}

static int reg_check(struct ibv_context *ctx)
{
	char msg[200];
	int qerr;

	return rodp_caps_reg_check(rodp_thread(), ctx, IBV_ACCESS_LOCAL_WRITE,
				   0, msg, sizeof(msg), &qerr);
}

static void test_reg_memo_follows_device(void)
{
	struct ibv_context *c = &ctxs[5];
	unsigned long q0;
	int i;

	CU_ASSERT_EQUAL(reg_check(c), 0);
	q0 = fake_queries;
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(reg_check(c), 0);
	CU_ASSERT_EQUAL(fake_queries, q0);
	/* Another device, without ODP, at the context's address: the
	 * thread's remembered acceptance must not answer for it. */
	c->device = &devs[NCTX - 1];
	CU_ASSERT_EQUAL(reg_check(c), EOPNOTSUPP);
	CU_ASSERT_EQUAL(fake_queries, q0 + 1);
	c->device = &devs[5];
	CU_ASSERT_EQUAL(reg_check(c), 0);
	/* The same device struct renamed (removed, another added in its
	 * memory): asked again, not answered from memory. */
	q0 = fake_queries;
	snprintf(devs[5].name, sizeof(devs[5].name), "other5");
	CU_ASSERT_EQUAL(reg_check(c), 0);
	CU_ASSERT_EQUAL(fake_queries, q0 + 1);
	/* Other flags are decided, not taken from memory. */
	CU_ASSERT_EQUAL(rodp_caps_reg_check(rodp_thread(), c,
					    IBV_ACCESS_LOCAL_WRITE, 0x40,
					    (char[200]){ 0 }, 200, &i), EINVAL);
	snprintf(devs[5].name, sizeof(devs[5].name), "fake5");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_one_query_per_context),
		RODP_TEST(test_reused_address_requeried),
		RODP_TEST(test_failure_not_cached),
		RODP_TEST(test_many_contexts_still_right),
		RODP_TEST(test_threads_query_once),
		RODP_TEST(test_reg_memo_follows_device),
	};

	return rodp_cunit_run("caps_cache", setup, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
