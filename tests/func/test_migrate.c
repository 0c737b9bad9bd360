// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Page migration under an ODP MR, under each policy (stock, event-aware),
 * byte-checked against a shadow copy (pattern unique per byte position
 * and seed), every completion status exact:
 *
 *  - compaction (echo 1 > /proc/sys/vm/compact_memory): the device wrote
 *    every page of the region, compaction moves them to other frames;
 *  - with --numa, on a guest with two NUMA nodes (tests/vm/run --numa):
 *    move_pages(2) of the middle half of the region from node 0 to node
 *    1, then migrate_pages(2) of the process's node-0 pages to node 1,
 *    which moves the rest of the region.
 *
 * A migration that moved nothing proves nothing: the test fails unless
 * the pages really left their frames (compaction: the page frame
 * numbers of /proc/self/pagemap changed) or their node (move_pages(2)'s
 * node query after the move).
 *
 * The event: on Debian's 7.2 (mm/migrate.c, mm/rmap.c) an anonymous page
 * is migrated by migrate_pages() -> migrate_folio_unmap() ->
 * try_to_migrate() -> try_to_migrate_one(), which sends MMU_NOTIFY_CLEAR
 * for the folio's range in each VMA mapping it; compaction, move_pages
 * and migrate_pages all go that way. MMU_NOTIFY_MIGRATE is sent only by
 * migrate_vma_setup()/migrate_device (mm/migrate_device.c: memory moving
 * to or from a device's private memory), which nothing here uses. So
 * every moved page must show as a CLEAR of the region, delegated by both
 * policies (rxe drops its mappings), and no MIGRATE or other event at
 * all. Then the data: the device's bytes moved with the pages (the CPU
 * reads them), the CPU's writes into the new frames are what the device
 * reads (it refaulted the moved pages, it did not read the old frames),
 * and the device's next write lands in the new frames (the CPU sees it).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "memkind.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE (1 << 1)
#endif

#define SMALL		4096UL
#define COMPACT_PAGES	256
#define NUMA_PAGES	64
#define MAX_LEN		(COMPACT_PAGES * SMALL)

static struct mk m;

/* An anonymous private region of npages small pages, CPU-written and
 * registered (the two-node cases; compaction takes its region from a
 * pool, pool_make()). */
static void area_init(struct mk_area *a, uint32_t policy, size_t npages)
{
	size_t len = npages * SMALL;
	uint8_t *p;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	/* One folio per page: each moved page is one migration. */
	CU_ASSERT_EQUAL_FATAL(madvise(p, len, MADV_NOHUGEPAGE), 0);
	mk_fill(p, 0, len, 1);
	mk_area_reg(&m, a, p, len);
}

static void area_fini(struct mk_area *a)
{
	uint8_t *p = a->buf;
	size_t len = a->len;

	mk_area_dereg(a);
	munmap(p, len);
}

/*
 * The page frame number of each of the npages pages from addr (0 when
 * not present), from /proc/self/pagemap: 0, or -1. Without CAP_SYS_ADMIN
 * the kernel reports every PFN as 0.
 */
static int area_pfns(const void *addr, size_t npages, uint64_t *pfn)
{
	ssize_t want = npages * sizeof(*pfn);
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t i;
	bool ok;

	if (fd < 0)
		return -1;
	ok = pread(fd, pfn, want, (uintptr_t)addr / SMALL * sizeof(*pfn)) ==
	     want;
	close(fd);
	if (!ok)
		return -1;
	for (i = 0; i < npages; i++)
		pfn[i] = pfn[i] >> 63 ? pfn[i] & ((1ULL << 55) - 1) : 0;
	return 0;
}

#define DELTA(a, b, f) ((a)->f - (b)->f)

/*
 * What must hold once moved pages of the area left their frames: b are
 * the region's counters before the migration, s right after it.
 */
static void check_after_migration(struct mk_area *a, unsigned long moved,
				  const struct rodp_stats *b,
				  const struct rodp_stats *s, uint8_t seed)
{
	uint64_t clear = DELTA(s, b, inval[RODP_INVAL_CLEAR]);
	uint64_t all = 0, faults, lost;
	struct rodp_stats r;
	size_t wrong;
	int i;

	for (i = 0; i < RODP_INVAL_SLOTS; i++)
		all += DELTA(s, b, inval[i]);
	mk_print_delta("migration", b, s);
	/* Each moved page was invalidated, as CLEAR and nothing else. */
	CU_ASSERT(clear >= moved);
	CU_ASSERT(DELTA(s, b, inval_pages) >= moved);
	CU_ASSERT_EQUAL(DELTA(s, b, inval[RODP_INVAL_MIGRATE]), 0);
	CU_ASSERT_EQUAL(all, clear);
	/* Both policies delegate CLEAR: rxe dropped its mappings. */
	CU_ASSERT_EQUAL(DELTA(s, b, delegated), clear);
	CU_ASSERT_EQUAL(DELTA(s, b, downgraded), 0);
	CU_ASSERT_EQUAL(DELTA(s, b, skipped), 0);
	CU_ASSERT_EQUAL(DELTA(s, b, shrunk), 0);
	CU_ASSERT_EQUAL(DELTA(s, b, fallback), 0);

	/* The device's bytes moved with the pages. */
	wrong = mk_diff(a, 0, a->len);
	printf("; CPU read after it: %zu bytes differ", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	/*
	 * The CPU writes into the new frames (across every page): a device
	 * that kept a mapping of an old frame reads the old bytes.
	 */
	mk_cpu_write(a, 5, a->len - 10, seed);
	CU_ASSERT_EQUAL(mk_read(&m, a, 0, a->len, &wrong), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	mk_stats(&m, a->buf, &r);
	faults = DELTA(&r, s, fault_pages);
	lost = DELTA(&r, b, inval_pages);
	printf("; device read: %zu bytes wrong, %llu pages refaulted (%llu invalidated)",
	       wrong, (unsigned long long)faults, (unsigned long long)lost);
	/*
	 * Every moved page is refaulted; a page whose mapping the device
	 * kept is not (rxe faults per packet, at most one page here).
	 */
	CU_ASSERT(faults >= moved);
	CU_ASSERT(faults <= lost);
	/* The device's next write lands in the new frames. */
	CU_ASSERT_EQUAL(mk_write(&m, a, a->len / 3 + 3, a->len / 2, seed + 1),
			IBV_WC_SUCCESS);
	wrong = mk_diff(a, 0, a->len);
	printf("; CPU read after a device write: %zu bytes differ", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
}

/* ---- compaction ------------------------------------------------------ */

static const char compact_memory[] = "/proc/sys/vm/compact_memory";

static int compact(void)
{
	int fd = open(compact_memory, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Where compaction moves pages. Its migration scanner runs up from the
 * bottom of each zone, its free scanner down from the top, and they stop
 * where they meet. The free scanner takes free pages only from pageblocks
 * partly in use (suitable_migration_target(), mm/compaction.c: a wholly
 * free pageblock is no target), so on a guest whose memory is mostly
 * free it finds next to none and nothing moves: seen on the single-node
 * guest, pgmigrate_success +0 and 0 of 256 pages moved by 3 compactions
 * in a row. So the test makes its own: of a pool of POOL_PAGES touched
 * pages, the region is the window of COMPACT_PAGES whose highest frame
 * is lowest; the pool's other pages below that frame are freed (no
 * source below the region to use the targets up) and three of every
 * four above it (holes in partly used pageblocks: targets above it).
 * Seen on the single-node guest: 0 of 256 moved in a first round
 * (pgmigrate_success +288), then 256 of 256 (+6358); 256 of 256 in the
 * first round of the next case.
 */
#define POOL_PAGES	32768	/* 128 MiB */

static uint64_t pool_pfn[POOL_PAGES];

/* A pool as above; the region's first page in *first. NULL on failure. */
static uint8_t *pool_make(size_t *first)
{
	uint64_t top, best = UINT64_MAX;
	size_t i, j, above = 0;
	uint8_t *pool;

	pool = mmap(NULL, POOL_PAGES * SMALL, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool == MAP_FAILED)
		return NULL;
	if (madvise(pool, POOL_PAGES * SMALL, MADV_NOHUGEPAGE))
		goto out_unmap;
	for (i = 0; i < POOL_PAGES; i++)
		pool[i * SMALL] = 1;
	if (area_pfns(pool, POOL_PAGES, pool_pfn))
		goto out_unmap;
	*first = 0;
	for (i = 0; i + COMPACT_PAGES <= POOL_PAGES; i++) {
		for (top = 0, j = i; j < i + COMPACT_PAGES; j++)
			if (pool_pfn[j] > top)
				top = pool_pfn[j];
		if (top < best) {
			best = top;
			*first = i;
		}
	}
	for (i = 0; i < POOL_PAGES; i++) {
		if (i >= *first && i < *first + COMPACT_PAGES)
			continue;
		if (pool_pfn[i] > best && above++ % 4 == 0)
			continue;
		if (madvise(pool + i * SMALL, SMALL, MADV_DONTNEED))
			goto out_unmap;
	}
	return pool;

out_unmap:
	munmap(pool, POOL_PAGES * SMALL);
	return NULL;
}

static void compact_case(uint32_t policy)
{
	uint64_t before[COMPACT_PAGES], after[COMPACT_PAGES];
	unsigned long migrated, moved = 0;
	struct rodp_stats b, s;
	uint8_t *pool = NULL;
	struct mk_area a;
	size_t first = 0;
	int round, i;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	/* A fresh pool each round, at most five, until pages moved. */
	for (round = 1; round <= 5; round++) {
		pool = pool_make(&first);
		CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
		mk_fill(pool + first * SMALL, 0, COMPACT_PAGES * SMALL, 1);
		mk_area_reg(&m, &a, pool + first * SMALL,
			    COMPACT_PAGES * SMALL);
		CU_ASSERT_EQUAL_FATAL(mk_write(&m, &a, 0, a.len, 2),
				      IBV_WC_SUCCESS);
		CU_ASSERT_EQUAL_FATAL(area_pfns(a.buf, COMPACT_PAGES, before),
				      0);
		for (i = 0; i < COMPACT_PAGES; i++)
			if (!before[i])
				break;
		if (i < COMPACT_PAGES)
			printf("\n    page %d has no PFN in pagemap (not root?)",
			       i);
		CU_ASSERT_EQUAL_FATAL(i, COMPACT_PAGES);

		mk_stats(&m, a.buf, &b);
		migrated = func_vmstat("pgmigrate_success");
		/* compact_nodes() drains every CPU's LRU batch first. */
		CU_ASSERT_EQUAL_FATAL(compact(), 0);
		migrated = func_vmstat("pgmigrate_success") - migrated;
		CU_ASSERT_EQUAL_FATAL(area_pfns(a.buf, COMPACT_PAGES, after),
				      0);
		mk_stats(&m, a.buf, &s);
		for (i = 0; i < COMPACT_PAGES; i++)
			moved += after[i] != before[i];
		printf("\n    %s, round %d: compaction moved %lu/%d pages of the region (pgmigrate_success +%lu)",
		       mk_policy_name(policy), round, moved, COMPACT_PAGES,
		       migrated);
		if (moved)
			break;
		mk_area_dereg(&a);
		munmap(pool, POOL_PAGES * SMALL);
	}
	CU_ASSERT_FATAL(moved > 0);
	for (i = 0; i < COMPACT_PAGES; i++)
		if (!after[i])
			break;
	/* Migrated, not swapped out or dropped. */
	CU_ASSERT_EQUAL(i, COMPACT_PAGES);
	check_after_migration(&a, moved, &b, &s, 3);
	mk_area_dereg(&a);
	munmap(pool, POOL_PAGES * SMALL);
}

static void test_compaction_stock(void)
{
	compact_case(RODP_POLICY_MODE_STOCK);
}

static void test_compaction_event_aware(void)
{
	compact_case(RODP_POLICY_MODE_EVENT_AWARE);
}

/* ---- move_pages(2) and migrate_pages(2), two nodes -------------------- */

static const char numa_balancing[] = "/proc/sys/kernel/numa_balancing";
static char balancing_saved[16];	/* "" when untouched */

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, flags);
}

/*
 * Moves pages [first, first + n) of the area to node (node >= 0), or
 * only asks where they are (node < 0): status[] gets each page's node or
 * -errno. The syscall's result.
 */
static long area_nodes(struct mk_area *a, size_t first, size_t n, int node,
		       int *status)
{
	void *pages[NUMA_PAGES];
	int nodes[NUMA_PAGES];
	size_t i;

	for (i = 0; i < n; i++) {
		pages[i] = a->buf + (first + i) * SMALL;
		nodes[i] = node;
	}
	return sys_move_pages(n, pages, node < 0 ? NULL : nodes, status,
			      node < 0 ? 0 : MPOL_MF_MOVE);
}

/* Pages of the area not on node 1 in [lo, hi) and node 0 elsewhere. */
static size_t nodes_wrong(struct mk_area *a, size_t lo, size_t hi)
{
	int status[NUMA_PAGES];
	size_t i, n = 0;

	CU_ASSERT_EQUAL_FATAL(area_nodes(a, 0, NUMA_PAGES, -1, status), 0);
	for (i = 0; i < NUMA_PAGES; i++)
		n += status[i] != (i >= lo && i < hi ? 1 : 0);
	return n;
}

static void numa_case(uint32_t policy)
{
	unsigned long mask0 = 1UL << 0, mask1 = 1UL << 1;
	size_t lo = NUMA_PAGES / 4, hi = 3 * NUMA_PAGES / 4, wrong;
	int status[NUMA_PAGES];
	struct rodp_stats b, s;
	struct mk_area a;
	long left;
	size_t i;

	area_init(&a, policy, NUMA_PAGES);
	/* Every page on node 0 first, then the device writes them all. */
	CU_ASSERT_EQUAL_FATAL(area_nodes(&a, 0, NUMA_PAGES, 0, status), 0);
	CU_ASSERT_EQUAL_FATAL(nodes_wrong(&a, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(mk_write(&m, &a, 0, a.len, 2), IBV_WC_SUCCESS);

	/* move_pages: the middle half to node 1. */
	mk_stats(&m, a.buf, &b);
	CU_ASSERT_EQUAL(area_nodes(&a, lo, hi - lo, 1, status), 0);
	for (i = 0; i < hi - lo; i++)
		if (status[i] != 1)
			printf("\n    move_pages: page %zu status %d",
			       lo + i, status[i]);
	mk_stats(&m, a.buf, &s);
	wrong = nodes_wrong(&a, lo, hi);
	printf("\n    %s: move_pages of pages %zu-%zu to node 1: %zu page(s) of %d on the wrong node after",
	       mk_policy_name(policy), lo, hi - 1, wrong, NUMA_PAGES);
	CU_ASSERT_EQUAL_FATAL(wrong, 0);
	check_after_migration(&a, hi - lo, &b, &s, 3);

	/* migrate_pages: all of the process's node-0 pages to node 1. */
	mk_stats(&m, a.buf, &b);
	left = syscall(SYS_migrate_pages, 0, 8 * sizeof(mask0), &mask0,
		       &mask1);
	mk_stats(&m, a.buf, &s);
	wrong = nodes_wrong(&a, 0, NUMA_PAGES);
	printf("\n    %s: migrate_pages node 0 -> 1: %ld page(s) of the process left behind, %zu of the region's %d on the wrong node after",
	       mk_policy_name(policy), left, wrong, NUMA_PAGES);
	/* Some of the process's pages may stay (the pinned buffer). */
	CU_ASSERT(left >= 0);
	CU_ASSERT_EQUAL_FATAL(wrong, 0);
	check_after_migration(&a, NUMA_PAGES - (hi - lo), &b, &s, 5);
	area_fini(&a);
}

static void test_move_pages_stock(void)
{
	numa_case(RODP_POLICY_MODE_STOCK);
}

static void test_move_pages_event_aware(void)
{
	numa_case(RODP_POLICY_MODE_EVENT_AWARE);
}

/*
 * The balancer would move pages on its own (and send PROTECTION_VMA
 * hints) while the counters are compared: off for these cases, restored
 * at the end.
 */
static int balancing_off(void)
{
	FILE *f = fopen(numa_balancing, "r");

	if (f) {
		if (!fgets(balancing_saved, sizeof(balancing_saved), f))
			balancing_saved[0] = 0;
		fclose(f);
	}
	if (!balancing_saved[0])
		return 0;
	return mk_sh("echo 0 > %s", numa_balancing);
}

static void balancing_restore(void)
{
	if (balancing_saved[0])
		mk_sh("echo %s > %s", strtok(balancing_saved, "\n"),
		      numa_balancing);
}

int main(int argc, char **argv)
{
	static const struct rodp_test compaction[] = {
		RODP_TEST(test_compaction_stock),
		RODP_TEST(test_compaction_event_aware),
	};
	static const struct rodp_test numa[] = {
		RODP_TEST(test_move_pages_stock),
		RODP_TEST(test_move_pages_event_aware),
	};
	bool two_nodes = argc == 2 && !strcmp(argv[1], "--numa");
	int ret;

	if (argc > 2 || (argc == 2 && !two_nodes)) {
		fprintf(stderr, "usage: %s [--numa]\n", argv[0]);
		return 2;
	}
	mk_open(&m, "migrate", MAX_LEN);
	if (two_nodes) {
		if (access("/sys/devices/system/node/node1", F_OK)) {
			printf("migrate: FAIL: --numa needs two NUMA nodes (tests/vm/run --numa)\n");
			mk_close(&m);
			return 1;
		}
		ret = balancing_off() ? 1 :
		      rodp_cunit_run("migrate (two nodes)", NULL, NULL, numa,
				     sizeof(numa) / sizeof(numa[0]));
		balancing_restore();
	} else {
		if (access(compact_memory, W_OK)) {
			printf("migrate: FAIL: %s: %s (CONFIG_COMPACTION, root)\n",
			       compact_memory, strerror(errno));
			mk_close(&m);
			return 1;
		}
		ret = rodp_cunit_run("migrate (compaction)", NULL, NULL,
				     compaction,
				     sizeof(compaction) / sizeof(compaction[0]));
	}
	mk_close(&m);
	return ret;
}
