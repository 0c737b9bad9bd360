// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The invariants of DESIGN.md that no policy may break, each checked on
 * the data, byte by byte, under both policies (event-aware and stock):
 *
 * 1. After fork(), an RDMA write into the parent's region never becomes
 *    visible in the child (COW isolation), also when the parent's CPU
 *    broke COW on a page first.
 * 2. After clear_refs, every page the device writes shows soft-dirty in
 *    /proc/self/pagemap (bit 55), and only those.
 * 3. No device access reaches a page after it was unmapped (the access
 *    completes with a remote access error and changes nothing past the
 *    mapped part it ran through first, also when it starts on a mapped
 *    page before the hole) or discarded (the device sees the new page,
 *    not the old one).
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

#define NPAGES 16

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page;

/* ---- 1. COW isolation ------------------------------------------------ */

/* In the fork child: the bytes no longer the pre-fork pattern (seed 1). */
static size_t child_check(void *arg)
{
	struct func_fix *f = arg;

	return func_check(f->buf, f->len, 1);
}

static void cow_case(uint32_t policy, bool cpu_breaks_cow_first)
{
	struct func_watch child;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_watch_fork(&child, child_check, &f);
	if (cpu_breaks_cow_first)
		f.buf[0] ^= 0xff;	/* the parent gets its own page 0 */

	CU_ASSERT_EQUAL(func_dev_write(&f, 0, NPAGES, 9), IBV_WC_SUCCESS);
	/* The parent sees every byte the device wrote ... */
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 9), 0);
	/* ... and the child none. */
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
	printf("\n    %s%s: parent has the device's data, child unchanged",
	       policy == RODP_POLICY_STOCK ? "stock" : "event-aware",
	       cpu_breaks_cow_first ? ", CPU broke COW on page 0 first" : "");
	func_fix_fini(&f);
}

static void test_fork_cow_isolation(void)
{
	cow_case(RODP_POLICY_EVENT_AWARE, false);
	cow_case(RODP_POLICY_EVENT_AWARE, true);
	cow_case(RODP_POLICY_STOCK, false);
	cow_case(RODP_POLICY_STOCK, true);
}

/* ---- 2. soft-dirty --------------------------------------------------- */

static void soft_dirty_case(uint32_t policy)
{
	struct func_fix f;
	long dirty;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	dirty = func_soft_dirty_pages(f.buf, f.len);
	CU_ASSERT_EQUAL(dirty, 0);

	/* The device writes the first half and reads the second. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, NPAGES / 2, 4), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_dev_read(&f, NPAGES / 2, NPAGES / 2), IBV_WC_SUCCESS);
	dirty = func_soft_dirty_pages(f.buf, NPAGES / 2 * page);
	printf("\n    %s: %ld/%d device-written pages soft-dirty, %ld/%d read ones",
	       policy == RODP_POLICY_STOCK ? "stock" : "event-aware",
	       dirty, NPAGES / 2,
	       func_soft_dirty_pages(f.buf + NPAGES / 2 * page,
				     NPAGES / 2 * page), NPAGES / 2);
	CU_ASSERT_EQUAL(dirty, NPAGES / 2);
	CU_ASSERT_EQUAL(func_soft_dirty_pages(f.buf + NPAGES / 2 * page,
					      NPAGES / 2 * page), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, NPAGES / 2 * page, 4), 0);

	/* And again: a second round of clear_refs behaves the same. */
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	CU_ASSERT_EQUAL(func_soft_dirty_pages(f.buf, f.len), 0);
	CU_ASSERT_EQUAL(func_dev_write(&f, NPAGES - 1, 1, 6), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_soft_dirty_pages(f.buf, f.len), 1);
	CU_ASSERT_EQUAL(func_soft_dirty_pages(f.buf + (NPAGES - 1) * page,
					      page), 1);
	func_fix_fini(&f);
}

static void test_soft_dirty_after_device_write(void)
{
	soft_dirty_case(RODP_POLICY_EVENT_AWARE);
	soft_dirty_case(RODP_POLICY_STOCK);
}

/* ---- 3. unmapped and discarded pages --------------------------------- */

static void unmapped_case(uint32_t policy)
{
	struct func_fix f;
	size_t i;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	CU_ASSERT_EQUAL_FATAL(munmap(f.buf + 4 * page, 4 * page), 0);

	/* Writes that start inside the hole fail and change nothing. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 4, 4, 8), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_dev_write(&f, 5, 1, 8), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_check(f.buf, 4 * page, 1), 0);
	CU_ASSERT_EQUAL(func_check_from(f.buf, 8 * page, 8 * page, 1), 0);

	/*
	 * A write that starts before the hole, on mapped page 3, and runs
	 * into it. rxe executes it one packet (at most the path MTU, which
	 * divides the page) at a time and stops at the first packet that
	 * cannot be faulted in (stress_model.c, A and B): page 3 receives
	 * the whole of its part, the packet that reaches page 4 fails with
	 * a remote access error, and nothing of the write lands anywhere
	 * else.
	 */
	CU_ASSERT_EQUAL(func_dev_write(&f, 3, 2, 8), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_check(f.buf + 3 * page, page, 8), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, 3 * page, 1), 0);
	CU_ASSERT_EQUAL(func_check_from(f.buf, 8 * page, 8 * page, 1), 0);
	printf("\n    %s: write of pages 3-4 into the hole at 4-7: page 3 %s, the rest unchanged",
	       policy == RODP_POLICY_STOCK ? "stock" : "event-aware",
	       func_check(f.buf + 3 * page, page, 8) ? "NOT written" :
	       "written");
	/* Page 3 back to the fixture's pattern for the checks below. */
	func_fill(f.loc, 4 * page, 1);
	memcpy(f.buf + 3 * page, f.loc + 3 * page, page);

	/* A read from the hole fails and brings nothing back (loc was 0xee). */
	CU_ASSERT_NOT_EQUAL(func_dev_read(&f, 4, 4), IBV_WC_SUCCESS);
	for (i = 0; i < 4 * page; i++)
		if (f.loc[i] != 0xee)
			break;
	CU_ASSERT_EQUAL(i, 4 * page);

	/* The mapped rest still works both ways. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 8, 8, 3), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_dev_read(&f, 0, 4), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.loc, 4 * page, 1), 0);

	/*
	 * The hole mapped again: the same write that started before it now
	 * completes, and the CPU sees it in the new pages (the device
	 * reaches the new mapping, not pages it held before the munmap).
	 */
	CU_ASSERT_FATAL(mmap(f.buf + 4 * page, 4 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			f.buf + 4 * page);
	CU_ASSERT_EQUAL(func_dev_write(&f, 3, 2, 8), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + 3 * page, 2 * page, 8), 0);
	for (i = page; i < 4 * page; i++)
		if (f.buf[4 * page + i])
			break;
	CU_ASSERT_EQUAL(i, 4 * page);	/* pages 5-7: untouched zero pages */
	func_fix_fini(&f);
}

static void discarded_case(uint32_t policy)
{
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	CU_ASSERT_EQUAL_FATAL(madvise(f.buf + 2 * page, 4 * page,
				      MADV_DONTNEED), 0);
	/* The device must write the new (zero-filled) pages the CPU sees. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 2, 4, 5), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + 2 * page, 4 * page, 5), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, 2 * page, 1), 0);
	func_fix_fini(&f);
}

static void test_no_access_after_unmap(void)
{
	unmapped_case(RODP_POLICY_EVENT_AWARE);
	unmapped_case(RODP_POLICY_STOCK);
	discarded_case(RODP_POLICY_EVENT_AWARE);
	discarded_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_fork_cow_isolation),
		RODP_TEST(test_soft_dirty_after_device_write),
		RODP_TEST(test_no_access_after_unmap),
	};
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("invariants", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
