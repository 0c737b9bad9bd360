// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_prefetch_plan(): the live part of a range cut into SGEs. */
#include <config.h>

#include <stdint.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define GiB (1ULL << 30)

static void test_all_live_small(void)
{
	struct rodp_range out[4];
	uint64_t dead = 99;

	CU_ASSERT_EQUAL(rodp_prefetch_plan(0x1000, 0x3000, NULL, 0,
					   RODP_SGE_MAX_LEN, out, 4, &dead), 1);
	CU_ASSERT_EQUAL(out[0].start, 0x1000);
	CU_ASSERT_EQUAL(out[0].length, 0x3000);
	CU_ASSERT_EQUAL(dead, 0);
}

static void test_split_long_range(void)
{
	struct rodp_range out[8];
	uint64_t dead;
	size_t n;

	/* 3.5 GiB: three full SGEs and a half, each within 32 bits. */
	n = rodp_prefetch_plan(0x10000, 3 * GiB + GiB / 2, NULL, 0,
			       RODP_SGE_MAX_LEN, out, 8, &dead);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(out[0].length, GiB);
	CU_ASSERT_EQUAL(out[1].start, 0x10000 + GiB);
	CU_ASSERT_EQUAL(out[3].start, 0x10000 + 3 * GiB);
	CU_ASSERT_EQUAL(out[3].length, GiB / 2);
	CU_ASSERT_TRUE(out[0].length <= UINT32_MAX);
}

static void test_count_only_and_overflowing_out(void)
{
	struct rodp_range out[2];
	uint64_t dead;

	/* Asking with no room still says how many there are. */
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0, 10 * GiB, NULL, 0, GiB, NULL, 0,
					   &dead), 10);
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0, 10 * GiB, NULL, 0, GiB, out, 2,
					   &dead), 10);
	CU_ASSERT_EQUAL(out[1].start, GiB);
}

static void test_dead_ranges_skipped(void)
{
	/* Unsorted, as rodp.ko's list may be: the table normalises it
	 * when it arrives, never on the prefetch path. */
	struct rodp_range live[] = {
		{ 0xc000, 0x4000 }, { 0x0000, 0x4000 },
	};
	struct rodp_range out[4];
	uint64_t dead;

	CU_ASSERT_EQUAL(rodp_ranges_normalise(live, 2), 2);
	CU_ASSERT_EQUAL(live[0].start, 0);

	CU_ASSERT_EQUAL(rodp_prefetch_plan(0, 0x10000, live, 2, GiB, out, 4,
					   &dead), 2);
	CU_ASSERT_EQUAL(out[0].start, 0);
	CU_ASSERT_EQUAL(out[0].length, 0x4000);
	CU_ASSERT_EQUAL(out[1].start, 0xc000);
	CU_ASSERT_EQUAL(out[1].length, 0x4000);
	CU_ASSERT_EQUAL(dead, 0x8000);

	/* A request inside the hole has nothing live. */
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0x5000, 0x1000, live, 2, GiB, out,
					   4, &dead), 0);
	CU_ASSERT_EQUAL(dead, 0x1000);

	/* Clipped at both ends. */
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0x2000, 0xc000, live, 2, GiB, out,
					   4, &dead), 2);
	CU_ASSERT_EQUAL(out[0].start, 0x2000);
	CU_ASSERT_EQUAL(out[0].length, 0x2000);
	CU_ASSERT_EQUAL(out[1].start, 0xc000);
	CU_ASSERT_EQUAL(out[1].length, 0x2000);
	CU_ASSERT_EQUAL(dead, 0x8000);
}

static void test_dead_region(void)
{
	const struct rodp_range none[1] = { { 0, 0 } };
	uint64_t dead;

	CU_ASSERT_EQUAL(rodp_prefetch_plan(0x1000, 0x1000, none, 0, GiB, NULL,
					   0, &dead), 0);
	CU_ASSERT_EQUAL(dead, 0x1000);
}

static void test_overlapping_and_wrapping_ranges(void)
{
	/* Never sent by rodp.ko, but a hostile or buggy reply must not
	 * make the library prefetch a byte twice or overflow. */
	struct rodp_range live[] = {
		{ UINT64_MAX - 0xfff, 0x2000 }, { 0x1000, 0x3000 },
		{ 0x0000, 0x3000 }, { 0x9000, 0 },
	};
	struct rodp_range out[4];
	uint64_t dead;
	size_t n, nlive;

	/* Merged into one, the wrap saturated, the empty one dropped. */
	nlive = rodp_ranges_normalise(live, 4);
	CU_ASSERT_EQUAL(nlive, 2);
	CU_ASSERT_EQUAL(live[0].start, 0);
	CU_ASSERT_EQUAL(live[0].length, 0x4000);
	CU_ASSERT_EQUAL(live[1].start, UINT64_MAX - 0xfff);
	CU_ASSERT_EQUAL(live[1].length, 0xfff);	/* end saturated */

	n = rodp_prefetch_plan(0, 0x8000, live, nlive, GiB, out, 4, &dead);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(out[0].start, 0);
	CU_ASSERT_EQUAL(out[0].length, 0x4000);
	CU_ASSERT_EQUAL(dead, 0x4000);
}

static void test_huge_length_counted_arithmetically(void)
{
	struct rodp_range out[2];
	uint64_t dead;

	/* 2^63 bytes is 2^33 SGEs of 1 GiB: counted, not walked (a loop
	 * over them would take minutes), and only two written. */
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0, 1ULL << 63, NULL, 0, GiB, out,
					   2, &dead), (size_t)1 << 33);
	CU_ASSERT_EQUAL(out[1].start, GiB);
	CU_ASSERT_EQUAL(out[1].length, GiB);
	/* To the very top of the address space. */
	CU_ASSERT_EQUAL(rodp_prefetch_plan(0, UINT64_MAX, NULL, 0, GiB, NULL,
					   0, &dead), (size_t)1 << 34);
}

static void test_many_live_ranges_searched(void)
{
	static struct rodp_range live[10000];
	struct rodp_range out[4];
	uint64_t dead;
	size_t i;

	/* Every other page live: a request near the end finds its range
	 * by binary search and sees exactly the pages it covers. */
	for (i = 0; i < 10000; i++) {
		live[i].start = i * 0x2000;
		live[i].length = 0x1000;
	}
	CU_ASSERT_EQUAL(rodp_prefetch_plan(9997 * 0x2000 + 0x800, 0x3000, live,
					   10000, GiB, out, 4, &dead), 2);
	CU_ASSERT_EQUAL(out[0].start, 9997 * 0x2000 + 0x800);
	CU_ASSERT_EQUAL(out[0].length, 0x800);
	CU_ASSERT_EQUAL(out[1].start, 9998 * 0x2000);
	CU_ASSERT_EQUAL(out[1].length, 0x1000);
	CU_ASSERT_EQUAL(dead, 0x1800);
}

static void test_live_segment_split(void)
{
	const struct rodp_range live[] = { { 0, 3 * GiB } };
	struct rodp_range out[4];
	uint64_t dead;

	CU_ASSERT_EQUAL(rodp_prefetch_plan(GiB / 2, 2 * GiB, live, 1,
					   RODP_SGE_MAX_LEN, out, 4, &dead), 2);
	CU_ASSERT_EQUAL(out[0].start, GiB / 2);
	CU_ASSERT_EQUAL(out[0].length, GiB);
	CU_ASSERT_EQUAL(out[1].length, GiB);
	CU_ASSERT_EQUAL(dead, 0);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_all_live_small),
		RODP_TEST(test_split_long_range),
		RODP_TEST(test_count_only_and_overflowing_out),
		RODP_TEST(test_dead_ranges_skipped),
		RODP_TEST(test_dead_region),
		RODP_TEST(test_overlapping_and_wrapping_ranges),
		RODP_TEST(test_live_segment_split),
		RODP_TEST(test_huge_length_counted_arithmetically),
		RODP_TEST(test_many_live_ranges_searched),
	};

	return rodp_cunit_run("prefetch_plan", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
