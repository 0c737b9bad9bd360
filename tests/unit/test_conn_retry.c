// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * "rodp.ko is absent" is remembered: the library's own connection is not
 * reopened (a generic netlink family dump) on every call, only after a
 * successful rodp_open() or once per RODP_ABSENT_RETRY_NS, read on a fake
 * clock here. The host has generic netlink but no rodp family, which is
 * exactly the machine without the module.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void test_decision(void)
{
	struct rodp_absent a = { 0 };

	/* Nothing known: try. */
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 5, 0));
	rodp_absent_note(&a, ENODEV, 1000, 7);
	CU_ASSERT_TRUE(rodp_absent_skip(&a, 1000, 7));
	CU_ASSERT_TRUE(rodp_absent_skip(&a, 1000 + RODP_ABSENT_RETRY_NS - 1, 7));
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 1000 + RODP_ABSENT_RETRY_NS, 7));
	/* A successful rodp_open() since: try at once. */
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 1001, 8));
	/* A clock that went back is not trusted to mean "recent". */
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 999, 7));
	/* Other failures say nothing about the module: not remembered. */
	rodp_absent_note(&a, ENOMEM, 2000, 7);
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 2000, 7));
	rodp_absent_note(&a, 0, 3000, 7);
	CU_ASSERT_FALSE(rodp_absent_skip(&a, 3000, 7));
}

static void test_absent_is_remembered(void)
{
	struct rodp_ctx *ctx = NULL;
	unsigned long first;
	int i;

	rodp_clock_ns = fake_clock;
	fake_now = 10 * RODP_ABSENT_RETRY_NS;
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	first = rodp_conn_attempts;
	CU_ASSERT_TRUE(first >= 1);

	for (i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "not loaded"));

	/* Just before the interval ends: still remembered. */
	fake_now += RODP_ABSENT_RETRY_NS - 1;
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first);
	/* Then one new attempt, and remembered again. */
	fake_now += 1;
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first + 1);
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first + 1);

	/* What a successful rodp_open() does: look again at once. */
	__atomic_fetch_add(&rodp_open_generation, 1, __ATOMIC_RELAXED);
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first + 2);
	CU_ASSERT_EQUAL(rodp_libconn(&ctx), ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first + 2);

	/* The event calls share the memory. */
	CU_ASSERT_EQUAL(rodp_get_event_fd(NULL), -1);
	CU_ASSERT_EQUAL(errno, ENODEV);
	CU_ASSERT_EQUAL(rodp_conn_attempts, first + 2);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_decision),
		RODP_TEST(test_absent_is_remembered),
	};
	struct rodp_ctx *c = rodp_open();

	if (c) {
		rodp_close(c);
		printf("SKIP: a rodp generic netlink family exists here\n");
		return RODP_TEST_SKIP;
	}
	if (errno != ENODEV) {
		printf("SKIP: no generic netlink here (rodp_open: %s)\n",
		       strerror(errno));
		return RODP_TEST_SKIP;
	}
	return rodp_cunit_run("conn_retry", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
