// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * What the event-aware policy saves, measured with rodp's own counters:
 * a warm 64 MiB ODP region is read by the device (RDMA READ) in full,
 * then the process clears its soft-dirty bits or forks, then the device
 * reads it in full again. Under `stock` that second pass refaults every
 * page; under `event-aware` it refaults none. Wall times are printed as a
 * ratio to the warm pass of the same run (TCG makes absolute times
 * meaningless), the verdict is on the counters, which are exact.
 *
 * A policy that saves refaults by keeping mappings it must not keep would
 * pass on counters alone, so the data is checked too: every device read
 * returns the region's pattern; after the pass a device write of the
 * first MiB lands in the parent; after fork the child, alive until then,
 * still holds the pre-fork pattern (COW isolation); after clear_refs the
 * device-written pages read soft-dirty and pages nothing wrote read clean
 * (DESIGN.md invariants 1 and 2).
 *
 * RODP_COMPARE_MB overrides the region size (MiB).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

#define CHUNK (1U << 20)
/* Soft-dirty is per PMD on a transparent huge page: clean pages are
 * looked for from the next 2 MiB boundary past the device's write. */
#define HUGE (2U << 20)
#define SEED_CPU 0x21
#define SEED_DEV 0x77

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page, region_len;
static uint8_t *loc;
static struct ibv_mr *loc_mr;

enum event { EV_SOFT_DIRTY, EV_FORK };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t differing(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += a[i] != b[i];
	return n;
}

/*
 * One device read pass over the region; seconds, or -1. Bytes read that
 * differ from what the CPU sees there (the CPU's pattern: the checks
 * after the device's write confirm it) are added to *wrong; the compare
 * is outside the timed transfers.
 */
static double read_pass(uint8_t *buf, struct ibv_mr *mr, size_t *wrong)
{
	double spent = 0, t0;
	size_t off;

	for (off = 0; off < region_len; off += CHUNK) {
		t0 = now();
		if (lb_rdma(&lb, IBV_WR_RDMA_READ, loc, loc_mr->lkey, CHUNK,
			    (uintptr_t)buf + off, mr->rkey) != IBV_WC_SUCCESS)
			return -1;
		spent += now() - t0;
		*wrong += differing(loc, buf + off, CHUNK);
	}
	return spent;
}

/* In the fork child: the bytes of its copy not the pre-fork pattern. */
static size_t child_check(void *buf)
{
	return func_check(buf, region_len, SEED_CPU);
}

/* Clears soft-dirty, or forks a child that checks its copy when joined. */
static void cause(enum event ev, uint8_t *buf, struct func_watch *child)
{
	if (ev == EV_SOFT_DIRTY) {
		CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	} else {
		func_watch_fork(child, child_check, buf);
	}
}

struct result {
	uint64_t inval, faults, fault_pages, downgraded, skipped, delegated;
	double ratio;
	/* The data: wrong bytes read after the event, wrong bytes after
	 * the device's write, in the parent and in the fork child, and the
	 * soft-dirty pages of what the device wrote and of what nothing
	 * wrote (of how many). */
	size_t read_wrong, write_wrong, child_wrong;
	long dirty_written, dirty_clean, clean_pages;
};

static void run_case(uint32_t policy, enum event ev, struct result *res)
{
	struct rodp_stats before, after;
	double warm, cold;
	size_t wrong = 0, clean_from;
	struct ibv_mr *mr;
	uint8_t *buf;
	struct func_watch child;

	memset(res, 0, sizeof(*res));
	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(rodp, policy), 0);
	buf = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	/* CPU-written, so mapped writable; unique per byte offset. */
	func_fill(buf, region_len, SEED_CPU);
	mr = lb_reg_odp(&lb, buf, region_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);

	/* Two passes: the first may fault, the second is the warm one. */
	CU_ASSERT_FATAL(read_pass(buf, mr, &wrong) >= 0);
	func_proc_stats(rodp, &before);
	warm = read_pass(buf, mr, &wrong);
	func_proc_stats(rodp, &after);
	CU_ASSERT_FATAL(warm > 0);
	CU_ASSERT_EQUAL(after.fault_calls, before.fault_calls);
	CU_ASSERT_EQUAL(wrong, 0);

	func_proc_stats(rodp, &before);
	cause(ev, buf, &child);
	cold = read_pass(buf, mr, &res->read_wrong);
	func_proc_stats(rodp, &after);
	CU_ASSERT_FATAL(cold > 0);

	/*
	 * The device writes the first MiB after the event (the counters
	 * above are taken): the parent sees it, the rest is unchanged.
	 */
	func_fill(loc, CHUNK, SEED_DEV);
	CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc, loc_mr->lkey,
				CHUNK, (uintptr_t)buf, mr->rkey),
			IBV_WC_SUCCESS);
	res->write_wrong = func_check(buf, CHUNK, SEED_DEV) +
			   func_check_from(buf, CHUNK, region_len - CHUNK,
					   SEED_CPU);
	if (ev == EV_FORK) {
		res->child_wrong = (size_t)func_watch_join(&child);
	} else {
		/* The next 2 MiB boundary past what the device wrote. */
		clean_from = (((uintptr_t)buf + CHUNK + HUGE - 1) &
			      ~(uintptr_t)(HUGE - 1)) - (uintptr_t)buf;
		res->dirty_written = func_soft_dirty_pages(buf, CHUNK);
		if (region_len > clean_from) {
			res->clean_pages =
				(long)((region_len - clean_from) / page);
			res->dirty_clean =
				func_soft_dirty_pages(buf + clean_from,
						      region_len - clean_from);
		}
	}

	res->inval = after.inval[ev == EV_FORK ? RODP_INVAL_PROTECTION_PAGE :
				 RODP_INVAL_SOFT_DIRTY] -
		     before.inval[ev == EV_FORK ? RODP_INVAL_PROTECTION_PAGE :
				  RODP_INVAL_SOFT_DIRTY];
	res->faults = after.fault_calls - before.fault_calls;
	res->fault_pages = after.fault_pages - before.fault_pages;
	res->downgraded = after.downgraded - before.downgraded;
	res->skipped = after.skipped - before.skipped;
	res->delegated = after.delegated - before.delegated;
	res->ratio = cold / warm;

	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	munmap(buf, region_len);
}

static void print_data(const struct result *r, const char *name,
		       enum event ev)
{
	printf("      %-12s read after the event: %zu bytes wrong; device write of 1 MiB: %zu bytes wrong",
	       name, r->read_wrong, r->write_wrong);
	if (ev == EV_FORK)
		printf("; fork child: %zu bytes changed\n", r->child_wrong);
	else
		printf("; soft-dirty: %ld/%zu written pages, %ld/%ld pages nothing wrote\n",
		       r->dirty_written, (size_t)(CHUNK / page),
		       r->dirty_clean, r->clean_pages);
}

static void compare(enum event ev, const char *name)
{
	struct result stock, aware;
	size_t pages = region_len / page;

	run_case(RODP_POLICY_STOCK, ev, &stock);
	run_case(RODP_POLICY_EVENT_AWARE, ev, &aware);
	printf("\n    %s, %zu MiB region (%zu pages), RDMA READ pass after the event:\n",
	       name, region_len >> 20, pages);
	printf("      %-12s %6s %10s %12s %11s %8s %10s %12s\n", "policy",
	       "inval", "delegated", "downgraded", "skipped", "faults",
	       "fault-pgs", "time/warm");
	printf("      %-12s %6llu %10llu %12llu %11llu %8llu %10llu %12.2f\n",
	       "stock", (unsigned long long)stock.inval,
	       (unsigned long long)stock.delegated,
	       (unsigned long long)stock.downgraded,
	       (unsigned long long)stock.skipped,
	       (unsigned long long)stock.faults,
	       (unsigned long long)stock.fault_pages, stock.ratio);
	printf("      %-12s %6llu %10llu %12llu %11llu %8llu %10llu %12.2f\n",
	       "event-aware", (unsigned long long)aware.inval,
	       (unsigned long long)aware.delegated,
	       (unsigned long long)aware.downgraded,
	       (unsigned long long)aware.skipped,
	       (unsigned long long)aware.faults,
	       (unsigned long long)aware.fault_pages, aware.ratio);

	print_data(&stock, "stock", ev);
	print_data(&aware, "event-aware", ev);

	/* The data is right under both policies. */
	CU_ASSERT_EQUAL(stock.read_wrong, 0);
	CU_ASSERT_EQUAL(aware.read_wrong, 0);
	CU_ASSERT_EQUAL(stock.write_wrong, 0);
	CU_ASSERT_EQUAL(aware.write_wrong, 0);
	if (ev == EV_FORK) {
		CU_ASSERT_EQUAL(stock.child_wrong, 0);
		CU_ASSERT_EQUAL(aware.child_wrong, 0);
	} else {
		CU_ASSERT_EQUAL(stock.dirty_written, (long)(CHUNK / page));
		CU_ASSERT_EQUAL(aware.dirty_written, (long)(CHUNK / page));
		CU_ASSERT_EQUAL(stock.dirty_clean, 0);
		CU_ASSERT_EQUAL(aware.dirty_clean, 0);
	}

	/* Both saw the event; stock refaults every page, event-aware none. */
	CU_ASSERT(stock.inval >= 1);
	CU_ASSERT(aware.inval >= 1);
	CU_ASSERT(stock.fault_pages >= pages);
	CU_ASSERT_EQUAL(aware.faults, 0);
	CU_ASSERT_EQUAL(aware.fault_pages, 0);
	CU_ASSERT_EQUAL(stock.downgraded + stock.skipped, 0);
	CU_ASSERT(aware.downgraded + aware.skipped >= 1);
}

static void test_soft_dirty_refaults(void)
{
	compare(EV_SOFT_DIRTY, "clear_refs 4 (soft-dirty)");
}

static void test_fork_refaults(void)
{
	compare(EV_FORK, "fork");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_soft_dirty_refaults),
		RODP_TEST(test_fork_refaults),
	};
	const char *mb = getenv("RODP_COMPARE_MB");
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	region_len = (size_t)(mb ? atoi(mb) : 64) << 20;
	if (region_len < CHUNK) {
		printf("FAIL: RODP_COMPARE_MB must be at least 1\n");
		return 1;
	}
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	loc = aligned_alloc(page, CHUNK);
	loc_mr = loc ? ibv_reg_mr(lb.pd, loc, CHUNK, IBV_ACCESS_LOCAL_WRITE) :
		 NULL;
	if (!loc_mr) {
		printf("FAIL: cannot register the local buffer: %s\n",
		       strerror(errno));
		return 1;
	}
	ret = rodp_cunit_run("policy-compare", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	ibv_dereg_mr(loc_mr);
	free(loc);
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
