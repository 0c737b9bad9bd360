// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * librodp on a device without On-Demand Paging: Debian trixie's own 6.12
 * kernel, whose rdma_rxe has no ODP (rxe ODP came in 6.15). A registration
 * that needs ODP fails with EOPNOTSUPP and says the device has none; one
 * that only prefers ODP gets a pinned MR. tests/vm/check-guest runs it on
 * that kernel (tests/vm/run --kernel trixie-6.12 --stock-rxe --no-rodp):
 * a device that does report ODP fails the test, since then it proves
 * nothing.
 */
#include <config.h>

#include "lib_test.h"

#define LEN (4 * 4096UL)

static void test_device_has_no_odp(void)
{
	struct ibv_device_attr_ex attr;

	memset(&attr, 0, sizeof(attr));
	CU_ASSERT_EQUAL_FATAL(ibv_query_device_ex(dev_ctx, NULL, &attr), 0);
	printf("\n    %s: odp_caps.general_caps 0x%llx\n", dev_name,
	       (unsigned long long)attr.odp_caps.general_caps);
	CU_ASSERT_FALSE(attr.odp_caps.general_caps & IBV_ODP_SUPPORT);
}

static void test_odp_required_is_refused_with_the_reason(void)
{
	char *buf = lt_map(LEN);
	char want[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(pd, buf, LEN, LT_RW, 0));
	CU_ASSERT_EQUAL(errno, EOPNOTSUPP);
	printf("    rodp_reg_mr: %s\n", rodp_last_error_msg());
	snprintf(want, sizeof(want), "%s: the device has no On-Demand Paging",
		 dev_name);
	CU_ASSERT_STRING_EQUAL(rodp_last_error_msg(), want);
	munmap(buf, LEN);
}

static void test_odp_preferred_falls_back_to_pinned(void)
{
	char *buf = lt_map(LEN);
	struct ibv_mr *mr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, LEN, LT_RW, RODP_REG_ODP_PREFERRED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, LEN);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_device_has_no_odp),
		RODP_TEST(test_odp_required_is_refused_with_the_reason),
		RODP_TEST(test_odp_preferred_falls_back_to_pinned),
	};

	LT_RUN("lib_noodp", tests, 0);
}
