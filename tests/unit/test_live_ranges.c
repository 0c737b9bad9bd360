// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * An MR's live ranges come from the region events the library already
 * receives, and rodp_prefetch_mr() plans on them without asking the
 * kernel: a SHRUNK notification (crafted as rodp.ko builds it) is parsed
 * with its ranges, recorded on the MR bound to its region, and the next
 * prefetch skips the unmapped part (EFAULT when nothing is left, the dead
 * bytes counted); a DEAD notification leaves nothing live; a notification
 * of a region no MR is bound to changes nothing.
 *
 * The MR is a stand-in the library's table knows as bound (no device on
 * the host): a prefetch that reached ibv_advise_mr() would crash on its
 * zeroed PD, so every prefetch here either has nothing live (EFAULT
 * before any device call) or is forced to rodp.ko's path
 * (RODP_PREFETCH_FALLBACK=1), which finds no module: EOPNOTSUPP, with
 * the planned bytes counted in the MR's statistics.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define FAMILY 0x21
#define PAGE 0x1000ULL
#define REGION 42

static char buf[16 * PAGE] __attribute__((aligned(4096)));
static struct ibv_pd fake_pd;
static struct ibv_mr fake_mr = {
	.pd = &fake_pd, .addr = buf, .length = sizeof(buf), .lkey = 0x77,
};

/* A region notification of REGION with nranges live ranges, each
 * {start, length} pair in pairs. */
static struct nl_msg *ntf(int cmd, const uint64_t *pairs, int nranges)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *ranges, *one;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(genlmsg_put(msg, 0, 0, FAMILY, 0, 0,
						 cmd, 1));
	nla_put_u64(msg, RODP_A_REGION_ID, REGION);
	nla_put_u32(msg, RODP_A_PID, (uint32_t)getpid());
	nla_put_u64(msg, RODP_A_ADDR, (uintptr_t)buf);
	nla_put_u64(msg, RODP_A_LENGTH, sizeof(buf));
	nla_put_u32(msg, RODP_A_LKEY, fake_mr.lkey);
	nla_put_u32(msg, RODP_A_REGION_STATE,
		    nranges ? RODP_REGION_LIVE : RODP_REGION_DEAD);
	ranges = nla_nest_start(msg, RODP_A_REGION_RANGES);
	/* Out of order, as the kernel's list may be. */
	for (i = nranges - 1; i >= 0; i--) {
		one = nla_nest_start(msg, RODP_A_RANGE);
		nla_put_u64(msg, RODP_RANGE_START, pairs[2 * i]);
		nla_put_u64(msg, RODP_RANGE_LENGTH, pairs[2 * i + 1]);
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, ranges);
	return msg;
}

/* What libconn.c does with a notification off its socket. */
static int deliver(struct nl_msg *msg, struct rodp_event *ev)
{
	struct rodp_range *r = NULL;
	size_t used;
	int err;

	err = rodp_ntf_parse_ranges(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
				    FAMILY, ev, &used, &r);
	nlmsg_free(msg);
	if (err)
		return err;
	return rodp_mr_set_live_by_region(ev->region_id, r,
					  ev->type == RODP_EVENT_REGION_DEAD ?
					  0 : ev->live_ranges);
}

static int setup(void)
{
	struct rodp_mr_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return 1;
	e->mr = &fake_mr;
	e->addr = fake_mr.addr;
	e->length = fake_mr.length;
	e->lkey = fake_mr.lkey;
	e->pid = getpid();
	e->access = IBV_ACCESS_LOCAL_WRITE;
	e->flags = RODP_MR_ODP | RODP_MR_BOUND;
	e->region_id = REGION;
	rodp_mr_insert(rodp_thread(), e);
	return 0;
}

static void test_shrunk_event_recorded(void)
{
	uintptr_t b = (uintptr_t)buf;
	/* Pages 0-3 and 12-15 live, 4-11 unmapped. */
	const uint64_t live[] = { b, 4 * PAGE, b + 12 * PAGE, 4 * PAGE };
	struct rodp_mr_entry copy;
	struct rodp_event ev;

	CU_ASSERT_EQUAL(deliver(ntf(RODP_CMD_REGION_SHRUNK_NTF, live, 2), &ev),
			0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.live_ranges, 2);
	CU_ASSERT_EQUAL(ev.live_bytes, 8 * PAGE);
	CU_ASSERT_EQUAL(rodp_mr_lookup(&fake_mr, &copy), 0);
	CU_ASSERT_TRUE(copy.live_known);
	CU_ASSERT_EQUAL(copy.nlive, 2);
	CU_ASSERT_PTR_NULL(copy.live);	/* a copy never shares them */
}

static void test_prefetch_skips_unmapped(void)
{
	struct rodp_mr_stats st;

	/* Wholly inside the hole: refused before any device call. */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf + 5 * PAGE, 2 * PAGE, 0),
			EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "unmapped"));
	/* Across the hole: only the live half is planned. */
	setenv("RODP_PREFETCH_FALLBACK", "1", 1);
	rodp_prefetch_env_reload();
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, sizeof(buf), 0),
			EOPNOTSUPP);
	unsetenv("RODP_PREFETCH_FALLBACK");
	rodp_prefetch_env_reload();
	CU_ASSERT_EQUAL(rodp_get_mr_stats(&fake_mr, &st, sizeof(st)), 0);
	CU_ASSERT_TRUE(st.flags & RODP_MR_NO_MODULE);
	CU_ASSERT_FALSE(st.flags & RODP_MR_KERNEL_STATS);
	CU_ASSERT_EQUAL(st.prefetch_calls, 2);
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, 2 * PAGE + 8 * PAGE);
	CU_ASSERT_EQUAL(st.prefetch_bytes, 8 * PAGE);
}

static void test_sg_list_planned_per_range(void)
{
	struct ibv_sge sge[3] = {
		{ (uintptr_t)buf + 5 * PAGE, PAGE, 0x77 },	/* dead */
		{ (uintptr_t)buf + 2 * PAGE, 4 * PAGE, 0x77 },	/* half */
		{ (uintptr_t)buf + 13 * PAGE, PAGE, 0x77 },	/* live */
	};
	struct rodp_mr_stats st0, st;

	rodp_get_mr_stats(&fake_mr, &st0, sizeof(st0));
	CU_ASSERT_EQUAL(rodp_prefetch_mr_sg(&fake_mr, sge, 1, 0), EFAULT);
	setenv("RODP_PREFETCH_FALLBACK", "1", 1);
	rodp_prefetch_env_reload();
	CU_ASSERT_EQUAL(rodp_prefetch_mr_sg(&fake_mr, sge, 3, 0), EOPNOTSUPP);
	unsetenv("RODP_PREFETCH_FALLBACK");
	rodp_prefetch_env_reload();
	rodp_get_mr_stats(&fake_mr, &st, sizeof(st));
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes - st0.prefetch_dead_bytes,
			PAGE + PAGE + 2 * PAGE);
	CU_ASSERT_EQUAL(st.prefetch_bytes - st0.prefetch_bytes, 3 * PAGE);
}

static void test_dead_event_leaves_nothing(void)
{
	struct rodp_event ev;

	CU_ASSERT_EQUAL(deliver(ntf(RODP_CMD_REGION_DEAD_NTF, NULL, 0), &ev),
			0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE, 0), EFAULT);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, sizeof(buf), 0),
			EFAULT);
}

static void test_other_region_ignored(void)
{
	struct rodp_range *r = calloc(1, sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->start = (uintptr_t)buf;
	r->length = sizeof(buf);
	/* No MR is bound to region 43 (the ranges are freed). */
	CU_ASSERT_EQUAL(rodp_mr_set_live_by_region(REGION + 1, r, 1), ENOENT);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE, 0), EFAULT);
	CU_ASSERT_EQUAL(rodp_mr_set_live_by_region(0, NULL, 0), ENOENT);
}

/* The library's cached pid follows fork(): the child sees the parent's
 * MR as inherited (EBADF), never as its own. */
static void test_child_refuses_parent_mr(void)
{
	int status = -1;
	pid_t child = fork();

	CU_ASSERT_NOT_EQUAL_FATAL(child, -1);
	if (child == 0)
		_exit(rodp_getpid() == getpid() &&
		      rodp_prefetch_mr(&fake_mr, buf, PAGE, 0) == EBADF ? 0 : 1);
	CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(rodp_getpid(), getpid());
}

static void test_mapped_again(void)
{
	const uint64_t live[] = { (uintptr_t)buf, sizeof(buf) };
	struct rodp_mr_entry *e;
	struct rodp_event ev;
	int err;

	/* A region grows again when its range is mapped again. */
	CU_ASSERT_EQUAL(deliver(ntf(RODP_CMD_REGION_SHRUNK_NTF, live, 1), &ev),
			0);
	setenv("RODP_PREFETCH_FALLBACK", "1", 1);
	rodp_prefetch_env_reload();
	CU_ASSERT_EQUAL(rodp_prefetch_mr(&fake_mr, buf, PAGE, 0), EOPNOTSUPP);
	unsetenv("RODP_PREFETCH_FALLBACK");
	rodp_prefetch_env_reload();
	e = rodp_mr_remove(&fake_mr, &err);
	CU_ASSERT_PTR_NOT_NULL(e);
	rodp_mr_entry_free(rodp_thread(), e);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_shrunk_event_recorded),
		RODP_TEST(test_prefetch_skips_unmapped),
		RODP_TEST(test_sg_list_planned_per_range),
		RODP_TEST(test_dead_event_leaves_nothing),
		RODP_TEST(test_other_region_ignored),
		RODP_TEST(test_child_refuses_parent_mr),
		RODP_TEST(test_mapped_again),
	};

	return rodp_cunit_run("live_ranges", setup, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
