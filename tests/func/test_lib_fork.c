// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * What a child may do after fork: the parent's rodp context and MRs are
 * refused with EBADF (and left alone), while everything the child makes
 * itself works. The parent's MR keeps working afterwards.
 */
#include <config.h>

#include <stdint.h>
#include <sys/wait.h>

#include "lib_test.h"

#define LEN (16 * 4096UL)

/* Each failed expectation in the child sets one bit of its exit code. */
static int child(struct ibv_mr *parent_mr, char *parent_buf)
{
	struct rodp_mr_stats st;
	struct rodp_stats s;
	struct rodp_ctx *mine;
	struct ibv_context *dctx;
	struct ibv_pd *cpd;
	struct ibv_mr *mr;
	char *buf;
	int bad = 0;

	if (rodp_dereg_mr(parent_mr) != EBADF)
		bad |= 1;
	if (rodp_prefetch_mr(parent_mr, parent_buf, LEN, 0) != EBADF)
		bad |= 2;
	if (rodp_get_mr_stats(parent_mr, &st, sizeof(st)) != EBADF)
		bad |= 4;
	if (rodp_get_stats(rodp, 0, &s, sizeof(s)) != EBADF)
		bad |= 8;
	mine = rodp_open();
	if (!mine || rodp_get_stats(mine, getpid(), &s, sizeof(s)) != ENOENT ||
	    rodp_get_stats(mine, 0, &s, sizeof(s)))
		bad |= 16;

	/* Its own device, PD and ODP MR, bound to its own region. */
	dctx = lt_open_device(dev_name);
	cpd = dctx ? ibv_alloc_pd(dctx) : NULL;
	buf = lt_map(LEN);
	mr = cpd && buf ? rodp_reg_mr(cpd, buf, LEN, LT_RW, 0) : NULL;
	if (!mr || rodp_prefetch_mr(mr, buf, LEN, 0) ||
	    rodp_get_mr_stats(mr, &st, sizeof(st)) ||
	    !(st.flags & RODP_MR_BOUND) || st.live_bytes != LEN)
		bad |= 32;
	if (mr && rodp_dereg_mr(mr))
		bad |= 64;
	if (rodp_get_event_fd(NULL) < 0)
		bad |= 128;
	if (cpd)
		ibv_dealloc_pd(cpd);
	if (dctx)
		ibv_close_device(dctx);
	rodp_close(mine);
	rodp_close(rodp);	/* the child's copy only */
	return bad;
}

static void test_fork_child_rules(void)
{
	struct rodp_mr_stats before, after;
	char *buf = lt_map(LEN);
	struct ibv_mr *mr;
	int status;
	pid_t pid;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, LEN, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_TRUE_FATAL(rodp_get_event_fd(rodp) >= 0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &before, sizeof(before)), 0);

	pid = fork();
	CU_ASSERT_TRUE_FATAL(pid >= 0);
	if (pid == 0)
		_exit(child(mr, buf));
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	printf("\n    child's failed expectations: 0x%x\n",
	       WEXITSTATUS(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);

	/* The parent's MR, context and event socket are untouched. */
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &after, sizeof(after)), 0);
	CU_ASSERT_EQUAL(after.region_id, before.region_id);
	CU_ASSERT_EQUAL(after.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, LEN, 0), 0);
	CU_ASSERT_EQUAL(munmap(buf, LEN), 0);
	{
		struct pollfd p = { .fd = rodp_get_event_fd(rodp),
				    .events = POLLIN };
		struct rodp_event ev;

		CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
		CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), 0);
		CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
		CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	}
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_fork_child_rules),
	};

	LT_RUN("lib_fork", tests, 1);
}
