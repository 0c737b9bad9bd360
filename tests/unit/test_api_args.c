// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Argument validation and error mapping of the public calls, without a
 * kernel module or an RDMA device: every one of the 24 exported functions
 * gets NULL, zero, overflowing and out-of-range arguments and must give the
 * documented errno with a message (tests/api_cases.h), libnl's negative
 * NLE_* codes never leak, and a context inherited across fork is refused
 * with EBADF. The cases that need a device or rodp.ko (stale pids,
 * munmapped ranges, unaligned MRs, huge sizes that succeed) are in
 * tests/func/test_lib_args.c.
 *
 * Objects the host cannot make are stand-ins that must never be used:
 *  - fake_pd, fake_dev: zeroed verbs objects; a call that touched them
 *    before checking its other arguments would crash the test;
 *  - fake_mr: an ibv_mr over a real buffer that librodp never registered;
 *  - nowhere: a rodp context on a real generic netlink socket whose family
 *    id names no family, so a request that slipped through the argument
 *    checks fails with ENOENT instead of the EINVAL wanted;
 *  - inherited: a context whose opener is another process.
 * Not tested because the call would be undefined behaviour, exactly as in
 * libibverbs: a context used after rodp_close() (freed), an MR used after
 * rodp_dereg_mr() or ibv_dereg_mr() (freed by libibverbs; the table's
 * reuse check is in test_lib_reg), rodp_dereg_mr() of fake_mr (it goes to
 * ibv_dereg_mr()), and an ibv_context used after ibv_close_device().
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "../api_cases.h"
#include "../../lib/rodp_internal.h"

static void test_nle_mapping(void)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_NOMEM, ENOMEM }, { NLE_PERM, EPERM },
		{ NLE_INVAL, EINVAL }, { NLE_MISSING_ATTR, EINVAL },
		{ NLE_RANGE, ERANGE }, { NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP }, { NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_NODEV, ENODEV }, { NLE_BUSY, EBUSY },
		{ NLE_AGAIN, EAGAIN }, { NLE_INTR, EINTR },
		{ NLE_PROTO_MISMATCH, EPROTO }, { NLE_PARSE_ERR, EPROTO },
		{ NLE_NOACCESS, EACCES }, { NLE_BAD_SOCK, EBADF },
		{ NLE_EXIST, EEXIST }, { NLE_SEQ_MISMATCH, EIO },
	};
	size_t i;
	int nle;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		CU_ASSERT_EQUAL(rodp_nl_errno(-map[i].nle), map[i].err);
		CU_ASSERT_EQUAL(rodp_nl_errno(map[i].nle), map[i].err);
	}
	CU_ASSERT_EQUAL(rodp_nl_errno(0), 0);
	/* Whatever libnl says, the answer is a positive errno. */
	for (nle = -NLE_MAX - 5; nle <= NLE_MAX + 5; nle++)
		if (nle)
			CU_ASSERT_TRUE(rodp_nl_errno(nle) > 0);
}

/* A context whose opener is another process, as a child sees it. */
static void test_inherited_context(void)
{
	struct rodp_ctx fake;
	enum rodp_policy_mode p;
	struct rodp_stats s;
	struct rodp_event ev;

	memset(&fake, 0, sizeof(fake));
	pthread_mutex_init(&fake.lock, NULL);
	fake.pid = getpid() + 1;
	CU_ASSERT_EQUAL(rodp_ctx_check(&fake), EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "parent"));
	CU_ASSERT_EQUAL(rodp_get_stats(&fake, 0, &s, sizeof(s)), EBADF);
	CU_ASSERT_EQUAL(rodp_get_policy(&fake, &p), EBADF);
	CU_ASSERT_EQUAL(rodp_get_event(&fake, &ev, sizeof(ev)), EBADF);
	errno = 0;
	CU_ASSERT_EQUAL(rodp_get_event_fd(&fake), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	fake.pid = getpid();
	CU_ASSERT_EQUAL(rodp_ctx_check(&fake), 0);
	pthread_mutex_destroy(&fake.lock);
}


/* ---- stand-ins (see the top of the file) ---- */

static struct ibv_pd fake_pd;
static struct ibv_context fake_dev;
static char fake_buf[3 * 4096];
#define MR_BUF (fake_buf + 4096)
static struct ibv_mr fake_mr = { .addr = MR_BUF, .length = 4096 };
static struct rodp_ctx nowhere, inherited;

static int stand_ins_init(void)
{
	memset(&nowhere, 0, sizeof(nowhere));
	pthread_mutex_init(&nowhere.lock, NULL);
	nowhere.pid = getpid();
	nowhere.family = 0xfff0;	/* ids are allocated from 0x10 up */
	nowhere.sock = nl_socket_alloc();
	if (!nowhere.sock || genl_connect(nowhere.sock) < 0)
		return -1;
	memset(&inherited, 0, sizeof(inherited));
	pthread_mutex_init(&inherited.lock, NULL);
	inherited.pid = getpid() + 1;
	return 0;
}

static int stand_ins_fini(void)
{
	nl_socket_free(nowhere.sock);
	pthread_mutex_destroy(&nowhere.lock);
	pthread_mutex_destroy(&inherited.lock);
	return 0;
}

static struct rodp_stats st;
static struct rodp_mr_stats mst;
static struct rodp_lib_stats lst;
static struct rodp_event ev;
static enum rodp_policy_mode pol;

static int count_cb(const struct rodp_region_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}

static int ncb;

#define WRAP_ADDR ((void *)(UINTPTR_MAX - 4095))

/* rodp_query_odp */
CALL(q_null, rodp_query_odp(NULL, RODP_TRANSPORT_RC, RODP_OP_WRITE, NULL))
CALL(q_transport, rodp_query_odp(&fake_dev, (enum rodp_transport)4,
				 RODP_OP_WRITE, NULL))
CALL(q_transport_neg, rodp_query_odp(&fake_dev, (enum rodp_transport)-1,
				     RODP_OP_WRITE, NULL))
CALL(q_op, rodp_query_odp(&fake_dev, RODP_TRANSPORT_RC, (enum rodp_op)8,
			  NULL))
CALL(q_op_huge, rodp_query_odp(&fake_dev, RODP_TRANSPORT_UD,
			       (enum rodp_op)INT_MAX, NULL))
/* rodp_get_stats */
CALL(s_null_ctx, rodp_get_stats(NULL, 0, &st, sizeof(st)))
CALL(s_null_stats, rodp_get_stats(&nowhere, 0, NULL, sizeof(st)))
CALL(s_zero, rodp_get_stats(&nowhere, 0, &st, 0))
CALL(s_neg_pid, rodp_get_stats(&nowhere, -1, &st, sizeof(st)))
CALL(s_min_pid, rodp_get_stats(&nowhere, INT_MIN, &st, sizeof(st)))
CALL(s_inherited, rodp_get_stats(&inherited, 0, &st, sizeof(st)))
/* rodp_reg_mr */
PCALL(r_null_pd, rodp_reg_mr(NULL, fake_buf, 4096, 0, 0))
PCALL(r_zero_len, rodp_reg_mr(&fake_pd, fake_buf, 0, 0, 0))
PCALL(r_null_addr, rodp_reg_mr(&fake_pd, NULL, 4096, 0, 0))
PCALL(r_wrap, rodp_reg_mr(&fake_pd, WRAP_ADDR, 8192, 0, 0))
PCALL(r_size_max, rodp_reg_mr(&fake_pd, fake_buf, SIZE_MAX, 0, 0))
PCALL(r_flags, rodp_reg_mr(&fake_pd, fake_buf, 4096, 0, 1u << 9))
PCALL(r_flags_all, rodp_reg_mr(&fake_pd, fake_buf, 4096, 0, UINT_MAX))
PCALL(r_flags_both, rodp_reg_mr(&fake_pd, NULL, SIZE_MAX, 0,
				RODP_REG_ODP_PREFERRED | RODP_REG_ODP_IMPLICIT))
PCALL(r_impl_addr, rodp_reg_mr(&fake_pd, fake_buf, SIZE_MAX, 0,
			       RODP_REG_ODP_IMPLICIT))
PCALL(r_impl_len, rodp_reg_mr(&fake_pd, NULL, 4096, 0,
			      RODP_REG_ODP_IMPLICIT))
PCALL(r_rw_no_local, rodp_reg_mr(&fake_pd, fake_buf, 4096,
				 IBV_ACCESS_REMOTE_WRITE, 0))
PCALL(r_atomic_no_local, rodp_reg_mr(&fake_pd, fake_buf, 4096,
				     IBV_ACCESS_REMOTE_ATOMIC |
				     IBV_ACCESS_REMOTE_READ, 0))
/* rodp_reg_mr_ex */
static struct rodp_reg_mr_attr attr_ok = { .addr = fake_buf, .length = 4096 };
static struct rodp_reg_mr_attr attr_mask = { .comp_mask = 1u << 7,
					     .addr = fake_buf, .length = 4096 };
static struct rodp_reg_mr_attr attr_mask_all = { .comp_mask = UINT32_MAX,
						 .addr = fake_buf,
						 .length = 4096 };
static struct rodp_reg_mr_attr attr_wrap = { .comp_mask = RODP_REG_MR_ATTR_IOVA,
					     .addr = WRAP_ADDR, .length = 4097 };
static struct rodp_reg_mr_attr attr_zero = { .addr = fake_buf };
PCALL(x_null_pd, rodp_reg_mr_ex(NULL, &attr_ok))
PCALL(x_null_attr, rodp_reg_mr_ex(&fake_pd, NULL))
PCALL(x_mask, rodp_reg_mr_ex(&fake_pd, &attr_mask))
PCALL(x_mask_all, rodp_reg_mr_ex(&fake_pd, &attr_mask_all))
PCALL(x_wrap, rodp_reg_mr_ex(&fake_pd, &attr_wrap))
PCALL(x_zero, rodp_reg_mr_ex(&fake_pd, &attr_zero))
/* rodp_dereg_mr, rodp_mr_is_odp */
CALL(d_null, rodp_dereg_mr(NULL))
CALL(o_null, rodp_mr_is_odp(NULL))
CALL(o_unknown, rodp_mr_is_odp(&fake_mr))
/* rodp_prefetch_mr: every argument check comes before the MR is used */
CALL(p_null, rodp_prefetch_mr(NULL, MR_BUF, 4096, 0))
CALL(p_zero, rodp_prefetch_mr(&fake_mr, MR_BUF, 0, 0))
CALL(p_below, rodp_prefetch_mr(&fake_mr, MR_BUF - 1, 2, 0))
CALL(p_beyond, rodp_prefetch_mr(&fake_mr, MR_BUF + 4095, 2, 0))
CALL(p_after, rodp_prefetch_mr(&fake_mr, MR_BUF + 4096, 1, 0))
CALL(p_null_addr, rodp_prefetch_mr(&fake_mr, NULL, 1, 0))
CALL(p_size_max, rodp_prefetch_mr(&fake_mr, MR_BUF, SIZE_MAX, 0))
CALL(p_wrap, rodp_prefetch_mr(&fake_mr, MR_BUF + 8, SIZE_MAX - 4, 0))
CALL(p_flags, rodp_prefetch_mr(&fake_mr, MR_BUF, 4096, 1u << 3))
CALL(p_flags_all, rodp_prefetch_mr(&fake_mr, MR_BUF, 4096, UINT_MAX))
/* An implicit MR (the whole address space): 5 TiB at once is more than
 * the 4096 SGEs of 1 GiB a prefetch may make, refused before the device. */
static struct ibv_mr fake_implicit = { .addr = NULL, .length = SIZE_MAX };
CALL(p_huge, rodp_prefetch_mr(&fake_implicit, (void *)0x100000,
			      5ULL << 40, 0))
CALL(p_write_nofault, rodp_prefetch_mr(&fake_mr, MR_BUF, 4096,
				       RODP_PREFETCH_F_WRITE |
				       RODP_PREFETCH_F_NO_FAULT))
/* rodp_prefetch_mr_sg: the list is checked whole before the MR is used
 * (fake_mr's lkey is 0) */
static struct ibv_sge sg_ok[2] = {
	{ .addr = (uintptr_t)MR_BUF, .length = 512 },
	{ .addr = (uintptr_t)MR_BUF + 1024, .length = 512 },
};
static struct ibv_sge sg_lkey[2] = {
	{ .addr = (uintptr_t)MR_BUF, .length = 512 },
	{ .addr = (uintptr_t)MR_BUF + 1024, .length = 512, .lkey = 7 },
};
static struct ibv_sge sg_out[2] = {
	{ .addr = (uintptr_t)MR_BUF, .length = 512 },
	{ .addr = (uintptr_t)MR_BUF + 4000, .length = 512 },
};
static struct ibv_sge sg_empty[1] = { { .addr = (uintptr_t)MR_BUF } };
CALL(sg_null_mr, rodp_prefetch_mr_sg(NULL, sg_ok, 2, 0))
CALL(sg_null_list, rodp_prefetch_mr_sg(&fake_mr, NULL, 2, 0))
CALL(sg_zero, rodp_prefetch_mr_sg(&fake_mr, sg_ok, 0, 0))
CALL(sg_too_many, rodp_prefetch_mr_sg(&fake_mr, sg_ok, UINT32_MAX, 0))
CALL(sg_bad_lkey, rodp_prefetch_mr_sg(&fake_mr, sg_lkey, 2, 0))
CALL(sg_outside, rodp_prefetch_mr_sg(&fake_mr, sg_out, 2, 0))
CALL(sg_len0, rodp_prefetch_mr_sg(&fake_mr, sg_empty, 1, 0))
CALL(sg_flags, rodp_prefetch_mr_sg(&fake_mr, sg_ok, 2, 1u << 3))
CALL(sg_write_nofault, rodp_prefetch_mr_sg(&fake_mr, sg_ok, 2,
					   RODP_PREFETCH_F_WRITE |
					   RODP_PREFETCH_F_NO_FAULT))
/* rodp_get_mr_stats, rodp_get_lib_stats */
CALL(m_null, rodp_get_mr_stats(NULL, &mst, sizeof(mst)))
CALL(m_null_stats, rodp_get_mr_stats(&fake_mr, NULL, sizeof(mst)))
CALL(m_zero, rodp_get_mr_stats(&fake_mr, &mst, 0))
CALL(m_unknown, rodp_get_mr_stats(&fake_mr, &mst, sizeof(mst)))
CALL(l_null, rodp_get_lib_stats(NULL, sizeof(lst)))
CALL(l_zero, rodp_get_lib_stats(&lst, 0))
/* policy */
CALL(ps_null, rodp_set_policy(NULL, RODP_POLICY_MODE_STOCK))
CALL(ps_mode, rodp_set_policy(&nowhere, (enum rodp_policy_mode)3))
CALL(ps_mode_neg, rodp_set_policy(&nowhere, (enum rodp_policy_mode)-1))
CALL(ps_mode_max, rodp_set_policy(&nowhere, (enum rodp_policy_mode)INT_MAX))
CALL(ps_inherited, rodp_set_policy(&inherited, RODP_POLICY_MODE_STOCK))
CALL(pg_null, rodp_get_policy(NULL, &pol))
CALL(pg_null_out, rodp_get_policy(&nowhere, NULL))
CALL(pg_inherited, rodp_get_policy(&inherited, &pol))
CALL(pps_null, rodp_set_process_policy(NULL, 1, RODP_POLICY_MODE_STOCK))
CALL(pps_neg, rodp_set_process_policy(&nowhere, -1, RODP_POLICY_MODE_STOCK))
CALL(pps_min, rodp_set_process_policy(&nowhere, INT_MIN,
				      RODP_POLICY_MODE_STOCK))
CALL(pps_mode, rodp_set_process_policy(&nowhere, 1,
				       (enum rodp_policy_mode)3))
CALL(ppg_null, rodp_get_process_policy(NULL, 1, &pol))
CALL(ppg_neg, rodp_get_process_policy(&nowhere, -1, &pol))
CALL(ppg_null_out, rodp_get_process_policy(&nowhere, 1, NULL))
CALL(ppg_inherited, rodp_get_process_policy(&inherited, 1, &pol))
CALL(gs_null, rodp_set_global_policy(NULL, RODP_POLICY_MODE_STOCK))
CALL(gs_default, rodp_set_global_policy(&nowhere, RODP_POLICY_MODE_DEFAULT))
CALL(gs_mode, rodp_set_global_policy(&nowhere, (enum rodp_policy_mode)3))
CALL(gs_inherited, rodp_set_global_policy(&inherited,
					  RODP_POLICY_MODE_STOCK))
CALL(gg_null, rodp_get_global_policy(NULL, &pol))
CALL(gg_null_out, rodp_get_global_policy(&nowhere, NULL))
/* events */
static int ef_inherited(void)
{
	return rodp_get_event_fd(&inherited) == -1 ? errno : 0;
}
CALL(e_null, rodp_get_event(NULL, NULL, sizeof(ev)))
CALL(e_zero, rodp_get_event(NULL, &ev, 0))
CALL(e_inherited, rodp_get_event(&inherited, &ev, sizeof(ev)))
/* regions */
CALL(g_null, rodp_get_regions(NULL, 0, count_cb, &ncb))
CALL(g_null_cb, rodp_get_regions(&nowhere, 0, NULL, NULL))
CALL(g_neg, rodp_get_regions(&nowhere, -1, count_cb, &ncb))
CALL(g_min, rodp_get_regions(&nowhere, INT_MIN, count_cb, &ncb))
CALL(g_inherited, rodp_get_regions(&inherited, 0, count_cb, &ncb))

static const struct api_case host_cases[] = {
	CASE(rodp_query_odp, "ctx NULL", q_null, EINVAL),
	CASE(rodp_query_odp, "transport past the last", q_transport, EINVAL),
	CASE(rodp_query_odp, "transport -1", q_transport_neg, EINVAL),
	CASE(rodp_query_odp, "op past the last", q_op, EINVAL),
	CASE(rodp_query_odp, "op INT_MAX", q_op_huge, EINVAL),
	CASE(rodp_get_stats, "ctx NULL", s_null_ctx, EINVAL),
	CASE(rodp_get_stats, "stats NULL", s_null_stats, EINVAL),
	CASE(rodp_get_stats, "stats_size 0", s_zero, EINVAL),
	CASE(rodp_get_stats, "pid -1", s_neg_pid, EINVAL),
	CASE(rodp_get_stats, "pid INT_MIN", s_min_pid, EINVAL),
	CASE(rodp_get_stats, "ctx inherited", s_inherited, EBADF),
	CASE(rodp_reg_mr, "pd NULL", r_null_pd, EINVAL),
	CASE(rodp_reg_mr, "length 0", r_zero_len, EINVAL),
	CASE(rodp_reg_mr, "addr NULL, not implicit", r_null_addr, EINVAL),
	CASE(rodp_reg_mr, "addr + length wraps", r_wrap, EINVAL),
	CASE(rodp_reg_mr, "length SIZE_MAX, not implicit", r_size_max, EINVAL),
	CASE(rodp_reg_mr, "unknown flag", r_flags, EINVAL),
	CASE(rodp_reg_mr, "flags UINT_MAX", r_flags_all, EINVAL),
	CASE(rodp_reg_mr, "PREFERRED | IMPLICIT", r_flags_both, EINVAL),
	CASE(rodp_reg_mr, "implicit with an addr", r_impl_addr, EINVAL),
	CASE(rodp_reg_mr, "implicit, length not SIZE_MAX", r_impl_len, EINVAL),
	CASE(rodp_reg_mr, "REMOTE_WRITE without LOCAL_WRITE", r_rw_no_local,
	     EINVAL),
	CASE(rodp_reg_mr, "REMOTE_ATOMIC without LOCAL_WRITE",
	     r_atomic_no_local, EINVAL),
	CASE(rodp_reg_mr_ex, "pd NULL", x_null_pd, EINVAL),
	CASE(rodp_reg_mr_ex, "attr NULL", x_null_attr, EINVAL),
	CASE(rodp_reg_mr_ex, "unknown comp_mask bit", x_mask, EOPNOTSUPP),
	CASE(rodp_reg_mr_ex, "comp_mask UINT32_MAX", x_mask_all, EOPNOTSUPP),
	CASE(rodp_reg_mr_ex, "addr + length wraps (with iova)", x_wrap, EINVAL),
	CASE(rodp_reg_mr_ex, "length 0", x_zero, EINVAL),
	CASE(rodp_dereg_mr, "mr NULL", d_null, EINVAL),
	CASE(rodp_mr_is_odp, "mr NULL (answers 0)", o_null, 0),
	CASE(rodp_mr_is_odp, "mr not librodp's (answers 0)", o_unknown, 0),
	CASE(rodp_prefetch_mr, "mr NULL", p_null, EINVAL),
	CASE(rodp_prefetch_mr, "length 0", p_zero, EINVAL),
	CASE(rodp_prefetch_mr, "starts below the MR", p_below, EINVAL),
	CASE(rodp_prefetch_mr, "ends past the MR", p_beyond, EINVAL),
	CASE(rodp_prefetch_mr, "starts at the MR's end", p_after, EINVAL),
	CASE(rodp_prefetch_mr, "addr NULL", p_null_addr, EINVAL),
	CASE(rodp_prefetch_mr, "length SIZE_MAX", p_size_max, EINVAL),
	CASE(rodp_prefetch_mr, "addr + length wraps", p_wrap, EINVAL),
	CASE(rodp_prefetch_mr, "unknown flag", p_flags, EINVAL),
	CASE(rodp_prefetch_mr, "flags UINT_MAX", p_flags_all, EINVAL),
	CASE(rodp_prefetch_mr, "WRITE | NO_FAULT", p_write_nofault, EINVAL),
	CASE(rodp_prefetch_mr, "5 TiB of an implicit MR", p_huge, EINVAL),
	CASE(rodp_prefetch_mr_sg, "mr NULL", sg_null_mr, EINVAL),
	CASE(rodp_prefetch_mr_sg, "sg_list NULL", sg_null_list, EINVAL),
	CASE(rodp_prefetch_mr_sg, "num_sge 0", sg_zero, EINVAL),
	CASE(rodp_prefetch_mr_sg, "num_sge UINT32_MAX", sg_too_many, EINVAL),
	CASE(rodp_prefetch_mr_sg, "an SGE of another lkey", sg_bad_lkey,
	     EINVAL),
	CASE(rodp_prefetch_mr_sg, "an SGE past the MR", sg_outside, EINVAL),
	CASE(rodp_prefetch_mr_sg, "an SGE of length 0", sg_len0, EINVAL),
	CASE(rodp_prefetch_mr_sg, "unknown flag", sg_flags, EINVAL),
	CASE(rodp_prefetch_mr_sg, "WRITE | NO_FAULT", sg_write_nofault,
	     EINVAL),
	CASE(rodp_get_mr_stats, "mr NULL", m_null, EINVAL),
	CASE(rodp_get_mr_stats, "stats NULL", m_null_stats, EINVAL),
	CASE(rodp_get_mr_stats, "stats_size 0", m_zero, EINVAL),
	CASE(rodp_get_mr_stats, "mr not librodp's", m_unknown, EINVAL),
	CASE(rodp_get_lib_stats, "stats NULL", l_null, EINVAL),
	CASE(rodp_get_lib_stats, "stats_size 0", l_zero, EINVAL),
	CASE(rodp_set_policy, "ctx NULL", ps_null, EINVAL),
	CASE(rodp_set_policy, "mode past the last", ps_mode, EINVAL),
	CASE(rodp_set_policy, "mode -1", ps_mode_neg, EINVAL),
	CASE(rodp_set_policy, "mode INT_MAX", ps_mode_max, EINVAL),
	CASE(rodp_set_policy, "ctx inherited", ps_inherited, EBADF),
	CASE(rodp_get_policy, "ctx NULL", pg_null, EINVAL),
	CASE(rodp_get_policy, "policy NULL", pg_null_out, EINVAL),
	CASE(rodp_get_policy, "ctx inherited", pg_inherited, EBADF),
	CASE(rodp_set_process_policy, "ctx NULL", pps_null, EINVAL),
	CASE(rodp_set_process_policy, "pid -1", pps_neg, EINVAL),
	CASE(rodp_set_process_policy, "pid INT_MIN", pps_min, EINVAL),
	CASE(rodp_set_process_policy, "mode past the last", pps_mode, EINVAL),
	CASE(rodp_get_process_policy, "ctx NULL", ppg_null, EINVAL),
	CASE(rodp_get_process_policy, "pid -1", ppg_neg, EINVAL),
	CASE(rodp_get_process_policy, "policy NULL", ppg_null_out, EINVAL),
	CASE(rodp_get_process_policy, "ctx inherited", ppg_inherited, EBADF),
	CASE(rodp_set_global_policy, "ctx NULL", gs_null, EINVAL),
	CASE(rodp_set_global_policy, "mode DEFAULT", gs_default, EINVAL),
	CASE(rodp_set_global_policy, "mode past the last", gs_mode, EINVAL),
	CASE(rodp_set_global_policy, "ctx inherited", gs_inherited, EBADF),
	CASE(rodp_get_global_policy, "ctx NULL", gg_null, EINVAL),
	CASE(rodp_get_global_policy, "policy NULL", gg_null_out, EINVAL),
	CASE(rodp_get_event_fd, "ctx inherited", ef_inherited, EBADF),
	CASE(rodp_get_event, "event NULL", e_null, EINVAL),
	CASE(rodp_get_event, "event_size 0", e_zero, EINVAL),
	CASE(rodp_get_event, "ctx inherited", e_inherited, EBADF),
	CASE(rodp_get_regions, "ctx NULL", g_null, EINVAL),
	CASE(rodp_get_regions, "cb NULL", g_null_cb, EINVAL),
	CASE(rodp_get_regions, "pid -1", g_neg, EINVAL),
	CASE(rodp_get_regions, "pid INT_MIN", g_min, EINVAL),
	CASE(rodp_get_regions, "ctx inherited", g_inherited, EBADF),
};

static void test_error_cases(void)
{
	struct rodp_lib_stats l0, l1;

	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	api_run_cases(host_cases, sizeof(host_cases) / sizeof(host_cases[0]));
	/* Nothing was registered, and every refusal was counted. */
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked);
	CU_ASSERT_EQUAL(l1.reg_odp + l1.reg_pinned_fallback,
			l0.reg_odp + l0.reg_pinned_fallback);
	CU_ASSERT_EQUAL(l1.reg_failed - l0.reg_failed, l1.reg_calls - l0.reg_calls);
	CU_ASSERT_EQUAL(l1.reg_failed - l0.reg_failed, 18);
}

/* The calls that cannot fail answer something sensible to anything. */
static void test_total_calls(void)
{
	static const int odd[] = { -1, 6, 42, INT_MAX, INT_MIN };
	size_t i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		CU_ASSERT_STRING_EQUAL(rodp_odp_reason_str((enum rodp_odp_reason)odd[i]),
				       "unknown reason");
		CU_ASSERT_STRING_EQUAL(rodp_policy_str((enum rodp_policy_mode)odd[i]),
				       "unknown");
	}
	CU_ASSERT_STRING_EQUAL(rodp_odp_reason_str(RODP_ODP_SUPPORTED),
			       "supported");
	CU_ASSERT_PTR_NOT_NULL(rodp_last_error_msg());
	rodp_close(NULL);
}

/* Sizes bigger than the struct: only the struct is written. */
static void test_huge_sizes(void)
{
	struct {
		struct rodp_lib_stats s;
		uint64_t canary;
	} big;
	unsigned char one[sizeof(struct rodp_lib_stats)];

	memset(&big, 0xa5, sizeof(big));
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&big.s, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(big.canary, 0xa5a5a5a5a5a5a5a5ULL);
	memset(one, 0xa5, sizeof(one));
	CU_ASSERT_EQUAL(rodp_get_lib_stats((struct rodp_lib_stats *)one, 1), 0);
	CU_ASSERT_EQUAL(one[1], 0xa5);
	CU_ASSERT_EQUAL(one[sizeof(one) - 1], 0xa5);
}

/* Without rodp.ko (the host) rodp_open() and rodp_get_event_fd() give
 * ENODEV and say why; where the module is loaded they work. */
static void test_open_without_module(void)
{
	struct rodp_ctx *ctx;
	int fd;

	errno = 0;
	ctx = rodp_open();
	if (ctx) {
		printf("\n    rodp.ko is loaded here: rodp_open() works");
		CU_ASSERT_EQUAL(rodp_get_lib_stats(&lst, sizeof(lst)), 0);
		rodp_close(ctx);
		return;
	}
	CU_ASSERT_EQUAL(errno, ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "rodp.ko"));
	errno = 0;
	fd = rodp_get_event_fd(NULL);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_EQUAL(errno, ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "rodp.ko"));
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), ENODEV);
}

/* rodp_last_error_msg() is the calling thread's: another thread's failure
 * does not show here, nor this one's there. */
static void *other_thread(void *arg)
{
	int *ok = arg;

	*ok = !*rodp_last_error_msg();
	*ok &= rodp_dereg_mr(NULL) == EINVAL && *rodp_last_error_msg();
	return NULL;
}

static void test_error_msg_per_thread(void)
{
	pthread_t t;
	int ok = 0;

	CU_ASSERT_EQUAL(rodp_get_stats(NULL, -1, NULL, 0), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "stats"));
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, other_thread, &ok), 0);
	pthread_join(t, NULL);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "stats"));
}

/* Every exported function has at least one case in the table (or, for
 * the four that cannot fail, in test_total_calls). */
static void test_every_export_has_cases(void)
{
	static const char *const total[] = {
		"rodp_odp_reason_str", "rodp_policy_str", "rodp_last_error_msg",
		"rodp_close", "rodp_open",
	};
	const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
	char path[4096], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../../lib/librodp.map", srcdir);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		size_t i;
		int found = 0;

		if (sscanf(line, " %127[a-z0-9_];", name) != 1 ||
		    strncmp(name, "rodp_", 5))
			continue;
		n++;
		for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++)
			found |= !strcmp(host_cases[i].fn, name);
		for (i = 0; i < sizeof(total) / sizeof(total[0]); i++)
			found |= !strcmp(total[i], name);
		if (!found)
			printf("\n    %s has no robustness case", name);
		CU_ASSERT_TRUE(found);
	}
	fclose(f);
	CU_ASSERT_EQUAL(n, 24);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_nle_mapping),
		RODP_TEST(test_inherited_context),
		RODP_TEST(test_error_cases),
		RODP_TEST(test_total_calls),
		RODP_TEST(test_huge_sizes),
		RODP_TEST(test_open_without_module),
		RODP_TEST(test_error_msg_per_thread),
		RODP_TEST(test_every_export_has_cases),
	};

	return rodp_cunit_run("api_args", stand_ins_init, stand_ins_fini,
			      tests, sizeof(tests) / sizeof(tests[0]));
}
