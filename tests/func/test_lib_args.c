// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The robustness cases of librodp's public calls that need a device and
 * rodp.ko (the host ones are tests/unit/test_api_args.c; both run the
 * table of tests/api_cases.h): bad arguments on real objects, stale ones
 * (a pid that has exited, an MR whose memory was munmapped, the event
 * descriptor after rodp_close()), unaligned MRs, sizes larger than the
 * structs, and that nothing is lost on bad input: a failed rodp_dereg_mr()
 * leaves the MR registered and usable, a refused policy change leaves the
 * old policy.
 *
 * Not tested because it would be undefined behaviour, as in libibverbs: a
 * context after rodp_close(), an MR after rodp_dereg_mr(), an ibv_context
 * after ibv_close_device(); a context whose rodp.ko was unloaded
 * (ENODEV) needs rmmod and is left to tests/vm/guest/lifecycle.
 */
#include <config.h>

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../api_cases.h"
#include "func_util.h"

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page;
static pid_t stale_pid;		/* a child that has exited and been reaped */
static uint8_t *buf;		/* 4 pages, registered as mr */
static struct ibv_mr *mr, *ro_mr, *foreign_mr;
static struct rodp_stats st;
static struct rodp_mr_stats mst;
static struct rodp_event ev;
static enum rodp_policy_mode pol;
static int ncb;

static int count_cb(const struct rodp_region_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}


CALL(q_transport, rodp_query_odp(lb.ctx, (enum rodp_transport)4,
				 RODP_OP_WRITE, NULL))
CALL(q_op, rodp_query_odp(lb.ctx, RODP_TRANSPORT_RC, (enum rodp_op)-1, NULL))
CALL(q_ud_write, rodp_query_odp(lb.ctx, RODP_TRANSPORT_UD, RODP_OP_WRITE,
				NULL))
CALL(q_ok, rodp_query_odp(lb.ctx, RODP_TRANSPORT_RC, RODP_OP_WRITE, NULL))
PCALL(r_zero, rodp_reg_mr(lb.pd, buf, 0, IBV_ACCESS_LOCAL_WRITE, 0))
PCALL(r_null, rodp_reg_mr(lb.pd, NULL, page, IBV_ACCESS_LOCAL_WRITE, 0))
PCALL(r_wrap, rodp_reg_mr(lb.pd, buf, SIZE_MAX - page, IBV_ACCESS_LOCAL_WRITE,
			  0))
PCALL(r_access, rodp_reg_mr(lb.pd, buf, page, IBV_ACCESS_LOCAL_WRITE | 1u << 31,
			    0))
PCALL(r_access_pref, rodp_reg_mr(lb.pd, buf, page,
				 IBV_ACCESS_LOCAL_WRITE | 1u << 31,
				 RODP_REG_ODP_PREFERRED))
PCALL(r_rw_no_local, rodp_reg_mr(lb.pd, buf, page, IBV_ACCESS_REMOTE_WRITE,
				 0))
CALL(p_below, rodp_prefetch_mr(mr, buf - 1, 2, 0))
CALL(p_beyond, rodp_prefetch_mr(mr, buf + 4 * page - 1, 2, 0))
CALL(p_size_max, rodp_prefetch_mr(mr, buf, SIZE_MAX, 0))
CALL(p_flags, rodp_prefetch_mr(mr, buf, page, 1u << 5))
CALL(p_ro_write, rodp_prefetch_mr(ro_mr, buf, page, RODP_PREFETCH_F_WRITE))
CALL(p_ok_unaligned, rodp_prefetch_mr(mr, buf + 13, page + 7, 0))
CALL(m_foreign, rodp_get_mr_stats(foreign_mr, &mst, sizeof(mst)))
CALL(s_stale, rodp_get_stats(rodp, stale_pid, &st, sizeof(st)))
CALL(s_int_max, rodp_get_stats(rodp, INT_MAX, &st, sizeof(st)))
CALL(s_init, rodp_get_stats(rodp, 1, &st, sizeof(st)))
CALL(pg_stale, rodp_get_process_policy(rodp, stale_pid, &pol))
CALL(pg_int_max, rodp_get_process_policy(rodp, INT_MAX, &pol))
CALL(ps_stale, rodp_set_process_policy(rodp, stale_pid,
				       RODP_POLICY_MODE_STOCK))
CALL(ps_int_max, rodp_set_process_policy(rodp, INT_MAX,
					 RODP_POLICY_MODE_STOCK))
CALL(ps_mode, rodp_set_policy(rodp, (enum rodp_policy_mode)3))
CALL(gs_default, rodp_set_global_policy(rodp, RODP_POLICY_MODE_DEFAULT))
CALL(g_stale, rodp_get_regions(rodp, stale_pid, count_cb, &ncb))
CALL(g_neg, rodp_get_regions(rodp, -5, count_cb, &ncb))
CALL(s_neg, rodp_get_stats(rodp, -1, &st, sizeof(st)))
static int e_drained(void)
{
	int err;

	while (!(err = rodp_get_event(rodp, &ev, sizeof(ev))))
		;
	return err;
}

static const struct api_case cases[] = {
	CASE(rodp_query_odp, "transport past the last", q_transport, EINVAL),
	CASE(rodp_query_odp, "op -1", q_op, EINVAL),
	CASE(rodp_query_odp, "UD has no RDMA WRITE", q_ud_write, EOPNOTSUPP),
	CASE(rodp_query_odp, "RC WRITE, reason NULL (works)", q_ok, 0),
	CASE(rodp_reg_mr, "length 0", r_zero, EINVAL),
	CASE(rodp_reg_mr, "addr NULL", r_null, EINVAL),
	CASE(rodp_reg_mr, "addr + length wraps", r_wrap, EINVAL),
	CASE(rodp_reg_mr, "access bit 31 (kernel refuses)", r_access, EINVAL),
	CASE(rodp_reg_mr, "access bit 31, ODP preferred", r_access_pref, EINVAL),
	CASE(rodp_reg_mr, "REMOTE_WRITE without LOCAL_WRITE", r_rw_no_local,
	     EINVAL),
	CASE(rodp_prefetch_mr, "starts below the MR", p_below, EINVAL),
	CASE(rodp_prefetch_mr, "ends past the MR", p_beyond, EINVAL),
	CASE(rodp_prefetch_mr, "length SIZE_MAX", p_size_max, EINVAL),
	CASE(rodp_prefetch_mr, "unknown flag", p_flags, EINVAL),
	CASE(rodp_prefetch_mr, "write prefetch of a read-only MR", p_ro_write,
	     EPERM),
	CASE(rodp_prefetch_mr, "unaligned range (works)", p_ok_unaligned, 0),
	CASE(rodp_get_mr_stats, "MR made by ibv_reg_mr()", m_foreign, EINVAL),
	CASE(rodp_get_stats, "pid that has exited", s_stale, ENOENT),
	CASE(rodp_get_stats, "pid INT_MAX", s_int_max, ENOENT),
	CASE(rodp_get_stats, "pid 1 (no ODP MR)", s_init, ENOENT),
	CASE(rodp_get_stats, "pid -1", s_neg, EINVAL),
	CASE(rodp_get_process_policy, "pid that has exited", pg_stale, ESRCH),
	CASE(rodp_get_process_policy, "pid INT_MAX", pg_int_max, ESRCH),
	CASE(rodp_set_process_policy, "pid that has exited", ps_stale, ESRCH),
	CASE(rodp_set_process_policy, "pid INT_MAX", ps_int_max, ESRCH),
	CASE(rodp_set_policy, "mode past the last", ps_mode, EINVAL),
	CASE(rodp_set_global_policy, "mode DEFAULT", gs_default, EINVAL),
	CASE(rodp_get_regions, "pid that has exited (none)", g_stale, 0),
	CASE(rodp_get_regions, "pid -5", g_neg, EINVAL),
	CASE(rodp_get_event, "none pending", e_drained, EAGAIN),
};

static void test_device_cases(void)
{
	uint8_t *fbuf = calloc(1, page);

	buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fbuf);
	mr = rodp_reg_mr(lb.pd, buf, 4 * page, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	ro_mr = rodp_reg_mr(lb.pd, buf, page, IBV_ACCESS_REMOTE_READ, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ro_mr);
	foreign_mr = ibv_reg_mr(lb.pd, fbuf, page, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(foreign_mr);

	ncb = 0;
	api_run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	CU_ASSERT_EQUAL(ncb, 0);	/* the exited pid has no region */

	CU_ASSERT_EQUAL(ibv_dereg_mr(foreign_mr), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(ro_mr), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, 4 * page);
	free(fbuf);
}

/* The MR's events, until one of type arrives (bounded). */
static int wait_event(struct ibv_mr *m, uint32_t type)
{
	int fd = rodp_get_event_fd(rodp), i;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (i = 0; i < 50; i++) {
		while (!rodp_get_event(rodp, &ev, sizeof(ev)))
			if (ev.mr == m && ev.type == type)
				return 0;
		poll(&p, 1, 100);
	}
	return -1;
}

/* Memory munmapped under a registered MR: partly, then all of it. */
static void test_munmapped_range(void)
{
	uint8_t *b = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct rodp_mr_stats s;
	struct ibv_mr *m;

	CU_ASSERT_FATAL(b != MAP_FAILED);
	m = rodp_reg_mr(lb.pd, b, 4 * page, IBV_ACCESS_LOCAL_WRITE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b, 4 * page, RODP_PREFETCH_F_WRITE),
			0);

	CU_ASSERT_EQUAL(munmap(b + page, page), 0);
	CU_ASSERT_EQUAL(wait_event(m, RODP_EVENT_REGION_SHRUNK), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b, 4 * page, 0), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b + page, page, 0), EFAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "unmapped"));
	CU_ASSERT_EQUAL(rodp_get_mr_stats(m, &s, sizeof(s)), 0);
	CU_ASSERT_EQUAL(s.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(s.live_bytes, 3 * page);
	CU_ASSERT_EQUAL(s.live_ranges, 2);

	CU_ASSERT_EQUAL(munmap(b, page), 0);
	CU_ASSERT_EQUAL(munmap(b + 2 * page, 2 * page), 0);
	CU_ASSERT_EQUAL(wait_event(m, RODP_EVENT_REGION_DEAD), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b, 4 * page, 0), EFAULT);
	CU_ASSERT_NOT_EQUAL(rodp_last_error_msg()[0], '\0');
	CU_ASSERT_EQUAL(rodp_get_mr_stats(m, &s, sizeof(s)), 0);
	CU_ASSERT_EQUAL(s.state, RODP_STATE_DEAD);
	CU_ASSERT_EQUAL(s.live_bytes, 0);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(m), 1);
	CU_ASSERT_EQUAL(rodp_dereg_mr(m), 0);
}

/* Neither addr nor length needs to be page-aligned, as for ibv_reg_mr(). */
static void test_unaligned(void)
{
	const size_t off = 1, len = 3 * page - 3;
	uint8_t *b = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *src = calloc(1, len);
	struct ibv_mr *m, *sm;
	struct rodp_mr_stats s;

	CU_ASSERT_FATAL(b != MAP_FAILED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	m = rodp_reg_mr(lb.pd, b + off, len, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->addr, b + off);
	CU_ASSERT_EQUAL(m->length, len);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(m), 1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b + off + 5, len - 9,
					 RODP_PREFETCH_F_WRITE), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b + off, len + 1, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(m, &s, sizeof(s)), 0);
	CU_ASSERT_TRUE(s.flags & RODP_MR_BOUND);
	CU_ASSERT_EQUAL(s.state, RODP_STATE_LIVE);

	/* The device writes the whole unaligned range, and only it. */
	func_fill(src, len, 7);
	sm = ibv_reg_mr(lb.pd, src, len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sm);
	CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, src, sm->lkey, len,
				(uintptr_t)(b + off), m->rkey), 0);
	CU_ASSERT_EQUAL(func_check(b + off, len, 7), 0);
	CU_ASSERT_EQUAL(b[0], 0);
	CU_ASSERT_EQUAL(b[off + len], 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(sm), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(m), 0);
	munmap(b, 4 * page);
	free(src);
}

/* A size larger than the struct fills the struct and nothing past it. */
static void test_huge_sizes(void)
{
	struct {
		struct rodp_stats s;
		uint64_t canary;
	} big;
	struct {
		struct rodp_mr_stats s;
		uint64_t canary;
	} mbig;
	uint8_t *b = mmap(NULL, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ibv_mr *m;

	CU_ASSERT_FATAL(b != MAP_FAILED);
	m = rodp_reg_mr(lb.pd, b, page, IBV_ACCESS_LOCAL_WRITE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memset(&big, 0xa5, sizeof(big));
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &big.s, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(big.canary, 0xa5a5a5a5a5a5a5a5ULL);
	memset(&big, 0xa5, sizeof(big));
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, getpid(), &big.s, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(big.canary, 0xa5a5a5a5a5a5a5a5ULL);
	CU_ASSERT_TRUE(big.s.umems_live >= 1);
	memset(&mbig, 0xa5, sizeof(mbig));
	CU_ASSERT_EQUAL(rodp_get_mr_stats(m, &mbig.s, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(mbig.canary, 0xa5a5a5a5a5a5a5a5ULL);
	CU_ASSERT_EQUAL(mbig.s.live_bytes, page);
	CU_ASSERT_EQUAL(rodp_dereg_mr(m), 0);
	munmap(b, page);
}

/* Refused policy changes leave the old policy, the caller's and global. */
static void test_failed_policy_keeps_old(void)
{
	enum rodp_policy_mode p, global;

	CU_ASSERT_EQUAL(rodp_set_policy(rodp, RODP_POLICY_MODE_STOCK), 0);
	CU_ASSERT_EQUAL(rodp_set_policy(rodp, (enum rodp_policy_mode)7), EINVAL);
	CU_ASSERT_EQUAL(rodp_set_process_policy(rodp, stale_pid,
						RODP_POLICY_MODE_EVENT_AWARE),
			ESRCH);
	CU_ASSERT_EQUAL(rodp_set_process_policy(rodp, -1,
						RODP_POLICY_MODE_EVENT_AWARE),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_get_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_STOCK);
	CU_ASSERT_EQUAL(rodp_set_policy(rodp, RODP_POLICY_MODE_DEFAULT), 0);

	CU_ASSERT_EQUAL_FATAL(rodp_get_global_policy(rodp, &global), 0);
	CU_ASSERT_EQUAL(rodp_set_global_policy(rodp, RODP_POLICY_MODE_DEFAULT),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_set_global_policy(rodp, (enum rodp_policy_mode)-1),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_get_global_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, global);
}

/* A bound memory window makes ibv_dereg_mr() fail: the MR must stay
 * registered, known to the library, usable by the device, and
 * deregistrable once the window is gone. */
static void test_failed_dereg_keeps_mr(void)
{
	const size_t len = 4 * page;
	uint8_t *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *src = calloc(1, len);
	struct rodp_lib_stats l0, l1;
	struct ibv_mw_bind bind;
	struct rodp_mr_stats s;
	struct ibv_mr *m, *sm;
	struct ibv_mw *mw;
	struct ibv_wc wc;
	int i, n = 0, err;

	CU_ASSERT_FATAL(b != MAP_FAILED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	m = rodp_reg_mr(lb.pd, b, len, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_MW_BIND, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	mw = ibv_alloc_mw(lb.pd, IBV_MW_TYPE_1);
	if (!mw)
		printf("\n    ibv_alloc_mw: %s", strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mw);
	memset(&bind, 0, sizeof(bind));
	bind.wr_id = 0xb1d;
	bind.send_flags = IBV_SEND_SIGNALED;
	bind.bind_info.mr = m;
	bind.bind_info.addr = (uintptr_t)b;
	bind.bind_info.length = len;
	bind.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_WRITE;
	err = ibv_bind_mw(lb.qp[0], mw, &bind);
	if (err)
		printf("\n    ibv_bind_mw: %s", strerror(err));
	CU_ASSERT_EQUAL_FATAL(err, 0);
	for (i = 0; i < 5000 && !n; i++) {
		n = ibv_poll_cq(lb.cq[0], 1, &wc);
		if (!n)
			usleep(1000);
	}
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(wc.wr_id, 0xb1d);
	if (wc.status)
		printf("\n    bind completion: %s", ibv_wc_status_str(wc.status));
	CU_ASSERT_EQUAL_FATAL(wc.status, IBV_WC_SUCCESS);

	/* rxe refuses with EINVAL (IBA 10.6.7.2.6). */
	err = rodp_dereg_mr(m);
	printf("\n    dereg with a bound window: %d (%s): %s", err,
	       strerror(err), rodp_last_error_msg());
	CU_ASSERT_EQUAL(err, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "still registered"));

	CU_ASSERT_EQUAL(rodp_mr_is_odp(m), 1);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(m, &s, sizeof(s)), 0);
	CU_ASSERT_TRUE(s.flags & RODP_MR_BOUND);
	CU_ASSERT_EQUAL(s.live_bytes, len);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(m, b, len, RODP_PREFETCH_F_WRITE), 0);
	func_fill(src, len, 3);
	sm = ibv_reg_mr(lb.pd, src, len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sm);
	CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, src, sm->lkey, len,
				(uintptr_t)b, m->rkey), 0);
	CU_ASSERT_EQUAL(func_check(b, len, 3), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(sm), 0);

	CU_ASSERT_EQUAL(ibv_dealloc_mw(mw), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(m), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked);
	munmap(b, len);
	free(src);
}

/* Each context's event descriptor is its own subscription's: closing the
 * context ends it (the descriptor is closed), the library's default one
 * (NULL) is another and keeps working. */
static void test_event_fd_after_close(void)
{
	struct rodp_ctx *c = rodp_open();
	int fd, fd2, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	fd = rodp_get_event_fd(c);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rodp_get_event_fd(c), fd);
	fd2 = rodp_get_event_fd(NULL);
	CU_ASSERT_TRUE_FATAL(fd2 >= 0);
	CU_ASSERT_NOT_EQUAL(fd2, fd);
	rodp_close(c);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), -1);
	CU_ASSERT_NOT_EQUAL(fcntl(fd2, F_GETFD), -1);
	for (i = 0; i < 10000 && !rodp_get_event(NULL, &ev, sizeof(ev)); i++)
		;
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_device_cases),
		RODP_TEST(test_munmapped_range),
		RODP_TEST(test_unaligned),
		RODP_TEST(test_huge_sizes),
		RODP_TEST(test_failed_policy_keeps_old),
		RODP_TEST(test_failed_dereg_keeps_mr),
		RODP_TEST(test_event_fd_after_close),
	};
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	/* A pid that existed and is gone (pids are not reused this soon). */
	stale_pid = fork();
	if (stale_pid == 0)
		_exit(0);
	if (stale_pid < 0 || waitpid(stale_pid, NULL, 0) != stale_pid) {
		perror("fork");
		return 1;
	}
	ret = rodp_cunit_run("lib_args", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
