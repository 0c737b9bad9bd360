// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Every kind of CPU page-table change that reaches an ODP MR is seen and
 * counted by rodp.ko, and the policy acts on it as DESIGN.md's table says:
 * munmap (UNMAP), madvise(MADV_DONTNEED) (CLEAR), mprotect
 * (PROTECTION_VMA), fork (PROTECTION_PAGE), clear_refs 4 (SOFT_DIRTY) and
 * process exit (RELEASE). Each case runs under both policies, event-aware
 * and stock, set for this process over netlink, and checks the counters
 * of the process, the region's live ranges and the data the device sees.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

#define NPAGES 16

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page;

static const char *policy_name(uint32_t policy)
{
	return policy == RODP_POLICY_STOCK ? "stock" : "event-aware";
}

#define D(field) (after.field - before.field)

/* No invalidation of another kind than want moved. */
static void only_event(const struct rodp_stats *b, const struct rodp_stats *a,
		       enum rodp_inval want)
{
	int i;

	for (i = 0; i < RODP_INVAL_COUNT; i++)
		if (i != (int)want)
			CU_ASSERT_EQUAL(a->inval[i], b->inval[i]);
	CU_ASSERT(a->inval[want] > b->inval[want]);
	CU_ASSERT(a->inval_pages > b->inval_pages);
}

static void print_deltas(const char *what, uint32_t policy,
			 const struct rodp_stats *b,
			 const struct rodp_stats *a)
{
	printf("\n    %-14s %-11s inval %llu pages %llu delegated %llu skipped %llu downgraded %llu shrunk %llu faults %llu",
	       what, policy_name(policy),
	       (unsigned long long)(a->inval[0] + a->inval[1] + a->inval[2] +
				    a->inval[3] + a->inval[4] + a->inval[5] +
				    a->inval[6] + a->inval[7] -
				    (b->inval[0] + b->inval[1] + b->inval[2] +
				     b->inval[3] + b->inval[4] + b->inval[5] +
				     b->inval[6] + b->inval[7])),
	       (unsigned long long)(a->inval_pages - b->inval_pages),
	       (unsigned long long)(a->delegated - b->delegated),
	       (unsigned long long)(a->skipped - b->skipped),
	       (unsigned long long)(a->downgraded - b->downgraded),
	       (unsigned long long)(a->shrunk - b->shrunk),
	       (unsigned long long)(a->fault_calls - b->fault_calls));
}

/* ---- munmap: UNMAP, shrink, dead ------------------------------------ */

static void munmap_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_region r;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(munmap(f.buf + 4 * page, 4 * page), 0);
	func_proc_stats(rodp, &after);
	print_deltas("munmap", policy, &before, &after);
	only_event(&before, &after, RODP_INVAL_UNMAP);
	CU_ASSERT_EQUAL(D(inval_pages), 4);

	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &r), 0);
	CU_ASSERT_EQUAL(r.state, RODP_REGION_LIVE);
	if (policy == RODP_POLICY_STOCK) {
		/* Pure pass-through: the live set is not tracked. */
		CU_ASSERT_EQUAL(D(delegated), D(inval[RODP_INVAL_UNMAP]));
		CU_ASSERT_EQUAL(D(shrunk), 0);
	} else {
		CU_ASSERT_EQUAL(D(shrunk), D(inval[RODP_INVAL_UNMAP]));
		CU_ASSERT_EQUAL(D(delegated), 0);
		CU_ASSERT_EQUAL_FATAL(r.nranges, 2);
		CU_ASSERT_EQUAL(r.range[0].start, (uintptr_t)f.buf);
		CU_ASSERT_EQUAL(r.range[0].length, 4 * page);
		CU_ASSERT_EQUAL(r.range[1].start, (uintptr_t)f.buf + 8 * page);
		CU_ASSERT_EQUAL(r.range[1].length, 8 * page);
	}

	/* The device cannot reach the hole; the rest still works. */
	CU_ASSERT_NOT_EQUAL(func_dev_write(&f, 4, 4, 9), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_dev_write(&f, 8, 8, 3), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + 8 * page, 8 * page, 3), 0);

	munmap(f.buf, 4 * page);
	munmap(f.buf + 8 * page, 8 * page);
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &r), 0);
	if (policy != RODP_POLICY_STOCK) {
		CU_ASSERT_EQUAL(r.state, RODP_REGION_DEAD);
		CU_ASSERT_EQUAL(r.nranges, 0);
	}
	func_fix_fini(&f);
}

static void test_munmap(void)
{
	munmap_case(RODP_POLICY_EVENT_AWARE);
	munmap_case(RODP_POLICY_STOCK);
}

/* ---- madvise(MADV_DONTNEED): CLEAR --------------------------------- */

static void dontneed_case(uint32_t policy)
{
	struct rodp_stats before, after;
	size_t i;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(madvise(f.buf + 2 * page, 4 * page,
				      MADV_DONTNEED), 0);
	func_proc_stats(rodp, &after);
	print_deltas("dontneed", policy, &before, &after);
	only_event(&before, &after, RODP_INVAL_CLEAR);
	CU_ASSERT_EQUAL(D(delegated), D(inval[RODP_INVAL_CLEAR]));

	/* The discarded pages read back as zeros, through a refault. */
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &after);
	CU_ASSERT(D(fault_calls) >= 1);
	for (i = 0; i < NPAGES; i++) {
		if (i >= 2 && i < 6) {
			static const uint8_t zero[4096];

			CU_ASSERT_EQUAL(memcmp(f.loc + i * page, zero,
					       page < sizeof(zero) ?
					       page : sizeof(zero)), 0);
		} else {
			CU_ASSERT_EQUAL(memcmp(f.loc + i * page,
					       f.buf + i * page, page), 0);
		}
	}
	func_fix_fini(&f);
}

static void test_dontneed(void)
{
	dontneed_case(RODP_POLICY_EVENT_AWARE);
	dontneed_case(RODP_POLICY_STOCK);
}

/* ---- mprotect: PROTECTION_VMA, both ways ---------------------------- */

static void mprotect_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf, 4 * page, PROT_READ), 0);
	func_proc_stats(rodp, &after);
	print_deltas("mprotect ro", policy, &before, &after);
	only_event(&before, &after, RODP_INVAL_PROTECTION_VMA);
	/* Write revoked, read kept: rxe (software) downgrades. */
	CU_ASSERT_EQUAL(policy == RODP_POLICY_STOCK ? D(delegated) :
			D(downgraded), D(inval[RODP_INVAL_PROTECTION_VMA]));

	/* Read-only now: device reads work, device writes fail, unseen. */
	CU_ASSERT_EQUAL(func_dev_read(&f, 0, 4), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.loc, 4 * page, 1), 0);
	CU_ASSERT_NOT_EQUAL(func_dev_write(&f, 0, 4, 7), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 1), 0);

	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf, 4 * page,
				       PROT_READ | PROT_WRITE), 0);
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, 4, 7), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf, 4 * page, 7), 0);
	func_fix_fini(&f);
}

static void test_mprotect(void)
{
	mprotect_case(RODP_POLICY_EVENT_AWARE);
	mprotect_case(RODP_POLICY_STOCK);
}

/* ---- fork: PROTECTION_PAGE ----------------------------------------- */

static void fork_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;
	int status;
	pid_t pid;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	pid = fork();
	if (pid == 0)
		_exit(0);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	func_proc_stats(rodp, &after);
	print_deltas("fork", policy, &before, &after);
	only_event(&before, &after, RODP_INVAL_PROTECTION_PAGE);
	if (policy == RODP_POLICY_STOCK) {
		CU_ASSERT_EQUAL(D(delegated),
				D(inval[RODP_INVAL_PROTECTION_PAGE]));
		CU_ASSERT_EQUAL(D(downgraded), 0);
	} else {
		CU_ASSERT_EQUAL(D(downgraded),
				D(inval[RODP_INVAL_PROTECTION_PAGE]));
		CU_ASSERT_EQUAL(D(delegated), 0);
	}

	/* Reads: no refault when only the write permission was dropped. */
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.loc, f.len, 1), 0);
	func_proc_stats(rodp, &after);
	if (policy == RODP_POLICY_STOCK) {
		CU_ASSERT(D(fault_calls) >= 1);
	} else {
		CU_ASSERT_EQUAL(D(fault_calls), 0);
	}

	/* A write refaults in both modes and lands. */
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, NPAGES, 5), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &after);
	CU_ASSERT(D(fault_calls) >= 1);
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 5), 0);
	func_fix_fini(&f);
}

static void test_fork(void)
{
	fork_case(RODP_POLICY_EVENT_AWARE);
	fork_case(RODP_POLICY_STOCK);
}

/* ---- clear_refs 4: SOFT_DIRTY --------------------------------------- */

static void soft_dirty_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	func_proc_stats(rodp, &after);
	print_deltas("soft-dirty", policy, &before, &after);
	only_event(&before, &after, RODP_INVAL_SOFT_DIRTY);
	/* One notification for the whole address space. */
	CU_ASSERT_EQUAL(D(inval[RODP_INVAL_SOFT_DIRTY]), 1);
	CU_ASSERT_EQUAL(D(inval_pages), NPAGES);
	if (policy == RODP_POLICY_STOCK) {
		CU_ASSERT_EQUAL(D(delegated), 1);
	} else {
		CU_ASSERT_EQUAL(D(downgraded), 1);
	}

	/*
	 * The device only reads; the second clear_refs then finds no page
	 * mapped writable for the device: event-aware skips it.
	 */
	CU_ASSERT_EQUAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	func_proc_stats(rodp, &after);
	print_deltas("soft-dirty ro", policy, &before, &after);
	CU_ASSERT_EQUAL(D(inval[RODP_INVAL_SOFT_DIRTY]), 1);
	if (policy == RODP_POLICY_STOCK) {
		CU_ASSERT_EQUAL(D(delegated), 1);
	} else {
		CU_ASSERT_EQUAL(D(skipped), 1);
	}
	func_fix_fini(&f);
}

static void test_soft_dirty(void)
{
	soft_dirty_case(RODP_POLICY_EVENT_AWARE);
	soft_dirty_case(RODP_POLICY_STOCK);
}

/* ---- exit: RELEASE --------------------------------------------------- */

/* The child: an ODP MR of its own, written by the device, never freed. */
static int exit_child(uint32_t policy)
{
	struct ibv_mr *mr, *loc_mr;
	size_t len = NPAGES * page;
	struct rodp_ctx *ctx;
	uint8_t *buf, *loc;
	struct lb clb;

	/* A process's policy is its own: the child sets it for itself. */
	ctx = rodp_open();
	if (!ctx || rodp_set_policy(ctx, policy))
		return 7;
	rodp_close(ctx);
	if (lb_open(&clb, func_dev_name()))
		return 2;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	loc = aligned_alloc(page, len);
	if (buf == MAP_FAILED || !loc)
		return 3;
	mr = lb_reg_odp(&clb, buf, len);
	loc_mr = ibv_reg_mr(clb.pd, loc, len, IBV_ACCESS_LOCAL_WRITE);
	if (!mr || !loc_mr)
		return 4;
	func_fill(loc, len, 2);
	if (lb_rdma(&clb, IBV_WR_RDMA_WRITE, loc, loc_mr->lkey, len,
		    (uintptr_t)buf, mr->rkey) != IBV_WC_SUCCESS)
		return 5;
	return func_check(buf, len, 2) ? 6 : 0;
}

static void exit_case(uint32_t policy)
{
	struct rodp_stats before, after;
	int status;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(rodp_get_stats(rodp, 0, &before,
					     sizeof(before)), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(exit_child(policy));
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL_FATAL(rodp_get_stats(rodp, 0, &after,
					     sizeof(after)), 0);
	print_deltas("exit (global)", policy, &before, &after);
	/*
	 * The child left without deregistering: its mm went first, with one
	 * RELEASE (then exit_mmap()'s UNMAPs), and closing its files
	 * released the umem.
	 */
	CU_ASSERT_EQUAL(D(inval[RODP_INVAL_RELEASE]), 1);
	CU_ASSERT(D(delegated) >= 1);
	CU_ASSERT_EQUAL(D(umems_created), 1);
	CU_ASSERT_EQUAL(D(umems_released), 1);
	CU_ASSERT_EQUAL(after.umems_live, before.umems_live);
}

static void test_exit(void)
{
	exit_case(RODP_POLICY_EVENT_AWARE);
	exit_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_munmap),
		RODP_TEST(test_dontneed),
		RODP_TEST(test_mprotect),
		RODP_TEST(test_fork),
		RODP_TEST(test_soft_dirty),
		RODP_TEST(test_exit),
	};
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("events", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
