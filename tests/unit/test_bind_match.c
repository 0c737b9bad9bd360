// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The check that makes binding exact (lib/libconn.c): the region rodp.ko
 * offers for an MR is accepted only when its device, range and access
 * flags are the MR's own. Each field that differs alone must refuse it;
 * optional access flags the kernel may drop must not.
 */
#include <config.h>

#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define ADDR 0x7f0000001000ULL
#define LEN 0x10000ULL
#define ACC (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
	     IBV_ACCESS_REMOTE_READ | IBV_ACCESS_ON_DEMAND)

static struct rodp_region_info offer(void)
{
	struct rodp_region_info i;

	memset(&i, 0, sizeof(i));
	i.id = 9;
	i.addr = ADDR;
	i.length = LEN;
	i.access = ACC;
	strcpy(i.device, "rxe0");
	return i;
}

static void test_own_region_accepted(void)
{
	struct rodp_region_info i = offer();

	CU_ASSERT_TRUE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
	/* Relaxed ordering is optional: a kernel may drop it. */
	CU_ASSERT_TRUE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN,
						ACC | (1u << 20)));
}

static void test_same_buffer_other_device(void)
{
	struct rodp_region_info i = offer();

	strcpy(i.device, "rxe1");
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
	/* A prefix is not the same name. */
	strcpy(i.device, "rxe01");
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
}

static void test_overlapping_plain_mr(void)
{
	struct rodp_region_info i = offer();

	/* A plain ODP MR over the same range with other flags. */
	i.access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_ON_DEMAND;
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
	/* One that covers more than the MR. */
	i = offer();
	i.length = 2 * LEN;
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
	i = offer();
	i.addr = ADDR - 0x1000;
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN, ACC));
	/* Pinned vs ODP differ in a mandatory bit. */
	i = offer();
	CU_ASSERT_FALSE(rodp_bind_region_matches(&i, "rxe0", ADDR, LEN,
						 ACC & ~IBV_ACCESS_ON_DEMAND));
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_own_region_accepted),
		RODP_TEST(test_same_buffer_other_device),
		RODP_TEST(test_overlapping_plain_mr),
	};

	return rodp_cunit_run("bind_match", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
