// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * librodp registration, per-MR statistics, the region query and the
 * documented error paths of rodp_reg_mr() on real rxe with rodp.ko.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>

#include "lib_test.h"

static void test_reg_odp_required(void)
{
	const size_t len = 256 << 10;
	struct rodp_lib_stats l0, l1, l2;
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	void *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, RODP_REG_ODP_REQUIRED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(mr->addr, buf);
	CU_ASSERT_EQUAL(mr->length, len);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 1);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.reg_calls, l0.reg_calls + 1);
	CU_ASSERT_EQUAL(l1.reg_odp, l0.reg_odp + 1);
	/* Nobody listens for events: the bind is put off (no netlink
	 * round trip in registration) until the statistics need it. */
	CU_ASSERT_EQUAL(l1.bind_ok, l0.bind_ok);
	CU_ASSERT_EQUAL(l1.bind_failed, l0.bind_failed);
	CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked + 1);

	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.bind_ok, l0.bind_ok + 1);
	CU_ASSERT_EQUAL(st.flags, RODP_MR_ODP | RODP_MR_BOUND |
				  RODP_MR_KERNEL_STATS);
	CU_ASSERT_NOT_EQUAL(st.region_id, 0);
	CU_ASSERT_EQUAL(st.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(st.live_bytes, len);
	CU_ASSERT_EQUAL(st.live_ranges, 1);
	CU_ASSERT_EQUAL(st.prefetch_calls, 0);

	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l2, sizeof(l2)), 0);
	CU_ASSERT_EQUAL(l2.dereg_calls, l0.dereg_calls + 1);
	CU_ASSERT_EQUAL(l2.mrs_tracked, l0.mrs_tracked);
	munmap(buf, len);
}

static void test_reg_preferred_is_odp_on_rxe(void)
{
	const size_t len = 64 << 10;
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	void *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE,
			 RODP_REG_ODP_PREFERRED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 1);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_FALSE(st.flags & RODP_MR_PINNED_FALLBACK);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void test_reg_mr_ex_iova(void)
{
	const size_t len = 64 << 10;
	struct rodp_reg_mr_attr attr = {
		.comp_mask = RODP_REG_MR_ATTR_IOVA,
		.access = IBV_ACCESS_LOCAL_WRITE,
		.iova = 0x100000,
		.length = len,
	};
	struct ibv_mr *mr;

	attr.addr = lt_map(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(attr.addr);
	mr = rodp_reg_mr_ex(pd, &attr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 1);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);

	attr.comp_mask = 1u << 7;
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr_ex(pd, &attr));
	CU_ASSERT_EQUAL(errno, EOPNOTSUPP);
	munmap(attr.addr, len);
}

/* Does the device offer implicit ODP (IBV_ODP_SUPPORT_IMPLICIT)? */
static bool lt_has_implicit(void)
{
	struct ibv_device_attr_ex attr;

	memset(&attr, 0, sizeof(attr));
	if (ibv_query_device_ex(dev_ctx, NULL, &attr))
		return false;
	return attr.odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT;
}

static void test_reg_errors(void)
{
	const size_t len = 64 << 10;
	struct rodp_lib_stats l0, l1;
	struct ibv_mr *implicit;
	void *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);

	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(NULL, buf, len, 0, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(pd, buf, 0, 0, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(pd, buf, len, 0, 1u << 9));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(pd, NULL, SIZE_MAX, 0,
				       RODP_REG_ODP_PREFERRED |
				       RODP_REG_ODP_IMPLICIT));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(pd, buf, len, 0,
				       RODP_REG_ODP_IMPLICIT));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(rodp_reg_mr_ex(pd, NULL));

	/*
	 * Implicit ODP is the device's to give: rodp's rdma_rxe has it
	 * (kernel/rxe patch 0006), the distribution's has not, and then
	 * the answer is ENOTSUP with a message that says so.
	 */
	errno = 0;
	implicit = rodp_reg_mr(pd, NULL, SIZE_MAX, IBV_ACCESS_LOCAL_WRITE,
			       RODP_REG_ODP_IMPLICIT);
	if (lt_has_implicit()) {
		CU_ASSERT_PTR_NOT_NULL(implicit);
		CU_ASSERT_EQUAL(rodp_mr_is_odp(implicit), 1);
		CU_ASSERT_EQUAL(rodp_dereg_mr(implicit), 0);
	} else {
		CU_ASSERT_PTR_NULL(implicit);
		CU_ASSERT_EQUAL(errno, ENOTSUP);
		printf("\n    implicit: %s\n", rodp_last_error_msg());
		CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(),
					      "implicit"));
	}
	/* rodp's own rdma_rxe must have it. */
	if (getenv("RODP_RXE") && !strcmp(getenv("RODP_RXE"), "fixed"))
		CU_ASSERT_TRUE(lt_has_implicit());

	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.reg_failed,
			l0.reg_failed + (lt_has_implicit() ? 6 : 7));
	CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked);

	CU_ASSERT_EQUAL(rodp_dereg_mr(NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(NULL), 0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(NULL, NULL, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(NULL, 8), EINVAL);
	munmap(buf, len);
}

/* An MR made with plain ibv_reg_mr() is not librodp's, but
 * rodp_dereg_mr() frees it all the same. */
static void test_foreign_mr(void)
{
	const size_t len = 64 << 10;
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	void *buf = calloc(1, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), EINVAL);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	free(buf);
}

/*
 * ibv_dereg_mr() on a librodp MR is safe: the stale state is reclaimed
 * when libibverbs hands the same pointer out again. Whether it does is the
 * allocator's business: glibc's reuses the chunk at once, AddressSanitizer
 * quarantines freed memory and never does here. So the test follows the
 * pointers itself and checks the library's accounting exactly: every
 * reuse of a stale pointer is one reclaimed entry, every stale pointer not
 * reused is one tracked entry left; and with glibc, reuse must be seen.
 */
#define STALE_ROUNDS 8
static void test_direct_ibv_dereg(void)
{
	const size_t len = 64 << 10;
	struct ibv_mr *stale[STALE_ROUNDS + 1];
	struct rodp_lib_stats l0, l1;
	struct rodp_mr_stats st;
	unsigned int nstale = 0, reused = 0, i, j;
	struct ibv_mr *mr;
	void *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	for (i = 0; i <= STALE_ROUNDS; i++) {
		mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
		/* A stale entry of this pointer is replaced, not kept. */
		for (j = 0; j < nstale; j++)
			if (stale[j] == mr) {
				stale[j] = stale[--nstale];
				reused++;
				break;
			}
		if (i == STALE_ROUNDS)
			break;
		CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
		stale[nstale++] = mr;
	}
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.live_bytes, len);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	printf("\n    pointers reused %u, stale entries reclaimed %llu, "
	       "tracked %llu -> %llu\n", reused,
	       (unsigned long long)(l1.stale_reclaimed - l0.stale_reclaimed),
	       (unsigned long long)l0.mrs_tracked,
	       (unsigned long long)l1.mrs_tracked);
	CU_ASSERT_EQUAL(l1.stale_reclaimed - l0.stale_reclaimed, reused);
	CU_ASSERT_EQUAL(l1.mrs_tracked - l0.mrs_tracked, nstale);
#ifndef __SANITIZE_ADDRESS__
	CU_ASSERT_TRUE(reused > 0);
#endif
	munmap(buf, len);
}

struct find_region {
	uint64_t id;
	int found;
	struct rodp_region_info info;
	uint64_t live;
};

static int find_cb(const struct rodp_region_info *info, void *arg)
{
	struct find_region *f = arg;
	uint32_t i;

	if (info->id != f->id)
		return 0;
	f->found++;
	f->info = *info;
	f->live = 0;
	for (i = 0; i < info->nr_ranges; i++)
		f->live += info->ranges[i].length;
	return 1;
}

static int count_cb(const struct rodp_region_info *info, void *arg)
{
	(void)info;
	(*(int *)arg)++;
	return 0;
}

/* A callback that calls the library on the same context: before the
 * dump was read whole, this deadlocked on the context's lock. */
static int reentrant_cb(const struct rodp_region_info *info, void *arg)
{
	struct rodp_stats st;
	int *calls = arg;

	if (info->pid == (uint32_t)getpid() &&
	    rodp_get_stats(rodp, getpid(), &st, sizeof(st)) == 0 &&
	    st.umems_live >= 1)
		(*calls)++;
	return 0;
}

static void test_get_regions(void)
{
	const size_t len = 128 << 10;
	struct find_region f = { 0 };
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	void *buf = lt_map(len);
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL_FATAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	f.id = st.region_id;
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, getpid(), find_cb, &f), 0);
	CU_ASSERT_EQUAL(f.found, 1);
	CU_ASSERT_EQUAL(f.info.pid, (uint32_t)getpid());
	CU_ASSERT_EQUAL(f.info.addr, (uintptr_t)buf);
	CU_ASSERT_EQUAL(f.info.length, len);
	CU_ASSERT_EQUAL(f.info.lkey, mr->lkey);
	CU_ASSERT_EQUAL(f.info.bound, 1);
	CU_ASSERT_EQUAL(f.info.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(f.info.device_kind, RODP_KIND_SOFTWARE);
	CU_ASSERT_STRING_EQUAL(f.info.device, dev_name);
	CU_ASSERT_EQUAL(f.live, len);
	CU_ASSERT_EQUAL(f.info.nr_ranges, 1);

	n = 0;
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, getpid(), reentrant_cb, &n), 0);
	CU_ASSERT_TRUE(n >= 1);

	/* Every region, and none for a pid that does not exist. */
	n = 0;
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, 0, count_cb, &n), 0);
	CU_ASSERT_TRUE(n >= 1);
	n = 0;
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, 0x3ffffff0, count_cb, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, 0, NULL, NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_regions(NULL, 0, count_cb, &n), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, -1, count_cb, &n), EINVAL);

	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, len);
}

/* The region rodp.ko holds for mr's binding, by the id librodp keeps. */
static int bound_region(struct ibv_mr *mr, struct find_region *f)
{
	struct rodp_mr_stats st;

	memset(f, 0, sizeof(*f));
	if (rodp_get_mr_stats(mr, &st, sizeof(st)) ||
	    !(st.flags & RODP_MR_BOUND))
		return -1;
	f->id = st.region_id;
	if (rodp_get_regions(rodp, getpid(), find_cb, f) || !f->found)
		return -1;
	return 0;
}

/*
 * Exact binding: a plain ibv_reg_mr() ODP MR over the very same range,
 * registered first (so rodp.ko, which picks by range, meets its unbound
 * region first), on another device or with other access flags, must
 * never be the region the librodp MR is bound to.
 */
static void test_bind_exact(void)
{
	const size_t len = 64 << 10;
	struct ibv_context *ctx1;
	struct rodp_lib_stats l0, l1;
	struct ibv_pd *pd1 = NULL;
	struct ibv_mr *plain, *mr;
	struct find_region f;
	void *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 1, len);
	rodp_get_lib_stats(&l0, sizeof(l0));

	/* Same device, other flags (no REMOTE_WRITE). */
	plain = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			   IBV_ACCESS_REMOTE_READ | IBV_ACCESS_ON_DEMAND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(bound_region(mr, &f), 0);
	printf("\n    same device: region access 0x%x lkey 0x%x (mr 0x%x)",
	       f.info.access, f.info.lkey, mr->lkey);
	CU_ASSERT_EQUAL(f.info.access & 0xff, (LT_RW | IBV_ACCESS_ON_DEMAND));
	CU_ASSERT_STRING_EQUAL(f.info.device, dev_name);
	CU_ASSERT_EQUAL(f.info.lkey, mr->lkey);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(plain), 0);

	/* Another device, same flags: rxe1 on a second dummy netdev (rxe
	 * takes one device per netdev), as tests/vm/guest/lifecycle does. */
	if (system("{ ip link show d1 || { ip link add d1 type dummy && "
		   "ip addr add 192.0.2.2/24 dev d1 && ip link set d1 up; }; } "
		   "> /dev/null 2>&1 && { rdma link show rxe1 > /dev/null "
		   "2>&1 || rdma link add rxe1 type rxe netdev d1; }") != 0) {
		CU_FAIL("cannot add rxe1 on a dummy d1");
		goto out;
	}
	ctx1 = lt_open_device("rxe1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx1);
	pd1 = ibv_alloc_pd(ctx1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd1);
	plain = ibv_reg_mr(pd1, buf, len, LT_RW | IBV_ACCESS_ON_DEMAND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(bound_region(mr, &f), 0);
	printf("\n    two devices: %s's MR bound to a region of %s",
	       dev_name, f.info.device);
	CU_ASSERT_STRING_EQUAL(f.info.device, dev_name);
	CU_ASSERT_EQUAL(f.info.lkey, mr->lkey);
	/* And a librodp MR on rxe1 now gets rxe1's region. */
	{
		struct ibv_mr *mr1 = rodp_reg_mr(pd1, buf, len, LT_RW, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(mr1);
		CU_ASSERT_EQUAL(bound_region(mr1, &f), 0);
		CU_ASSERT_STRING_EQUAL(f.info.device, "rxe1");
		CU_ASSERT_EQUAL(f.info.lkey, mr1->lkey);
		CU_ASSERT_EQUAL(rodp_dereg_mr(mr1), 0);
	}
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(plain), 0);
	ibv_dealloc_pd(pd1);
	ibv_close_device(ctx1);
	if (system("rdma link delete rxe1 && ip link delete d1") != 0)
		CU_FAIL("cannot delete rxe1 and d1");
	rodp_get_lib_stats(&l1, sizeof(l1));
	printf("\n    offers refused: %llu\n",
	       (unsigned long long)(l1.bind_mismatch - l0.bind_mismatch));
out:
	munmap(buf, len);
}

static void test_process_stats(void)
{
	const size_t len = 64 << 10;
	struct rodp_stats before, during;
	struct ibv_mr *mr, *keep;
	void *buf = lt_map(len), *kbuf = lt_map(len);

	/* rodp.ko forgets a process with no region left: keep one. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kbuf);
	keep = rodp_reg_mr(pd, kbuf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, getpid(), &before,
				       sizeof(before)), 0);
	CU_ASSERT_TRUE(before.umems_live >= 1);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, getpid(), &during,
				       sizeof(during)), 0);
	CU_ASSERT_EQUAL(during.umems_live, before.umems_live - 1);
	CU_ASSERT_EQUAL(during.umems_released, before.umems_released + 1);
	CU_ASSERT_EQUAL(rodp_get_stats(NULL, 0, &before, sizeof(before)),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_dereg_mr(keep), 0);
	/* Now it has nothing of this process: ENOENT. */
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, getpid(), &during,
				       sizeof(during)), ENOENT);
	munmap(buf, len);
	munmap(kbuf, len);
}

static void test_policy(void)
{
	enum rodp_policy_mode p, global;

	CU_ASSERT_EQUAL(rodp_get_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(rodp_set_policy(rodp, RODP_POLICY_MODE_STOCK), 0);
	CU_ASSERT_EQUAL(rodp_get_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_STOCK);
	CU_ASSERT_EQUAL(rodp_get_process_policy(rodp, getpid(), &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_STOCK);
	CU_ASSERT_EQUAL(rodp_set_policy(rodp, RODP_POLICY_MODE_EVENT_AWARE), 0);
	CU_ASSERT_EQUAL(rodp_get_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_EVENT_AWARE);
	CU_ASSERT_EQUAL(rodp_set_policy(rodp, RODP_POLICY_MODE_DEFAULT), 0);
	CU_ASSERT_EQUAL(rodp_get_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_DEFAULT);

	CU_ASSERT_EQUAL(rodp_set_policy(rodp, (enum rodp_policy_mode)7), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_policy(rodp, NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_policy(NULL, &p), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_process_policy(rodp, 0x3ffffff0, &p), ESRCH);

	/* The global mode (the tests run as root), restored afterwards. */
	CU_ASSERT_EQUAL_FATAL(rodp_get_global_policy(rodp, &global), 0);
	CU_ASSERT_NOT_EQUAL(global, RODP_POLICY_MODE_DEFAULT);
	CU_ASSERT_EQUAL(rodp_set_global_policy(rodp, RODP_POLICY_MODE_DEFAULT),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_set_global_policy(rodp, RODP_POLICY_MODE_STOCK), 0);
	CU_ASSERT_EQUAL(rodp_get_global_policy(rodp, &p), 0);
	CU_ASSERT_EQUAL(p, RODP_POLICY_MODE_STOCK);
	CU_ASSERT_EQUAL(rodp_set_global_policy(rodp, global), 0);

	CU_ASSERT_STRING_EQUAL(rodp_policy_str(RODP_POLICY_MODE_STOCK), "stock");
	CU_ASSERT_STRING_EQUAL(rodp_policy_str(RODP_POLICY_MODE_EVENT_AWARE),
			       "event-aware");
	CU_ASSERT_STRING_EQUAL(rodp_policy_str((enum rodp_policy_mode)9),
			       "unknown");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_reg_odp_required),
		RODP_TEST(test_reg_preferred_is_odp_on_rxe),
		RODP_TEST(test_reg_mr_ex_iova),
		RODP_TEST(test_reg_errors),
		RODP_TEST(test_foreign_mr),
		RODP_TEST(test_direct_ibv_dereg),
		RODP_TEST(test_get_regions),
		RODP_TEST(test_bind_exact),
		RODP_TEST(test_process_stats),
		RODP_TEST(test_policy),
	};

	LT_RUN("lib_reg", tests, 1);
}
