// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_stats_from_nest(): every kernel counter lands in its field, unknown
 * counters are skipped, malformed ones are refused. */
#include <config.h>

#include <errno.h>
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

static void test_every_counter(void)
{
	struct nl_msg *msg = stats_msg(RODP_STAT_MAX, 1000);
	struct rodp_stats st;

	CU_ASSERT_EQUAL(rodp_stats_from_nest(first_attr(msg), &st), 0);
	CU_ASSERT_EQUAL(st.inval[RODP_INVAL_UNMAP], 1000 + RODP_STAT_INVAL_UNMAP);
	CU_ASSERT_EQUAL(st.inval[RODP_INVAL_EXCLUSIVE],
			1000 + RODP_STAT_INVAL_EXCLUSIVE);
	CU_ASSERT_EQUAL(st.inval[RODP_INVAL_SOFT_DIRTY],
			1000 + RODP_STAT_INVAL_SOFT_DIRTY);
	CU_ASSERT_EQUAL(st.inval_pages, 1000 + RODP_STAT_INVAL_PAGES);
	CU_ASSERT_EQUAL(st.delegated, 1000 + RODP_STAT_ACT_DELEGATED);
	CU_ASSERT_EQUAL(st.downgraded, 1000 + RODP_STAT_ACT_DOWNGRADED);
	CU_ASSERT_EQUAL(st.fallback, 1000 + RODP_STAT_ACT_FALLBACK);
	CU_ASSERT_EQUAL(st.fault_errors, 1000 + RODP_STAT_FAULT_ERRORS);
	CU_ASSERT_EQUAL(st.prefetch_pages, 1000 + RODP_STAT_PREFETCH_PAGES);
	CU_ASSERT_EQUAL(st.umems_created, 1000 + RODP_STAT_UMEMS_CREATED);
	CU_ASSERT_EQUAL(st.umems_live, 1000 + RODP_STAT_UMEMS_LIVE);
	CU_ASSERT_EQUAL(st.wrap_full, 1000 + RODP_STAT_WRAP_FULL);
	CU_ASSERT_EQUAL(st.skip_protection, 1000 + RODP_STAT_SKIP_PROTECTION);
	CU_ASSERT_EQUAL(st.skip_soft_dirty, 1000 + RODP_STAT_SKIP_SOFT_DIRTY);
	CU_ASSERT_EQUAL(st.attach_missed, 1000 + RODP_STAT_ATTACH_MISSED);
	CU_ASSERT_EQUAL(st.release_missed, 1000 + RODP_STAT_RELEASE_MISSED);
	CU_ASSERT_EQUAL(st.inval_nonblock, 1000 + RODP_STAT_INVAL_NONBLOCK);
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
		RODP_TEST(test_every_counter),
		RODP_TEST(test_unknown_counter_skipped),
		RODP_TEST(test_bad_length_refused),
		RODP_TEST(test_errno_translation),
		RODP_TEST(test_bad_arguments),
	};

	return rodp_cunit_run("stats_parse", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
