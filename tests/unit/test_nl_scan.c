// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The kernel-address scanner of the netlink fuzzer (tests/func/nl_raw.c):
 * it finds an address in a u64 attribute, in a nest and in text, and does
 * not cry wolf over U64_MAX policy bounds, negative error codes or u32
 * fields that sit side by side. */
#include <config.h>

#include <string.h>

#include "../cunit_run.h"
#include "../func/nl_raw.h"

static unsigned char buf[512];
static size_t off;

static void put_u64(uint16_t type, uint64_t v)
{
	CU_ASSERT_FATAL(nl_raw_put(buf, sizeof(buf), &off, type, &v, 8));
}

static void put_u32(uint16_t type, uint32_t v)
{
	CU_ASSERT_FATAL(nl_raw_put(buf, sizeof(buf), &off, type, &v, 4));
}

static void reset(void)
{
	memset(buf, 0, sizeof(buf));
	off = 0;
}

static void test_finds_direct_map_and_text_addresses(void)
{
	reset();
	put_u32(1, 7);
	put_u64(2, 0xffff888004a3c000ULL);
	CU_ASSERT_EQUAL(nl_raw_scan_attrs(buf, off), 8 + 4);

	reset();
	put_u64(2, 0xffffffff81000000ULL);
	CU_ASSERT_EQUAL(nl_raw_scan_attrs(buf, off), 4);
}

static void test_finds_address_in_nest(void)
{
	unsigned char nest[64];
	size_t in = 0;
	uint64_t v = 0xffffc90000123000ULL;	/* vmalloc */

	reset();
	CU_ASSERT_FATAL(nl_raw_put(nest, sizeof(nest), &in, 3, &v, 8));
	CU_ASSERT_FATAL(nl_raw_put(buf, sizeof(buf), &off, 12, nest, in));
	CU_ASSERT(nl_raw_scan_attrs(buf, off) >= 0);
}

static void test_finds_printed_address(void)
{
	const char msg[] = "object at ffff888012345678 freed";

	reset();
	CU_ASSERT_FATAL(nl_raw_put(buf, sizeof(buf), &off, 1, msg, sizeof(msg)));
	CU_ASSERT(nl_raw_scan_attrs(buf, off) >= 0);
}

static void test_ignores_bounds_and_errors(void)
{
	reset();
	put_u64(1, ~0ULL);		/* U64_MAX policy bound */
	put_u64(2, (uint64_t)-22);	/* -EINVAL */
	put_u64(3, 0x00007fffdeadb000ULL);	/* a user address */
	put_u32(4, 0xffffffff);
	put_u32(5, 0xffff8000);	/* two u32s that would pair up */
	put_u32(6, 0xffffffff);
	CU_ASSERT_EQUAL(nl_raw_scan_attrs(buf, off), -1);
}

/* What an extended ACK's NLMSGERR_ATTR_POLICY nest holds for a u32 with a
 * range: seen flagged by a flat scan in the first guest runs. */
static void test_ignores_policy_nest(void)
{
	unsigned char nest[64];
	size_t in = 0;
	uint64_t lo = 0, hi = 0xffffffffULL;
	uint32_t type = 4;

	reset();
	CU_ASSERT_FATAL(nl_raw_put(nest, sizeof(nest), &in, 4, &lo, 8));
	CU_ASSERT_FATAL(nl_raw_put(nest, sizeof(nest), &in, 5, &hi, 8));
	CU_ASSERT_FATAL(nl_raw_put(nest, sizeof(nest), &in, 1, &type, 4));
	CU_ASSERT_FATAL(nl_raw_put(buf, sizeof(buf), &off, 4 | NLA_F_NESTED,
				   nest, in));
	CU_ASSERT_EQUAL(nl_raw_scan_attrs(buf, off), -1);
}

static void test_walk_rejects_lying_lengths(void)
{
	struct nlattr *nla = (struct nlattr *)buf;

	reset();
	put_u32(1, 1);
	nla->nla_len = 200;
	CU_ASSERT_FALSE(nl_raw_walk(buf, off, NULL, NULL));
	nla->nla_len = 2;
	CU_ASSERT_FALSE(nl_raw_walk(buf, off, NULL, NULL));
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_finds_direct_map_and_text_addresses),
		RODP_TEST(test_finds_address_in_nest),
		RODP_TEST(test_finds_printed_address),
		RODP_TEST(test_ignores_bounds_and_errors),
		RODP_TEST(test_ignores_policy_nest),
		RODP_TEST(test_walk_rejects_lying_lengths),
	};

	return rodp_cunit_run("nl_scan", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
