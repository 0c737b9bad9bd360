// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ODP MRs over transparent huge pages (anonymous, MADV_HUGEPAGE, 2 MiB
 * aligned), under each policy (stock, event-aware). Each case checks the
 * memory byte for byte against a shadow copy (pattern unique per byte
 * position and seed), every completion status exactly, that the memory
 * really is PMD-mapped THP where it says so (AnonHugePages in
 * /proc/self/smaps), and rodp.ko's counters of the region:
 *
 *  - fork: the device wrote both huge pages, fork() write-protects them
 *    (PROTECTION_PAGE: event-aware downgrades, stock delegates); a device
 *    write across the 2 MiB boundary lands in the parent only (the child
 *    sees the pre-fork bytes), and a device read returns the CPU's bytes.
 *  - soft-dirty: clear_refs 4 (SOFT_DIRTY: event-aware downgrades, stock
 *    delegates); a device write into huge page 0 makes its pages
 *    soft-dirty, huge page 1, untouched, stays clean.
 *  - split: munmap of 64 KiB inside huge page 0 splits it (UNMAP:
 *    event-aware shrinks, stock delegates); a device write into the hole
 *    ends in IBV_WC_REM_ACCESS_ERR and changes nothing, writes on both
 *    sides of it and into huge page 1 (still PMD-mapped) land.
 *  - collapse: small pages the device wrote are collapsed into one THP by
 *    MADV_COLLAPSE (the same path as khugepaged; CLEAR, delegated by both
 *    policies): the device's bytes are in the new huge page, and a new
 *    device write lands in it, not in the freed small pages.
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

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define HUGE	(2UL << 20)
#define SMALL	4096UL
#define LEN	(2 * HUGE)

static struct mk m;
static const char thp_enabled[] = "/sys/kernel/mm/transparent_hugepage/enabled";
static char thp_saved[64];	/* the mode to restore, "" when untouched */

/* Two THP-backed huge pages, CPU-filled with seed 1, registered. */
static void thp_init(struct mk_area *a, uint32_t policy)
{
	uint8_t *p;
	long kb;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	p = mk_map_aligned(LEN, HUGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(madvise(p, LEN, MADV_HUGEPAGE), 0);
	mk_fill(p, 0, LEN, 1);
	kb = mk_thp_kb(p);
	printf("\n    %s: AnonHugePages %ld kB after the CPU filled %lu kB",
	       mk_policy_name(policy), kb, LEN >> 10);
	CU_ASSERT_EQUAL_FATAL(kb, (long)(LEN >> 10));
	mk_area_reg(&m, a, p, LEN);
	/* The device writes both huge pages: mapped writable for it. */
	CU_ASSERT_EQUAL_FATAL(mk_write(&m, a, 0, LEN, 2), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(mk_diff(a, 0, LEN), 0);
	CU_ASSERT_EQUAL(mk_thp_kb(p), (long)(LEN >> 10));
}

static void thp_fini(struct mk_area *a)
{
	uint8_t *p = a->buf;

	mk_area_dereg(a);
	munmap(p, LEN);
}

/* The action rodp must take on a write-protecting event under policy. */
static void assert_protect_action(uint32_t policy, const struct rodp_stats *b,
				  const struct rodp_stats *a)
{
	if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
		CU_ASSERT(a->downgraded > b->downgraded);
		CU_ASSERT_EQUAL(a->fallback, b->fallback);
	} else {
		CU_ASSERT_EQUAL(a->downgraded, b->downgraded);
		CU_ASSERT(a->delegated > b->delegated);
	}
}

/* The fork child: every byte is still the pre-fork device data. */
static size_t child_sees_prefork(void *a)
{
	return mk_diff(a, 0, LEN);
}

static void fork_case(uint32_t policy)
{
	const size_t off = HUGE - 3 * SMALL - 17, len = 6 * SMALL + 40;
	struct func_watch child;
	struct rodp_stats b, s;
	struct mk_area a;
	size_t wrong;

	thp_init(&a, policy);
	mk_stats(&m, a.buf, &b);
	func_watch_fork(&child, child_sees_prefork, &a);
	mk_stats(&m, a.buf, &s);
	mk_print_delta("fork", &b, &s);
	CU_ASSERT(s.inval[RODP_INVAL_PROTECTION_PAGE] >
		  b.inval[RODP_INVAL_PROTECTION_PAGE]);
	assert_protect_action(policy, &b, &s);

	/* Device writes across the 2 MiB boundary; a CPU write elsewhere. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, off, len, 3), IBV_WC_SUCCESS);
	mk_cpu_write(&a, HUGE + HUGE / 2, SMALL, 4);
	CU_ASSERT_EQUAL(mk_write(&m, &a, 1, 100, 5), IBV_WC_SUCCESS);
	wrong = mk_diff(&a, 0, LEN);
	printf("\n    parent after fork: %zu bytes wrong, AnonHugePages %ld kB",
	       wrong, mk_thp_kb(a.buf));
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(mk_read(&m, &a, HUGE + HUGE / 2 - 5, SMALL + 10,
				&wrong), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);

	/* The child compares with its own (pre-fork) copy of the shadow. */
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
	thp_fini(&a);
}

static void soft_dirty_case(uint32_t policy)
{
	const size_t off = HUGE / 4 + 123, len = 8 * SMALL;
	bool dirty[2 * HUGE / SMALL];
	size_t i, dev_dirty = 0, dev_pages = 0, other_dirty = 0;
	struct rodp_stats b, s;
	struct mk_area a;

	thp_init(&a, policy);
	mk_stats(&m, a.buf, &b);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	mk_stats(&m, a.buf, &s);
	mk_print_delta("clear_refs", &b, &s);
	CU_ASSERT(s.inval[RODP_INVAL_SOFT_DIRTY] >
		  b.inval[RODP_INVAL_SOFT_DIRTY]);
	assert_protect_action(policy, &b, &s);
	CU_ASSERT_EQUAL(func_soft_dirty_pages(a.buf, LEN), 0);

	CU_ASSERT_EQUAL(mk_write(&m, &a, off, len, 6), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, LEN), 0);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(a.buf, LEN / SMALL, dirty),
			      0);
	for (i = 0; i < LEN / SMALL; i++) {
		if (i >= off / SMALL && i <= (off + len - 1) / SMALL) {
			dev_pages++;
			dev_dirty += dirty[i];
		} else if (i >= HUGE / SMALL) {
			other_dirty += dirty[i];
		}
	}
	/*
	 * A write fault on a PMD-mapped THP marks the whole PMD soft-dirty,
	 * so the rest of huge page 0 may read 1; huge page 1 must not.
	 */
	printf("\n    soft-dirty: %zu/%zu device-written pages, %zu/%lu of untouched huge page 1; AnonHugePages %ld kB",
	       dev_dirty, dev_pages, other_dirty, HUGE / SMALL,
	       mk_thp_kb(a.buf));
	CU_ASSERT_EQUAL(dev_dirty, dev_pages);
	CU_ASSERT_EQUAL(other_dirty, 0);
	thp_fini(&a);
}

static void split_case(uint32_t policy)
{
	const size_t hole = HUGE / 2, hole_len = 16 * SMALL;
	struct rodp_stats b, s;
	struct mk_area a;
	size_t wrong;

	thp_init(&a, policy);
	mk_stats(&m, a.buf, &b);
	CU_ASSERT_EQUAL_FATAL(munmap(a.buf + hole, hole_len), 0);
	mk_stats(&m, a.buf, &s);
	mk_print_delta("munmap inside huge page 0", &b, &s);
	CU_ASSERT(s.inval[RODP_INVAL_UNMAP] > b.inval[RODP_INVAL_UNMAP]);
	if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
		CU_ASSERT(s.shrunk > b.shrunk);
	} else {
		CU_ASSERT_EQUAL(s.shrunk, b.shrunk);
		CU_ASSERT(s.delegated > b.delegated);
	}
	printf("\n    AnonHugePages %ld kB before the hole, %ld kB after it",
	       mk_thp_kb(a.buf), mk_thp_kb(a.buf + HUGE));
	CU_ASSERT_EQUAL(mk_thp_kb(a.buf), 0);
	CU_ASSERT_EQUAL(mk_thp_kb(a.buf + HUGE), (long)(HUGE >> 10));

	/* Into the hole, and across its start: refused, nothing changed. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, hole + SMALL, SMALL, 7),
			IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(mk_write(&m, &a, hole - 100, 200, 7),
			IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(mk_read(&m, &a, hole, SMALL, &wrong),
			IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, hole), 0);
	CU_ASSERT_EQUAL(mk_diff(&a, hole + hole_len, LEN - hole - hole_len),
			0);

	/* Both sides of the hole in the split page, and huge page 1. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, hole - 3 * SMALL - 9, 3 * SMALL, 8),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_write(&m, &a, hole + hole_len, HUGE / 4 + 77, 9),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_write(&m, &a, HUGE - 50, HUGE / 2, 10),
			IBV_WC_SUCCESS);
	wrong = mk_diff(&a, 0, hole) +
		mk_diff(&a, hole + hole_len, LEN - hole - hole_len);
	printf("\n    after the split: %zu bytes wrong", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	mk_cpu_write(&a, hole + hole_len + 5, 2 * SMALL, 11);
	CU_ASSERT_EQUAL(mk_read(&m, &a, hole + hole_len, 3 * SMALL, &wrong),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	thp_fini(&a);
}

static void collapse_case(uint32_t policy)
{
	struct rodp_stats b, s;
	struct mk_area a;
	size_t wrong;
	uint8_t *p;
	int ret;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	p = mk_map_aligned(HUGE, HUGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	/* Small pages first: the CPU and the device write all of them. */
	CU_ASSERT_EQUAL_FATAL(madvise(p, HUGE, MADV_NOHUGEPAGE), 0);
	mk_fill(p, 0, HUGE, 1);
	mk_area_reg(&m, &a, p, HUGE);
	CU_ASSERT_EQUAL_FATAL(mk_write(&m, &a, 0, HUGE, 12), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_thp_kb(p), 0);

	mk_stats(&m, p, &b);
	CU_ASSERT_EQUAL_FATAL(madvise(p, HUGE, MADV_HUGEPAGE), 0);
	ret = madvise(p, HUGE, MADV_COLLAPSE);
	if (ret)
		printf("\n    madvise(MADV_COLLAPSE): %s", strerror(errno));
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	mk_stats(&m, p, &s);
	mk_print_delta("MADV_COLLAPSE", &b, &s);
	printf("\n    AnonHugePages %ld kB after the collapse", mk_thp_kb(p));
	CU_ASSERT_EQUAL(mk_thp_kb(p), (long)(HUGE >> 10));
	CU_ASSERT(s.inval[RODP_INVAL_CLEAR] > b.inval[RODP_INVAL_CLEAR]);
	CU_ASSERT(s.delegated > b.delegated);
	CU_ASSERT_EQUAL(s.downgraded, b.downgraded);

	/* The device's bytes moved into the huge page ... */
	wrong = mk_diff(&a, 0, HUGE);
	printf("\n    after the collapse: %zu bytes wrong", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	/* ... and new device writes land there, not in the old pages. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, 7 * SMALL + 3, 9 * SMALL, 13),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_write(&m, &a, HUGE - SMALL, SMALL, 14),
			IBV_WC_SUCCESS);
	wrong = mk_diff(&a, 0, HUGE);
	printf("; after new device writes: %zu bytes wrong", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	mk_cpu_write(&a, 100, 3 * SMALL, 15);
	CU_ASSERT_EQUAL(mk_read(&m, &a, 0, 4 * SMALL, &wrong), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(mk_thp_kb(p), (long)(HUGE >> 10));
	mk_area_dereg(&a);
	munmap(p, HUGE);
}

static void test_fork_stock(void) { fork_case(RODP_POLICY_MODE_STOCK); }
static void test_fork_event_aware(void)
{
	fork_case(RODP_POLICY_MODE_EVENT_AWARE);
}
static void test_soft_dirty_stock(void)
{
	soft_dirty_case(RODP_POLICY_MODE_STOCK);
}
static void test_soft_dirty_event_aware(void)
{
	soft_dirty_case(RODP_POLICY_MODE_EVENT_AWARE);
}
static void test_split_stock(void) { split_case(RODP_POLICY_MODE_STOCK); }
static void test_split_event_aware(void)
{
	split_case(RODP_POLICY_MODE_EVENT_AWARE);
}
static void test_collapse_stock(void)
{
	collapse_case(RODP_POLICY_MODE_STOCK);
}
static void test_collapse_event_aware(void)
{
	collapse_case(RODP_POLICY_MODE_EVENT_AWARE);
}

/*
 * THP in "never" mode gives no huge page at all: as root, switch to
 * "madvise" for the run (restored at exit); a THP-less kernel fails.
 */
static int thp_prepare(void)
{
	char mode[128] = "";
	FILE *f = fopen(thp_enabled, "r");

	if (!f || !fgets(mode, sizeof(mode), f)) {
		printf("thp: FAIL: %s: %s\n", thp_enabled, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	printf("thp: %s: %s", thp_enabled, mode);
	if (!strstr(mode, "[never]"))
		return 0;
	f = fopen(thp_enabled, "w");
	if (!f || fputs("madvise", f) < 0 || fclose(f)) {
		printf("thp: FAIL: THP is off and cannot be set to madvise: %s\n",
		       strerror(errno));
		return 1;
	}
	strcpy(thp_saved, "never");
	return 0;
}

static void thp_restore(void)
{
	FILE *f;

	if (!thp_saved[0])
		return;
	f = fopen(thp_enabled, "w");
	if (f) {
		fputs(thp_saved, f);
		fclose(f);
	}
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_fork_stock),
		RODP_TEST(test_fork_event_aware),
		RODP_TEST(test_soft_dirty_stock),
		RODP_TEST(test_soft_dirty_event_aware),
		RODP_TEST(test_split_stock),
		RODP_TEST(test_split_event_aware),
		RODP_TEST(test_collapse_stock),
		RODP_TEST(test_collapse_event_aware),
	};
	int ret;

	mk_open(&m, "thp", LEN);
	if (thp_prepare())
		return 1;
	ret = rodp_cunit_run("thp", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	thp_restore();
	mk_close(&m);
	return ret;
}
