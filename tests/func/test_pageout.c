// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ODP MRs under memory pressure and fork's VMA flags, under each policy
 * (stock, event-aware), byte-checked against a shadow copy (pattern
 * unique per byte position and seed), every completion status exact:
 *
 *  - pageout: the device writes pages after fork() downgraded them
 *    (COW broken by the device's refault), then MADV_PAGEOUT pushes every
 *    page of the region to swap (zram, set up here when no swap is on;
 *    pagemap must show at least half swapped; reclaim unmaps them with CLEAR,
 *    delegated by both policies). Nothing the device wrote is lost
 *    (DESIGN.md invariant 5): the CPU reads it back from swap; then,
 *    paged out again, the device itself faults the pages back in: its
 *    reads return the right bytes and its writes land.
 *  - MADV_DONTFORK: fork() leaves the region out of the child (its range
 *    is unmapped there), sends it no invalidation of any kind, and the
 *    parent's next device write needs no refault; the device reads and
 *    writes the parent's bytes before and after the child exits.
 *  - MADV_WIPEONFORK: the child gets zero pages (even after the parent's
 *    device write), the parent's region gets no invalidation and no
 *    refault; the child's writes stay its own (neither the parent's CPU
 *    nor the device sees them).
 *  - and the contrast that makes the last two meaningful: an ordinary
 *    region is write-protected by fork (PROTECTION_PAGE) and the device's
 *    next write refaults.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "memkind.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

#define SMALL	4096UL
#define NPAGES	64
#define LEN	(NPAGES * SMALL)

static struct mk m;
static bool zram_swap;		/* this test turned swap on /dev/zram0 on */
static uint8_t drain_page[SMALL] __attribute__((aligned(SMALL)));

static uint8_t *area_init(struct mk_area *a, uint32_t policy, int advice)
{
	uint8_t *p;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	if (advice >= 0)
		CU_ASSERT_EQUAL_FATAL(madvise(p, LEN, advice), 0);
	mk_fill(p, 0, LEN, 1);
	mk_area_reg(&m, a, p, LEN);
	CU_ASSERT_EQUAL_FATAL(mk_write(&m, a, 0, LEN, 2), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(mk_diff(a, 0, LEN), 0);
	return p;
}

static void area_fini(struct mk_area *a)
{
	uint8_t *p = a->buf;

	mk_area_dereg(a);
	munmap(p, LEN);
}

/* The child's view is the pre-fork data (its copy of the shadow). */
static size_t child_sees_prefork(void *arg)
{
	return mk_diff(arg, 0, LEN);
}

static long page_out(struct mk_area *a, struct rodp_stats *b,
		     struct rodp_stats *s)
{
	long swapped;

	/*
	 * Pages the device faulted in (on either CPU) may still sit in a
	 * per-CPU LRU batch, where MADV_PAGEOUT cannot isolate them and its
	 * own lru_add_drain() covers only this CPU. mlock() starts with
	 * lru_add_drain_all(): lock and unlock a page of no interest.
	 */
	CU_ASSERT_EQUAL(mlock(drain_page, SMALL), 0);
	CU_ASSERT_EQUAL(munlock(drain_page, SMALL), 0);
	mk_stats(&m, a->buf, b);
	CU_ASSERT_EQUAL_FATAL(madvise(a->buf, LEN, MADV_PAGEOUT), 0);
	mk_stats(&m, a->buf, s);
	swapped = mk_swapped_pages(a->buf, NPAGES);
	return swapped;
}

static void pageout_case(uint32_t policy)
{
	struct rodp_stats b, s, f;
	struct func_watch child;
	struct mk_area a;
	size_t wrong;
	long swapped;

	area_init(&a, policy, -1);
	mk_stats(&m, a.buf, &b);
	func_watch_fork(&child, child_sees_prefork, &a);
	mk_stats(&m, a.buf, &s);
	mk_print_delta("fork", &b, &s);
	if (policy == RODP_POLICY_MODE_EVENT_AWARE)
		CU_ASSERT(s.downgraded > b.downgraded);
	/* The device writes after the downgrade: COW broken by its fault. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, 7, NPAGES / 2 * SMALL, 3),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_write(&m, &a, LEN - 3 * SMALL - 1, 2 * SMALL, 4),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);

	swapped = page_out(&a, &b, &s);
	mk_print_delta("MADV_PAGEOUT", &b, &s);
	printf("\n    %s: %ld/%d pages swapped out", mk_policy_name(policy),
	       swapped, NPAGES);
	/*
	 * MADV_PAGEOUT leaves out a folio it cannot isolate at that moment
	 * (seen: 56 of 64 under stock, 64 under event-aware): most pages,
	 * not all, must go; the data checks below are the oracle.
	 */
	CU_ASSERT(swapped >= NPAGES / 2);
	CU_ASSERT(s.inval[RODP_INVAL_CLEAR] > b.inval[RODP_INVAL_CLEAR]);
	CU_ASSERT(s.delegated > b.delegated);
	/* Nothing the device wrote is lost: the CPU reads it from swap. */
	wrong = mk_diff(&a, 0, LEN);
	printf("; read back by the CPU: %zu bytes differ", wrong);
	CU_ASSERT_EQUAL(wrong, 0);

	/* Out again; now the device faults them in, reading and writing. */
	swapped = page_out(&a, &b, &s);
	printf("\n    again %ld/%d pages swapped out", swapped, NPAGES);
	CU_ASSERT(swapped >= NPAGES / 2);
	CU_ASSERT_EQUAL(mk_read(&m, &a, 0, LEN / 2 + 5, &wrong),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(mk_write(&m, &a, LEN / 2 + 11, LEN / 2 - 22, 5),
			IBV_WC_SUCCESS);
	mk_stats(&m, a.buf, &f);
	printf("; the device faulted %llu pages back in",
	       (unsigned long long)(f.fault_pages - s.fault_pages));
	CU_ASSERT(f.fault_pages - s.fault_pages >= (uint64_t)swapped);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, LEN), 0);
	CU_ASSERT_EQUAL(mk_swapped_pages(a.buf, NPAGES), 0);
	area_fini(&a);
}

static size_t child_unmapped(void *arg)
{
	struct mk_area *a = arg;
	unsigned char vec[NPAGES];

	/* mincore fails with ENOMEM on a range that is not mapped. */
	if (mincore(a->buf, LEN, vec) == 0 || errno != ENOMEM) {
		fprintf(stderr, "child: MADV_DONTFORK range is mapped\n");
		return 1;
	}
	return 0;
}

static size_t child_zeroes(void *arg)
{
	struct mk_area *a = arg;
	size_t i;

	for (i = 0; i < LEN; i++)
		if (a->buf[i])
			break;
	if (i < LEN) {
		fprintf(stderr, "child: MADV_WIPEONFORK byte %zu is %#x\n", i,
			a->buf[i]);
		return 1;
	}
	/* Its own writes stay its own (the parent checks its bytes). */
	memset(a->buf, 0x5a, LEN);
	return 0;
}

/*
 * fork() with the region under advice (-1: none): the child runs check
 * once the parent's device write after the fork is done; that write
 * needs a refault only when the region was write-protected. The device
 * then reads the parent's bytes while the child lives and after it
 * exited (a WIPEONFORK child wrote its own copy meanwhile), and writes
 * once more.
 */
static void fork_advice_case(uint32_t policy, int advice, const char *what,
			     size_t (*check)(void *arg))
{
	struct rodp_stats b, s, f;
	struct func_watch child;
	struct mk_area a;
	size_t wrong;
	int i;

	area_init(&a, policy, advice);
	mk_stats(&m, a.buf, &b);
	func_watch_fork(&child, check, &a);
	mk_stats(&m, a.buf, &s);
	CU_ASSERT_EQUAL(mk_write(&m, &a, 3 * SMALL + 1, 9 * SMALL, 6),
			IBV_WC_SUCCESS);
	mk_stats(&m, a.buf, &f);
	printf("\n    %s, %s: fork sent %llu PROTECTION_PAGE (%llu pages), the device's next write refaulted %llu pages",
	       what, mk_policy_name(policy),
	       (unsigned long long)(s.inval[RODP_INVAL_PROTECTION_PAGE] -
				    b.inval[RODP_INVAL_PROTECTION_PAGE]),
	       (unsigned long long)(s.inval_pages - b.inval_pages),
	       (unsigned long long)(f.fault_pages - s.fault_pages));
	if (advice < 0) {
		CU_ASSERT(s.inval[RODP_INVAL_PROTECTION_PAGE] >
			  b.inval[RODP_INVAL_PROTECTION_PAGE]);
		CU_ASSERT(f.fault_pages - s.fault_pages >= 9);
	} else {
		/*
		 * dup_mmap() (mm/mmap.c) skips a VM_DONTCOPY VMA and does
		 * not copy_page_range() a VM_WIPEONFORK one, so nothing in
		 * the parent is write-protected: no event of any kind, no
		 * decision, and the device keeps its mappings.
		 */
		for (i = 0; i < RODP_INVAL_SLOTS; i++)
			CU_ASSERT_EQUAL(s.inval[i], b.inval[i]);
		CU_ASSERT_EQUAL(s.inval_pages, b.inval_pages);
		CU_ASSERT_EQUAL(s.delegated, b.delegated);
		CU_ASSERT_EQUAL(s.downgraded, b.downgraded);
		CU_ASSERT_EQUAL(s.skipped, b.skipped);
		CU_ASSERT_EQUAL(f.fault_pages, s.fault_pages);
	}
	CU_ASSERT_EQUAL(mk_read(&m, &a, 0, LEN, &wrong), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, LEN), 0);
	CU_ASSERT_EQUAL(mk_read(&m, &a, 0, LEN, &wrong), IBV_WC_SUCCESS);
	printf("; device reads: parent's bytes %s", wrong ? "WRONG" : "right");
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(mk_write(&m, &a, LEN / 2 - 7, LEN / 2, 7),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, LEN), 0);
	area_fini(&a);
}

static void test_pageout_stock(void)
{
	pageout_case(RODP_POLICY_MODE_STOCK);
}

static void test_pageout_event_aware(void)
{
	pageout_case(RODP_POLICY_MODE_EVENT_AWARE);
}

static void fork_cases(uint32_t policy)
{
	fork_advice_case(policy, -1, "ordinary", child_sees_prefork);
	fork_advice_case(policy, MADV_DONTFORK, "MADV_DONTFORK",
			 child_unmapped);
	fork_advice_case(policy, MADV_WIPEONFORK, "MADV_WIPEONFORK",
			 child_zeroes);
}

static void test_fork_advice_stock(void)
{
	fork_cases(RODP_POLICY_MODE_STOCK);
}

static void test_fork_advice_event_aware(void)
{
	fork_cases(RODP_POLICY_MODE_EVENT_AWARE);
}

/* Swap on: whatever is on already, else 256 MiB of zram. */
static int swap_up(void)
{
	char line[256];
	int lines = 0;
	FILE *f = fopen("/proc/swaps", "r");

	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	if (lines > 1) {
		printf("pageout: swap already on\n");
		return 0;
	}
	if (mk_sh("modprobe zram && echo 256M > /sys/block/zram0/disksize && mkswap -q /dev/zram0 >/dev/null && swapon /dev/zram0")) {
		printf("pageout: FAIL: no swap, and none on zram\n");
		return 1;
	}
	zram_swap = true;
	printf("pageout: swap on /dev/zram0 (256 MiB)\n");
	return 0;
}

static void swap_down(void)
{
	if (zram_swap)
		mk_sh("swapoff /dev/zram0 && echo 1 > /sys/block/zram0/reset && rmmod zram");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_pageout_stock),
		RODP_TEST(test_pageout_event_aware),
		RODP_TEST(test_fork_advice_stock),
		RODP_TEST(test_fork_advice_event_aware),
	};
	int ret = 1;

	mk_open(&m, "pageout", LEN);
	if (!swap_up())
		ret = rodp_cunit_run("pageout", NULL, NULL, tests,
				     sizeof(tests) / sizeof(tests[0]));
	swap_down();
	mk_close(&m);
	return ret;
}
