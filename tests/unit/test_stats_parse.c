// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_stats_from_nest(): every kernel counter of the uapi header lands in
 * its field and nowhere else, unknown counters are skipped, malformed ones
 * are refused. */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

/* Builds a RODP_A_STATS nest with counter i = base + i for i in [1, max]. */
static struct nl_msg *stats_msg(int max, uint64_t base)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	nest = nla_nest_start(msg, RODP_A_STATS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nest);
	for (i = 1; i <= max; i++)
		if (i != RODP_STAT_PAD)
			CU_ASSERT_EQUAL(nla_put_u64(msg, i, base + i), 0);
	nla_nest_end(msg, nest);
	return msg;
}

static struct nlattr *first_attr(struct nl_msg *msg)
{
	return nlmsg_attrdata(nlmsg_hdr(msg), 0);
}

/*
 * Every counter of enum rodp_stat and the field of struct rodp_stats it
 * must land in. test_table_matches_header() reads the enum's names from
 * include/uapi/linux/rodp.h itself, so a counter added there without a
 * line here fails this test.
 */
static const struct expected {
	const char *name;
	int stat;
	size_t offset;
} expected[] = {
#define E(s, f) { #s, s, offsetof(struct rodp_stats, f) }
#define I(s, c) { #s, s, offsetof(struct rodp_stats, inval) + \
		  (c) * sizeof(uint64_t) }
	I(RODP_STAT_INVAL_UNMAP, RODP_INVAL_UNMAP),
	I(RODP_STAT_INVAL_CLEAR, RODP_INVAL_CLEAR),
	I(RODP_STAT_INVAL_PROTECTION_VMA, RODP_INVAL_PROTECTION_VMA),
	I(RODP_STAT_INVAL_PROTECTION_PAGE, RODP_INVAL_PROTECTION_PAGE),
	I(RODP_STAT_INVAL_SOFT_DIRTY, RODP_INVAL_SOFT_DIRTY),
	I(RODP_STAT_INVAL_RELEASE, RODP_INVAL_RELEASE),
	I(RODP_STAT_INVAL_MIGRATE, RODP_INVAL_MIGRATE),
	I(RODP_STAT_INVAL_EXCLUSIVE, RODP_INVAL_EXCLUSIVE),
	E(RODP_STAT_INVAL_PAGES, inval_pages),
	E(RODP_STAT_ACT_DELEGATED, delegated),
	E(RODP_STAT_ACT_SKIPPED, skipped),
	E(RODP_STAT_ACT_DOWNGRADED, downgraded),
	E(RODP_STAT_ACT_SHRUNK, shrunk),
	E(RODP_STAT_ACT_FALLBACK, fallback),
	E(RODP_STAT_FAULT_CALLS, fault_calls),
	E(RODP_STAT_FAULT_PAGES, fault_pages),
	E(RODP_STAT_FAULT_ERRORS, fault_errors),
	E(RODP_STAT_PREFETCH_CALLS, prefetch_calls),
	E(RODP_STAT_PREFETCH_PAGES, prefetch_pages),
	E(RODP_STAT_UMEMS_CREATED, umems_created),
	E(RODP_STAT_UMEMS_RELEASED, umems_released),
	E(RODP_STAT_UMEMS_LIVE, umems_live),
	E(RODP_STAT_WRAP_FULL, wrap_full),
	E(RODP_STAT_SKIP_PROTECTION, skip_protection),
	E(RODP_STAT_SKIP_SOFT_DIRTY, skip_soft_dirty),
	E(RODP_STAT_ATTACH_MISSED, attach_missed),
	E(RODP_STAT_RELEASE_MISSED, release_missed),
	E(RODP_STAT_INVAL_NONBLOCK, inval_nonblock),
#undef E
#undef I
};

#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* Names of the enum that are not counters. */
static bool not_a_counter(const char *name)
{
	return !strcmp(name, "RODP_STAT_UNSPEC") ||
	       !strcmp(name, "RODP_STAT_PAD") ||
	       !strcmp(name, "RODP_STAT_MAX") ||
	       !strcmp(name, "__RODP_STAT_MAX");
}

/*
 * The counters the uapi header declares (names of enum rodp_stat, in
 * order) match the table above one for one, and the table's values are
 * the enum's (1..RODP_STAT_MAX without the pad).
 */
static void test_table_matches_header(void)
{
	FILE *f = fopen(UAPI_HEADER, "r");
	char line[256], name[64];
	bool in_enum = false;
	size_t found = 0, i;
	int pad_seen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "enum rodp_stat {")) {
			in_enum = true;
			continue;
		}
		if (!in_enum)
			continue;
		if (strstr(line, "};"))
			break;
		if (sscanf(line, " %63[A-Z_]", name) != 1 ||
		    (strncmp(name, "RODP_STAT_", 10) &&
		     strncmp(name, "__RODP_STAT_", 12)))
			continue;
		if (!strcmp(name, "RODP_STAT_PAD"))
			pad_seen++;
		if (not_a_counter(name))
			continue;
		for (i = 0; i < N_EXPECTED; i++)
			if (!strcmp(expected[i].name, name))
				break;
		if (i == N_EXPECTED)
			printf("\n    %s is in %s but has no expected field here",
			       name, UAPI_HEADER);
		CU_ASSERT(i < N_EXPECTED);
		found++;
	}
	fclose(f);
	CU_ASSERT(in_enum);
	CU_ASSERT_EQUAL(pad_seen, 1);
	CU_ASSERT_EQUAL(found, N_EXPECTED);
	/* The enum's values: every counter but the pad, once. */
	CU_ASSERT_EQUAL(N_EXPECTED, (size_t)RODP_STAT_MAX - 1);
	for (i = 0; i < N_EXPECTED; i++) {
		CU_ASSERT(expected[i].stat > RODP_STAT_UNSPEC &&
			  expected[i].stat <= RODP_STAT_MAX &&
			  expected[i].stat != RODP_STAT_PAD);
		CU_ASSERT(expected[i].offset + sizeof(uint64_t) <=
			  offsetof(struct rodp_stats, reserved));
	}
	printf("\n    %zu counters in %s, %zu with an expected field",
	       found, UAPI_HEADER, N_EXPECTED);
}

/* A nest holding the one counter stat = value. */
static struct nl_msg *one_counter_msg(int stat, uint64_t value)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	nest = nla_nest_start(msg, RODP_A_STATS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nest);
	CU_ASSERT_EQUAL(nla_put_u64(msg, stat, value), 0);
	nla_nest_end(msg, nest);
	return msg;
}

/*
 * Each counter alone lands in its own field, and in no other word of the
 * struct; and all at once, each in its field with its own value.
 */
static void test_every_counter(void)
{
	struct nl_msg *msg;
	struct rodp_stats st;
	size_t i, w;

	for (i = 0; i < N_EXPECTED; i++) {
		const uint64_t *word = (const uint64_t *)&st;
		uint64_t value = 0x1000000000ULL + expected[i].stat;
		size_t bad = 0;

		msg = one_counter_msg(expected[i].stat, value);
		memset(&st, 0xa5, sizeof(st));
		CU_ASSERT_EQUAL(rodp_stats_from_nest(first_attr(msg), &st), 0);
		for (w = 0; w < sizeof(st) / sizeof(uint64_t); w++) {
			uint64_t want = w * sizeof(uint64_t) ==
					expected[i].offset ? value : 0;

			if (word[w] != want)
				bad++;
		}
		if (bad)
			printf("\n    %s: %zu words of struct rodp_stats wrong",
			       expected[i].name, bad);
		CU_ASSERT_EQUAL(bad, 0);
		nlmsg_free(msg);
	}

	msg = stats_msg(RODP_STAT_MAX, 1000);
	CU_ASSERT_EQUAL(rodp_stats_from_nest(first_attr(msg), &st), 0);
	for (i = 0; i < N_EXPECTED; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&st + expected[i].offset, sizeof(v));
		if (v != 1000 + (uint64_t)expected[i].stat)
			printf("\n    %s: %llu, want %llu", expected[i].name,
			       (unsigned long long)v,
			       (unsigned long long)(1000 + expected[i].stat));
		CU_ASSERT_EQUAL(v, 1000 + (uint64_t)expected[i].stat);
	}
	nlmsg_free(msg);
}

static void test_unknown_counter_skipped(void)
{
	struct nl_msg *msg = stats_msg(RODP_STAT_MAX + 3, 7);
	struct rodp_stats st;

	CU_ASSERT_EQUAL(rodp_stats_from_nest(first_attr(msg), &st), 0);
	CU_ASSERT_EQUAL(st.wrap_full, 7 + RODP_STAT_WRAP_FULL);
	nlmsg_free(msg);
}

static void test_bad_length_refused(void)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest;
	struct rodp_stats st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	nest = nla_nest_start(msg, RODP_A_STATS);
	CU_ASSERT_EQUAL(nla_put_u32(msg, RODP_STAT_UMEMS_CREATED, 5), 0);
	nla_nest_end(msg, nest);
	CU_ASSERT_EQUAL(rodp_stats_from_nest(first_attr(msg), &st), EPROTO);
	nlmsg_free(msg);
}

static void test_errno_translation(void)
{
	CU_ASSERT_EQUAL(rodp_nl_errno(0), 0);
	CU_ASSERT_EQUAL(rodp_nl_errno(-NLE_NOMEM), ENOMEM);
	CU_ASSERT_EQUAL(rodp_nl_errno(-NLE_PERM), EPERM);
	CU_ASSERT_EQUAL(rodp_nl_errno(-NLE_OBJ_NOTFOUND), ENOENT);
	CU_ASSERT_EQUAL(rodp_nl_errno(NLE_INVAL), EINVAL);
	/* Anything unmapped is an I/O error, never a negative value. */
	CU_ASSERT_EQUAL(rodp_nl_errno(-NLE_FAILURE), EIO);
}

static void test_bad_arguments(void)
{
	struct rodp_stats st;

	CU_ASSERT_EQUAL(rodp_get_stats(NULL, 0, &st, sizeof(st)), EINVAL);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_table_matches_header),
		RODP_TEST(test_every_counter),
		RODP_TEST(test_unknown_counter_skipped),
		RODP_TEST(test_bad_length_refused),
		RODP_TEST(test_errno_translation),
		RODP_TEST(test_bad_arguments),
	};

	return rodp_cunit_run("stats_parse", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
