// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_get_regions() against rodp.ko's dump, played by fake_rodp.c: every
 * region reaches the callback, after the request, so a callback that asks
 * the library again on the same context does not deadlock on its lock;
 * a dump the kernel marks interrupted (NLM_F_DUMP_INTR) calls no callback
 * and returns EAGAIN, for the caller to ask again.
 *
 * A deadlock would hang the test: an alarm ends it instead, as a failure.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"
#include "fake_rodp.h"

static struct rodp_ctx *ctx;

struct seen {
	int n;
	uint64_t ids[8];
	int nested;		/* regions the nested dump saw */
	int nested_err;
};

static int count_cb(const struct rodp_region_info *info, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		s->ids[s->n] = info->id;
	s->n++;
	return 0;
}

/* The first callback asks for the dump again on the same context. */
static int nesting_cb(const struct rodp_region_info *info, void *arg)
{
	struct seen *s = arg, inner = { 0 };
	pthread_t t;

	if (!s->n++) {
		if (fake_serve(&t)) {
			s->nested_err = -1;
			return 1;
		}
		s->nested_err = rodp_get_regions(ctx, 0, count_cb, &inner);
		fake_join(t);
		s->nested = inner.n;
	}
	(void)info;
	return 0;
}

static int get_regions(rodp_region_cb cb, struct seen *s)
{
	pthread_t t;
	int err;

	if (fake_serve(&t))
		return -1;
	err = rodp_get_regions(ctx, 0, cb, s);
	fake_join(t);
	return err;
}

static void test_every_region_after_the_dump(void)
{
	struct seen s = { 0 };

	fake_dump_n = 3;
	fake_dump_intr = 0;
	CU_ASSERT_EQUAL(get_regions(count_cb, &s), 0);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(s.ids[0], fake_bind_region.id);
	CU_ASSERT_EQUAL(s.ids[2], fake_bind_region.id + 2);
}

static void test_callback_may_call_the_library(void)
{
	struct seen s = { 0 };

	fake_dump_n = 2;
	fake_dump_intr = 0;
	CU_ASSERT_EQUAL(get_regions(nesting_cb, &s), 0);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT_EQUAL(s.nested_err, 0);
	CU_ASSERT_EQUAL(s.nested, 2);
}

static void test_interrupted_dump_is_eagain(void)
{
	struct seen s = { 0 };

	fake_dump_n = 3;
	fake_dump_intr = 1;
	CU_ASSERT_EQUAL(get_regions(count_cb, &s), EAGAIN);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(),
				      "NLM_F_DUMP_INTR"));
	/* Asked again, the next dump is whole. */
	fake_dump_intr = 0;
	CU_ASSERT_EQUAL(get_regions(count_cb, &s), 0);
	CU_ASSERT_EQUAL(s.n, 3);
}

static int setup(void)
{
	fake_bind_region = (struct fake_region){
		.id = 500, .addr = 0x200000, .length = 8 * 4096, .access = 7,
		.device = "fake0", .twins = -1,
	};
	ctx = fake_ctx_open();
	return !ctx;
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_every_region_after_the_dump),
		RODP_TEST(test_callback_may_call_the_library),
		RODP_TEST(test_interrupted_dump_is_eagain),
	};
	int err = fake_rodp_init();

	if (err) {
		printf("SKIP: no generic netlink socket on this host (errno %d)\n",
		       err);
		return RODP_TEST_SKIP;
	}
	alarm(60);
	return rodp_cunit_run("regions_dump", setup, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
