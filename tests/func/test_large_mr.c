// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Large, sparse ODP MRs: 2 GiB and 5 GiB of a MAP_NORESERVE anonymous
 * mapping (the guest has 4 GiB), under each policy (stock, event-aware).
 * RDMA WRITEs land at far offsets, across the 2 GiB and 4 GiB marks where
 * a 32-bit length or page index would wrap, and at the very end; each is
 * checked byte for byte, with a guard page on either side that must stay
 * zero, and the pattern differs for positions 4 GiB apart (so a write
 * that wrapped onto a low offset shows). Then the CPU rewrites each range
 * and RDMA READs must return the CPU's bytes; fork() write-protects the
 * touched pages (PROTECTION_PAGE; event-aware downgrades over the whole
 * range) and a device write at the far end still lands in the parent.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "memkind.h"

#define SMALL	4096UL
#define GIB	(1UL << 30)
#define XFER	(3 * SMALL + 17)

static struct mk m;

/* Offsets of the transfers in an MR of len bytes. */
static size_t offsets(size_t len, size_t *off)
{
	size_t n = 0;

	/* 5 pages in, so that its alias 4 GiB up keeps clear of the guard
	 * page of the write across 4 GiB. */
	off[n++] = 5 * SMALL + 1;
	off[n++] = len / 2 - 5;
	if (len > 2 * GIB)
		off[n++] = 2 * GIB - SMALL - 100;	/* across 2 GiB */
	if (len > 4 * GIB) {
		off[n++] = 4 * GIB - 2 * SMALL - 7;	/* across 4 GiB */
		off[n++] = 4 * GIB + 5 * SMALL + 1;	/* the alias of off[0] */
	}
	off[n++] = len - XFER;				/* the very end */
	return n;
}

/* Bytes of [off - SMALL, off + XFER + SMALL) not as expected. */
static size_t check(const uint8_t *buf, size_t len, size_t off, uint8_t seed,
		    bool cpu_pattern)
{
	size_t lo = off >= SMALL ? off - SMALL : 0;
	size_t hi = off + XFER + SMALL <= len ? off + XFER + SMALL : len;
	size_t i, bad = 0;

	for (i = lo; i < hi; i++) {
		uint8_t want = 0;

		if (i >= off && i < off + XFER)
			want = mk_pat(i, cpu_pattern ? (uint8_t)(seed + 100) :
				      seed);
		bad += buf[i] != want;
	}
	return bad;
}

/* What the fork child checks: the far end still holds the CPU's bytes. */
struct far_end {
	const uint8_t *buf;
	size_t len, off;
	uint8_t seed;
};

static size_t child_far_end(void *arg)
{
	const struct far_end *e = arg;

	return check(e->buf, e->len, e->off, e->seed, true);
}

static void large_case(size_t len, uint32_t policy)
{
	size_t off[8], n, i, bad;
	struct func_watch child;
	struct rodp_stats b, s;
	struct far_end end;
	struct ibv_mr *mr;
	uint8_t *buf;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	mr = lb_reg_odp(&m.lb, buf, len);
	if (!mr)
		printf("\n    ibv_reg_mr(ODP, %zu GiB): %s", len / GIB,
		       strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	n = offsets(len, off);

	for (i = 0; i < n; i++) {
		mk_fill(m.loc, off[i], XFER, (uint8_t)(i + 1));
		CU_ASSERT_EQUAL(lb_rdma(&m.lb, IBV_WR_RDMA_WRITE, m.loc,
					m.loc_mr->lkey, XFER,
					(uintptr_t)buf + off[i], mr->rkey),
				IBV_WC_SUCCESS);
	}
	/* All written first, then checked: a wrapped write would show. */
	for (i = 0; i < n; i++) {
		bad = check(buf, len, off[i], (uint8_t)(i + 1), false);
		printf("\n    %zu GiB %s: WRITE at %#zx: %zu bytes wrong",
		       len / GIB, mk_policy_name(policy), off[i], bad);
		CU_ASSERT_EQUAL(bad, 0);
	}
	for (i = 0; i < n; i++) {
		mk_fill(buf + off[i], off[i], XFER, (uint8_t)(i + 101));
		memset(m.loc, 0xee, XFER);
		CU_ASSERT_EQUAL(lb_rdma(&m.lb, IBV_WR_RDMA_READ, m.loc,
					m.loc_mr->lkey, XFER,
					(uintptr_t)buf + off[i], mr->rkey),
				IBV_WC_SUCCESS);
		bad = 0;
		for (size_t j = 0; j < XFER; j++)
			bad += m.loc[j] != mk_pat(off[i] + j,
						  (uint8_t)(i + 101));
		if (bad)
			printf("\n    READ at %#zx: %zu bytes wrong", off[i],
			       bad);
		CU_ASSERT_EQUAL(bad, 0);
	}

	/* fork: the far end still works, in the parent only. */
	mk_stats(&m, buf, &b);
	end = (struct far_end){ buf, len, off[n - 1], (uint8_t)n };
	func_watch_fork(&child, child_far_end, &end);
	mk_stats(&m, buf, &s);
	mk_print_delta("fork", &b, &s);
	CU_ASSERT(s.inval[RODP_INVAL_PROTECTION_PAGE] >
		  b.inval[RODP_INVAL_PROTECTION_PAGE]);
	if (policy == RODP_POLICY_MODE_EVENT_AWARE)
		CU_ASSERT(s.downgraded > b.downgraded);
	mk_fill(m.loc, off[n - 1], XFER, (uint8_t)(n + 50));
	CU_ASSERT_EQUAL(lb_rdma(&m.lb, IBV_WR_RDMA_WRITE, m.loc,
				m.loc_mr->lkey, XFER,
				(uintptr_t)buf + off[n - 1], mr->rkey),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(check(buf, len, off[n - 1], (uint8_t)(n + 50), false),
			0);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);

	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	munmap(buf, len);
}

static void test_2g_stock(void)
{
	large_case(2 * GIB, RODP_POLICY_MODE_STOCK);
}

static void test_2g_event_aware(void)
{
	large_case(2 * GIB, RODP_POLICY_MODE_EVENT_AWARE);
}

static void test_5g_stock(void)
{
	large_case(5 * GIB, RODP_POLICY_MODE_STOCK);
}

static void test_5g_event_aware(void)
{
	large_case(5 * GIB, RODP_POLICY_MODE_EVENT_AWARE);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_2g_stock),
		RODP_TEST(test_2g_event_aware),
		RODP_TEST(test_5g_stock),
		RODP_TEST(test_5g_event_aware),
	};
	int ret;

	mk_open(&m, "large-mr", XFER);
	ret = rodp_cunit_run("large-mr", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	mk_close(&m);
	return ret;
}
