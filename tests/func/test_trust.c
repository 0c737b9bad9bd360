// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp.ko downgrades (and skips a soft-dirty clear) only on a driver known
 * to refuse device writes through pfn-list entries without HMM_PFN_WRITE:
 * rodp's own rdma_rxe (kernel/rxe, MODULE_VERSION "rodp.N"). On any other
 * rdma_rxe (tests/vm/run --stock-rxe) the same events are delegated and
 * counted as fallbacks, and the invariants still hold.
 *
 * Run on both modules: the expectation follows
 * /sys/module/rdma_rxe/version, and the region's device-trusted attribute
 * must agree with it.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

#define NPAGES 8

static struct lb lb;
static struct rodp_ctx *rodp;
static int trusted;	/* the loaded rdma_rxe is rodp's */

#define D(field) (after.field - before.field)

/*
 * Like func_fix_init(), without checking the data: the stock rdma_rxe
 * corrupts multi-packet ODP writes (kernel/rxe/README.md), and what is
 * tested here is the decision and the page state, not the copy.
 */
static void fix_init(struct func_fix *f)
{
	f->lb = &lb;
	f->page = (size_t)sysconf(_SC_PAGESIZE);
	f->len = NPAGES * f->page;
	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(rodp, RODP_POLICY_MODE_EVENT_AWARE),
			      0);
	f->buf = mmap(NULL, f->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(f->buf != MAP_FAILED);
	f->loc = aligned_alloc(f->page, f->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->loc);
	f->loc_mr = ibv_reg_mr(lb.pd, f->loc, f->len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->loc_mr);
	f->mr = lb_reg_odp(&lb, f->buf, f->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->mr);
	CU_ASSERT_EQUAL_FATAL(func_dev_write(f, 0, NPAGES, 1), IBV_WC_SUCCESS);
}

static void test_attribute(void)
{
	struct func_region r;
	struct func_fix f;

	fix_init(&f);
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &r), 0);
	printf("\n    rdma_rxe is rodp's: %d, region device-trusted: %d",
	       trusted, func_region_trusted(rodp, r.id));
	CU_ASSERT_EQUAL(func_region_trusted(rodp, r.id), trusted);
	func_fix_fini(&f);
}

/* clear_refs with pages the device mapped writable, then read-only. */
static void test_soft_dirty(void)
{
	struct rodp_stats before, after;
	bool dirty[NPAGES];
	struct func_fix f;

	fix_init(&f);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	func_proc_stats(rodp, &after);
	printf("\n    clear_refs, writable: downgraded %llu fallback %llu delegated %llu skipped %llu",
	       (unsigned long long)D(downgraded),
	       (unsigned long long)D(fallback),
	       (unsigned long long)D(delegated),
	       (unsigned long long)D(skipped));
	CU_ASSERT_EQUAL(D(inval[RODP_INVAL_SOFT_DIRTY]), 1);
	CU_ASSERT_EQUAL(D(downgraded), trusted ? 1 : 0);
	CU_ASSERT_EQUAL(D(fallback), trusted ? 0 : 1);
	CU_ASSERT_EQUAL(D(skipped), 0);

	/* Invariant 2: a page the device writes shows soft-dirty. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 2, 1, 4), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf, NPAGES, dirty), 0);
	CU_ASSERT_TRUE(dirty[2]);
	CU_ASSERT_FALSE(dirty[5]);

	/*
	 * The device only reads, so no entry has the write bit. A trusted
	 * driver refaults a later write: skip. Another may write through a
	 * valid entry without faulting, which would leave the page clean:
	 * delegate.
	 */
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	CU_ASSERT_EQUAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	func_proc_stats(rodp, &after);
	printf("\n    clear_refs, read-only: downgraded %llu fallback %llu delegated %llu skipped %llu",
	       (unsigned long long)D(downgraded),
	       (unsigned long long)D(fallback),
	       (unsigned long long)D(delegated),
	       (unsigned long long)D(skipped));
	CU_ASSERT_EQUAL(D(skipped), trusted ? 1 : 0);
	CU_ASSERT_EQUAL(D(fallback), trusted ? 0 : 1);
	CU_ASSERT_EQUAL(D(downgraded), 0);
	CU_ASSERT_EQUAL(func_dev_write(&f, 6, 1, 5), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf, NPAGES, dirty), 0);
	CU_ASSERT_TRUE(dirty[6]);
	CU_ASSERT_FALSE(dirty[1]);
	func_fix_fini(&f);
}

/* fork: PROTECTION_PAGE; invariant 1 either way. */
/* The fork child: its page 3 still holds the pre-fork byte. */
static size_t child_unchanged(void *arg)
{
	struct func_fix *f = arg;

	return f->buf[3 * f->page] != 0x11;
}

static void test_fork(void)
{
	struct rodp_stats before, after;
	struct func_watch child;
	struct func_fix f;
	uint8_t seen;

	fix_init(&f);
	f.buf[3 * f.page] = 0x11;
	func_proc_stats(rodp, &before);
	func_watch_fork(&child, child_unchanged, &f);
	func_proc_stats(rodp, &after);
	printf("\n    fork: downgraded %llu fallback %llu delegated %llu",
	       (unsigned long long)D(downgraded),
	       (unsigned long long)D(fallback),
	       (unsigned long long)D(delegated));
	CU_ASSERT(D(inval[RODP_INVAL_PROTECTION_PAGE]) >= 1);
	CU_ASSERT_EQUAL(D(downgraded),
			trusted ? D(inval[RODP_INVAL_PROTECTION_PAGE]) : 0);
	CU_ASSERT_EQUAL(D(fallback),
			trusted ? 0 : D(inval[RODP_INVAL_PROTECTION_PAGE]));

	/* Invariant 1: the parent's device write stays out of the child. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 3, 1, 9), IBV_WC_SUCCESS);
	seen = f.buf[3 * f.page];
	CU_ASSERT_NOT_EQUAL(seen, 0x11);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
	func_fix_fini(&f);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_attribute),
		RODP_TEST(test_soft_dirty),
		RODP_TEST(test_fork),
	};
	int ret;

	trusted = func_rxe_is_rodps();
	if (trusted < 0) {
		printf("SKIP: rdma_rxe is not loaded\n");
		return RODP_TEST_SKIP;
	}
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("trust", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
