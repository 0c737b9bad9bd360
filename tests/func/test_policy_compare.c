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
 * RODP_COMPARE_MB overrides the region size (MiB).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

#define CHUNK (1U << 20)

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

/* One device read pass over the region; seconds, or -1. */
static double read_pass(uint8_t *buf, struct ibv_mr *mr)
{
	double t0 = now();
	size_t off;

	for (off = 0; off < region_len; off += CHUNK)
		if (lb_rdma(&lb, IBV_WR_RDMA_READ, loc, loc_mr->lkey, CHUNK,
			    (uintptr_t)buf + off, mr->rkey) != IBV_WC_SUCCESS)
			return -1;
	return now() - t0;
}

static void cause(enum event ev)
{
	int status;
	pid_t pid;

	if (ev == EV_SOFT_DIRTY) {
		CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
}

struct result {
	uint64_t inval, faults, fault_pages, downgraded, skipped, delegated;
	double ratio;
};

static void run_case(uint32_t policy, enum event ev, struct result *res)
{
	struct rodp_stats before, after;
	double warm, cold;
	struct ibv_mr *mr;
	uint8_t *buf;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(rodp, policy), 0);
	buf = mmap(NULL, region_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	memset(buf, 0x5a, region_len);	/* CPU-written: mapped writable */
	mr = lb_reg_odp(&lb, buf, region_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);

	/* Two passes: the first may fault, the second is the warm one. */
	CU_ASSERT_FATAL(read_pass(buf, mr) >= 0);
	func_proc_stats(rodp, &before);
	warm = read_pass(buf, mr);
	func_proc_stats(rodp, &after);
	CU_ASSERT_FATAL(warm > 0);
	CU_ASSERT_EQUAL(after.fault_calls, before.fault_calls);

	func_proc_stats(rodp, &before);
	cause(ev);
	cold = read_pass(buf, mr);
	func_proc_stats(rodp, &after);
	CU_ASSERT_FATAL(cold > 0);

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
