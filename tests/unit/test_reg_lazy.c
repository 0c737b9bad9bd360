// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Registration stays off netlink: rodp_reg_mr() of an ODP MR makes no
 * attempt to reach rodp.ko while nobody listens for events (the bind is
 * put off until something needs the region), and its library-side work
 * (capabilities, checks, the table entry) is reused from one
 * registration to the next.
 *
 * The verbs calls are stand-ins (fake_verbs.c): the library is linked
 * statically into this program, so its ibv_reg_mr_iova2() and
 * ibv_dereg_mr() references resolve to them, with no device.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"
#include "fake_verbs.h"

static char buf[65536];

static void test_no_netlink_while_nobody_listens(void)
{
	unsigned long attempts = rodp_conn_attempts;
	unsigned long queries = rodp_caps_queries;
	struct rodp_lib_stats l0, l1;
	struct ibv_mr *mr;
	int i;

	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	for (i = 0; i < 100; i++) {
		mr = rodp_reg_mr(&fake_pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE |
				 IBV_ACCESS_REMOTE_WRITE, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
		CU_ASSERT_TRUE(fake_last_access & IBV_ACCESS_ON_DEMAND);
		CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 1);
		CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	}
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(fake_verbs_regs, 100);
	CU_ASSERT_EQUAL(l1.reg_odp - l0.reg_odp, 100);
	/* No bind tried, no connection to rodp.ko attempted. */
	CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed,
			l0.bind_ok + l0.bind_failed);
	CU_ASSERT_EQUAL(rodp_conn_attempts, attempts);
	/* One device query for the context, whatever the count. */
	CU_ASSERT_TRUE(rodp_caps_queries - queries <= 1);
	CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_no_netlink_while_nobody_listens),
	};

	fake_verbs_init();
	rodp_caps_query = fake_odp_rc_query;
	return rodp_cunit_run("reg_lazy", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
