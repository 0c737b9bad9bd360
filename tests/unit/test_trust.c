// SPDX-License-Identifier: GPL-2.0
/*
 * What rodp.ko trusts a driver with (kernel/rodp_trust.h), on the very
 * header the module compiles: downgrades only on rodp's own rdma_rxe,
 * and its own PREFETCH only on software devices.
 */
#include <stdbool.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../kernel/rodp_trust.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_trusted_rxe(void)
{
	/* kernel/rxe/patches/0006: MODULE_VERSION("rodp.5"). */
	CU_ASSERT_TRUE(rodp_driver_trusted("rdma_rxe", "rodp.5"));
	CU_ASSERT_TRUE(rodp_driver_trusted("rdma_rxe", "rodp.6"));
}

static void test_untrusted(void)
{
	/* The distribution's rdma_rxe has no MODULE_VERSION. */
	CU_ASSERT_FALSE(rodp_driver_trusted("rdma_rxe", NULL));
	CU_ASSERT_FALSE(rodp_driver_trusted("rdma_rxe", "1.0"));
	CU_ASSERT_FALSE(rodp_driver_trusted("rdma_rxe", "rodp"));
	CU_ASSERT_FALSE(rodp_driver_trusted("rdma_rxe", ""));
	/* Another driver with a look-alike version is not rxe. */
	CU_ASSERT_FALSE(rodp_driver_trusted("siw", "rodp.5"));
	CU_ASSERT_FALSE(rodp_driver_trusted("mlx5_ib", "rodp.5"));
	CU_ASSERT_FALSE(rodp_driver_trusted("rdma_rxe_x", "rodp.5"));
	/* A built-in driver has no owner module. */
	CU_ASSERT_FALSE(rodp_driver_trusted(NULL, "rodp.5"));
}

static void test_prefetch_offered(void)
{
	CU_ASSERT_TRUE(rodp_prefetch_offered(RODP_DEVICE_SOFTWARE));
	CU_ASSERT_FALSE(rodp_prefetch_offered(RODP_DEVICE_HARDWARE));
	CU_ASSERT_FALSE(rodp_prefetch_offered(RODP_DEVICE_HARDWARE + 1));
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_trusted_rxe),
		RODP_TEST(test_untrusted),
		RODP_TEST(test_prefetch_offered),
	};

	return rodp_cunit_run("trust", NULL, NULL, tests, ARRAY_SIZE(tests));
}
