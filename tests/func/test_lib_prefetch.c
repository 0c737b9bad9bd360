// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_prefetch_mr() on real rxe: the ibv_advise_mr() path, the forced
 * fallback through rodp.ko (RODP_PREFETCH_FALLBACK=1), dead ranges after
 * munmap, and the error paths; statistics must match what was done.
 * Where ibv_advise_mr() cannot reach rxe (rdma-core older than 65, as in
 * Debian trixie: EOPNOTSUPP), every prefetch must go through rodp.ko
 * instead, and the counts say so.
 */
#include <config.h>

#include <stdint.h>

#include "lib_test.h"

#define PAGE 4096UL


static void test_prefetch_advise(void)
{
	const size_t len = 64 * PAGE;
	struct rodp_mr_stats st;
	struct rodp_lib_stats l0, l1;
	struct ibv_mr *mr;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 1, len);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf + PAGE, PAGE, 0), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len,
					 RODP_PREFETCH_F_ASYNC), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len,
					 RODP_PREFETCH_F_NO_FAULT), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.prefetch_calls, l0.prefetch_calls + 4);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.prefetch_calls, 4);
	if (lt_advise_works()) {
		CU_ASSERT_EQUAL(l1.prefetch_advise, l0.prefetch_advise + 4);
		CU_ASSERT_EQUAL(l1.prefetch_shim, l0.prefetch_shim);
		CU_ASSERT_EQUAL(l1.prefetch_sges, l0.prefetch_sges + 4);
		CU_ASSERT_EQUAL(st.prefetch_advise, 4);
	} else {
		/* Each call asked advise_mr, heard EOPNOTSUPP, used rodp.ko. */
		CU_ASSERT_EQUAL(l1.prefetch_advise, l0.prefetch_advise);
		CU_ASSERT_EQUAL(l1.prefetch_fallback, l0.prefetch_fallback + 4);
		CU_ASSERT_EQUAL(l1.prefetch_shim, l0.prefetch_shim + 4);
		CU_ASSERT_EQUAL(st.prefetch_advise, 0);
		CU_ASSERT_EQUAL(st.prefetch_shim, 4);
		CU_ASSERT_EQUAL(st.kernel.prefetch_calls, 4);
	}
	CU_ASSERT_EQUAL(st.prefetch_bytes, 3 * len + PAGE);
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, 0);
	/* rodp.ko (7.2) counts advise_mr's page faults as faults of the
	 * region, its own prefetch as prefetch; either way every page of
	 * the MR went through it. */
	printf("\n    advise path: kernel fault calls %llu, pages %llu; "
	       "prefetch calls %llu, pages %llu\n",
	       (unsigned long long)st.kernel.fault_calls,
	       (unsigned long long)st.kernel.fault_pages,
	       (unsigned long long)st.kernel.prefetch_calls,
	       (unsigned long long)st.kernel.prefetch_pages);
	CU_ASSERT_TRUE(st.kernel.fault_pages + st.kernel.prefetch_pages >=
		       len / PAGE);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void test_prefetch_forced_fallback(void)
{
	const size_t len = 32 * PAGE;
	struct rodp_mr_stats st;
	struct rodp_lib_stats l0, l1;
	struct ibv_mr *mr;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 1, len);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	lt_prefetch_fallback(1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, 4 * PAGE,
					 RODP_PREFETCH_F_NO_FAULT), 0);
	lt_prefetch_fallback(0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.prefetch_forced, l0.prefetch_forced + 2);
	CU_ASSERT_EQUAL(l1.prefetch_shim, l0.prefetch_shim + 2);
	CU_ASSERT_EQUAL(l1.prefetch_advise, l0.prefetch_advise);

	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.prefetch_shim, 2);
	CU_ASSERT_EQUAL(st.prefetch_advise, 0);
	printf("\n    shim path: kernel prefetch calls %llu, pages %llu\n",
	       (unsigned long long)st.kernel.prefetch_calls,
	       (unsigned long long)st.kernel.prefetch_pages);
	CU_ASSERT_EQUAL(st.kernel.prefetch_calls, 2);
	CU_ASSERT_TRUE(st.kernel.prefetch_pages >= len / PAGE);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void test_prefetch_dead_ranges(void)
{
	const size_t len = 16 * PAGE;
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	char *buf = lt_map(len);
	int mode;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	/* The middle half goes away: the live set has two ranges. */
	CU_ASSERT_EQUAL_FATAL(munmap(buf + 4 * PAGE, 8 * PAGE), 0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.live_ranges, 2);
	CU_ASSERT_EQUAL(st.live_bytes, 8 * PAGE);
	CU_ASSERT_EQUAL(st.state, RODP_STATE_LIVE);

	/* Both paths skip the dead middle. */
	for (mode = 0; mode < 2; mode++) {
		if (mode)
			lt_prefetch_fallback(1);
		CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, 0), 0);
		CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf + 5 * PAGE, PAGE, 0),
				EFAULT);
		lt_prefetch_fallback(0);
	}
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, 2 * (8 * PAGE + PAGE));
	CU_ASSERT_EQUAL(st.prefetch_bytes, 2 * 8 * PAGE);
	CU_ASSERT_EQUAL(st.prefetch_advise, lt_advise_works() ? 1 : 0);
	CU_ASSERT_EQUAL(st.prefetch_shim, lt_advise_works() ? 1 : 2);

	/* All of it gone: the region is dead and nothing is prefetched. */
	munmap(buf, 4 * PAGE);
	munmap(buf + 12 * PAGE, 4 * PAGE);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.state, RODP_STATE_DEAD);
	CU_ASSERT_EQUAL(st.live_bytes, 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, 0), EFAULT);
	printf("\n    dead: %s\n", rodp_last_error_msg());
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
}

/* After a failure seen under the debug kernel only: whether rodp.ko
 * missed the MR's creation (a region it never had explains every failed
 * call of test_prefetch_after_munmap_no_query). */
static void print_attach_counters(void)
{
	struct rodp_stats g;
	int err = rodp ? rodp_get_stats(rodp, 0, &g, sizeof(g)) : ENODEV;

	if (err)
		printf("    rodp_get_stats: %s\n", strerror(err));
	else
		printf("    rodp.ko: umems created %llu, attach missed %llu, "
		       "left unwrapped %llu\n",
		       (unsigned long long)g.umems_created,
		       (unsigned long long)g.attach_missed,
		       (unsigned long long)g.wrap_full);
}

/*
 * The live ranges come from the region events, not from a query per
 * prefetch: after a munmap, with no rodp_get_mr_stats() in between, the
 * hole is skipped (from the SHRUNK event, or, if it has not arrived yet,
 * from the one refresh the device's refusal triggers) and the rest is
 * prefetched; the SGE-list call plans each of its ranges the same way.
 */
static void test_prefetch_after_munmap_no_query(void)
{
	const size_t len = 16 * PAGE;
	struct rodp_mr_stats st;
	struct ibv_sge sge[3];
	struct ibv_mr *mr;
	char *buf = lt_map(len);
	int err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 1, len);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL_FATAL(munmap(buf + 4 * PAGE, 8 * PAGE), 0);
	err = rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE);
	CU_ASSERT_EQUAL(err, 0);
	if (err) {	/* seen once, under the debug kernel only */
		printf("\n    prefetch after munmap: %s (%s)\n", strerror(err),
		       rodp_last_error_msg());
		print_attach_counters();
	}
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf + 5 * PAGE, PAGE, 0), EFAULT);

	sge[0] = (struct ibv_sge){ (uintptr_t)buf, 2 * PAGE, mr->lkey };
	sge[1] = (struct ibv_sge){ (uintptr_t)buf + 3 * PAGE, 2 * PAGE,
				   mr->lkey };
	sge[2] = (struct ibv_sge){ (uintptr_t)buf + 14 * PAGE, 2 * PAGE,
				   mr->lkey };
	CU_ASSERT_EQUAL(rodp_prefetch_mr_sg(mr, sge, 3, RODP_PREFETCH_F_WRITE |
					    RODP_PREFETCH_F_ASYNC), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr_sg(mr, sge + 1, 1, 0), 0);
	sge[1].lkey++;
	CU_ASSERT_EQUAL(rodp_prefetch_mr_sg(mr, sge, 3, 0), EINVAL);

	err = rodp_get_mr_stats(mr, &st, sizeof(st));
	CU_ASSERT_EQUAL(err, 0);
	if (err)
		printf("\n    rodp_get_mr_stats: %s (%s)\n", strerror(err),
		       rodp_last_error_msg());
	CU_ASSERT_EQUAL(st.prefetch_calls, 4);
	if (lt_advise_works()) {
		CU_ASSERT_EQUAL(st.prefetch_advise, 3);
	} else {
		CU_ASSERT_EQUAL(st.prefetch_advise, 0);
		CU_ASSERT_EQUAL(st.prefetch_shim, 3);
	}
	/* 8 live pages + (2 + 1 + 2) + 1 live pages asked for. */
	CU_ASSERT_EQUAL(st.prefetch_bytes, (8 + 5 + 1) * PAGE);
	CU_ASSERT_EQUAL(st.prefetch_dead_bytes, (8 + 1 + 1 + 1) * PAGE);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, 4 * PAGE);
	munmap(buf + 12 * PAGE, 4 * PAGE);
}

/*
 * The failure CI saw once in test_prefetch_after_munmap_no_query, made
 * certain: an MR whose region died (its buffer unmapped), deregistered,
 * and the same address registered again with the same flags. rodp.ko
 * sent the old region's DEAD before the deregistration returned; the
 * library reads it only at the next prefetch, when the new MR is there.
 * It is not the new MR's (it names the old MR's lkey, and a tombstone
 * stands for the old key): the prefetch works and the new MR's statistics
 * are its own region's.
 */
static void test_prefetch_after_reregistration(void)
{
	const size_t len = 16 * PAGE;
	struct rodp_mr_stats st;
	struct ibv_mr *mr;
	char *buf = lt_map(len), *again;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 1, len);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	/* Bound now: its notifications go to the library's socket. */
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, len), 0);
	/* rodp.ko sends the DEAD from its workqueue; nothing reads it. */
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);

	again = mmap(buf, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CU_ASSERT_PTR_EQUAL_FATAL(again, buf);
	memset(buf, 2, len);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE),
			0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(st.live_bytes, len);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void test_prefetch_errors(void)
{
	const size_t len = 8 * PAGE;
	struct rodp_mr_stats st;
	struct ibv_mr *mr, *ro;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(NULL, buf, len, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, 0, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len + 1, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf - 1, 2, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, 1u << 8), EINVAL);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE |
					 RODP_PREFETCH_F_NO_FAULT), EINVAL);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);

	/* Read-only MR: a write prefetch is refused. */
	ro = rodp_reg_mr(pd, buf, len, IBV_ACCESS_REMOTE_READ, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ro);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(ro, buf, len, RODP_PREFETCH_F_WRITE),
			EPERM);
	/* rxe's advise_mr refuses MRs without LOCAL_WRITE (EINVAL); the
	 * library serves the read prefetch through rodp.ko instead. */
	CU_ASSERT_EQUAL(rodp_prefetch_mr(ro, buf, len, 0), 0);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(ro, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.prefetch_calls, 2);
	CU_ASSERT_EQUAL(st.prefetch_advise + st.prefetch_shim, 1);
	printf("\n    read-only MR: advise %llu, rodp.ko %llu\n",
	       (unsigned long long)st.prefetch_advise,
	       (unsigned long long)st.prefetch_shim);
	CU_ASSERT_EQUAL(rodp_dereg_mr(ro), 0);
	munmap(buf, len);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_prefetch_advise),
		RODP_TEST(test_prefetch_forced_fallback),
		RODP_TEST(test_prefetch_dead_ranges),
		RODP_TEST(test_prefetch_after_munmap_no_query),
		RODP_TEST(test_prefetch_after_reregistration),
		RODP_TEST(test_prefetch_errors),
	};

	LT_RUN("lib_prefetch", tests, 1);
}
