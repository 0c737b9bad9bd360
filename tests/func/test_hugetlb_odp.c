// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ODP MRs on 2 MiB huge pages (IBV_ACCESS_HUGETLB), on rodp's rdma_rxe
 * (kernel/rxe/patches/0007). The core gives such a umem a page_shift of
 * 21 while its pfn list keeps one entry per 4 KiB page; rxe and rodp.ko
 * must index it in 4 KiB units or they reach the wrong small page of a
 * huge page, and an invalidated huge page must lose all its entries.
 *
 * Under each policy (stock, event-aware), on a fresh MAP_HUGETLB mapping
 * of two huge pages registered with IBV_ACCESS_HUGETLB:
 *  - transfers: RDMA WRITEs from the loopback peer, at offsets that cross
 *    4 KiB boundaries inside a huge page, cross the 2 MiB boundary and
 *    cover almost all of both, each checked against a shadow copy of the
 *    whole mapping (so a byte landing in the wrong small page shows);
 *    between them the CPU rewrites the mapping and RDMA READs of the same
 *    ranges must return the CPU's bytes;
 *  - soft-dirty: clear_refs 4, then a device WRITE across the 2 MiB
 *    boundary and a CPU write elsewhere: the data is right, and the pages
 *    the device wrote read the same soft-dirty bit as the page the CPU
 *    wrote. For hugetlb, 7.2 keeps soft-dirty per VMA only (clear_refs
 *    has no hugetlb_entry, pagemap_hugetlb_range() reports VM_SOFTDIRTY),
 *    so after the clear both read 0; before it, all read 1. Under
 *    event-aware rodp.ko handles the clear by downgrading (the region's
 *    downgraded counter moves), under stock by delegating; before, the
 *    device's first writes fault whole huge pages, which rodp.ko counts
 *    in 4 KiB pages.
 *
 * The pattern is unique per byte position and seed (a hash of both), so a
 * chunk copied to or from the wrong offset differs.
 *
 * rdma_rxe without huge page ODP (the distribution's, or a rodp build
 * before rodp.7) refuses the registration: the test skips with that
 * reason; on rodp.7 or later a refusal is a failure. Without 2 MiB huge
 * pages free it skips too.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../rxe_version.h"
#include "func_util.h"

#define HUGE		(2UL << 20)
#define LEN		(2 * HUGE)
#define SMALL		4096UL

static struct lb lb;
static struct rodp_ctx *rodp;
static uint8_t *loc;			/* pinned, at the peer's end */
static struct ibv_mr *loc_mr;
static uint8_t *shadow;			/* what the mapping must hold */

static const int access_flags = IBV_ACCESS_LOCAL_WRITE |
	IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
	IBV_ACCESS_ON_DEMAND | IBV_ACCESS_HUGETLB;

/* Byte at position pos (an offset in the mapping) of pattern seed. */
static uint8_t pat(size_t pos, uint8_t seed)
{
	uint32_t h = (uint32_t)pos * 2654435761u ^ (uint32_t)seed * 40503u;

	return (uint8_t)(h >> 24 ^ h >> 11);
}

static void fill(uint8_t *p, size_t pos, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(pos + i, seed);
}

/* Bytes of [p, +len) that differ from the shadow at pos. */
static size_t diff(const uint8_t *p, size_t pos, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] != shadow[pos + i];
	return n;
}

struct huge_fix {
	uint8_t *buf;
	struct ibv_mr *mr;
};

static void huge_init(struct huge_fix *f, enum rodp_policy_mode policy)
{
	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(rodp, policy), 0);
	f->buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	CU_ASSERT_FATAL(f->buf != MAP_FAILED);
	f->mr = ibv_reg_mr(lb.pd, f->buf, LEN, access_flags);
	if (!f->mr)
		printf("\n    ibv_reg_mr(IBV_ACCESS_HUGETLB): %s",
		       strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->mr);
	memset(f->buf, 0, LEN);
	memset(shadow, 0, LEN);
}

static void huge_fini(struct huge_fix *f)
{
	CU_ASSERT_EQUAL(ibv_dereg_mr(f->mr), 0);
	munmap(f->buf, LEN);
}

/* Device WRITE of pattern seed to [off, +len); the shadow follows. */
static int dev_write(struct huge_fix *f, size_t off, size_t len,
		     uint8_t seed)
{
	int st;

	fill(loc, off, len, seed);
	st = lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc, loc_mr->lkey, len,
		     (uintptr_t)f->buf + off, f->mr->rkey);
	if (st == IBV_WC_SUCCESS)
		memcpy(shadow + off, loc, len);
	return st;
}

static const struct {
	size_t off, len;
	const char *what;
} xfers[] = {
	{ SMALL - 100, 200, "across one 4 KiB boundary in huge page 0" },
	{ 5 * SMALL + 7, 3 * SMALL + 11, "across three 4 KiB boundaries" },
	{ HUGE + 9 * SMALL - 1, 2 * SMALL + 2, "4 KiB boundaries in huge page 1" },
	{ HUGE - 5000, 10000, "across the 2 MiB boundary" },
	{ 1, LEN - 2, "both huge pages" },
};

static void run_transfers(enum rodp_policy_mode policy)
{
	struct huge_fix f;
	size_t i, bad;

	huge_init(&f, policy);
	for (i = 0; i < sizeof(xfers) / sizeof(xfers[0]); i++) {
		size_t off = xfers[i].off, len = xfers[i].len;
		uint8_t seed = (uint8_t)(i + 1);

		CU_ASSERT_EQUAL(dev_write(&f, off, len, seed), IBV_WC_SUCCESS);
		bad = diff(f.buf, 0, LEN);
		if (bad)
			printf("\n    WRITE %s: %zu bytes wrong", xfers[i].what,
			       bad);
		CU_ASSERT_EQUAL(bad, 0);

		/* The CPU rewrites the range; the device must read that. */
		fill(f.buf + off, off, len, (uint8_t)(seed + 100));
		memcpy(shadow + off, f.buf + off, len);
		memset(loc, 0xee, len);
		CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_READ, loc,
					loc_mr->lkey, len,
					(uintptr_t)f.buf + off, f.mr->rkey),
				IBV_WC_SUCCESS);
		bad = diff(loc, off, len);
		if (bad)
			printf("\n    READ %s: %zu bytes wrong", xfers[i].what,
			       bad);
		CU_ASSERT_EQUAL(bad, 0);
	}
	huge_fini(&f);
}

static void run_soft_dirty(enum rodp_policy_mode policy)
{
	struct func_region before, after;
	const size_t dev_off = HUGE - 3 * SMALL - 5, dev_len = 6 * SMALL + 10;
	const size_t cpu_off = HUGE + HUGE / 2;
	bool pre[2], dev[2], cpu;
	uint64_t faulted;
	size_t bad;
	struct huge_fix f;

	huge_init(&f, policy);
	/*
	 * Warm: the device writes both huge pages, mapped writable for it.
	 * rodp.ko counts the faults in 4 KiB pages: whole huge pages, at
	 * least both (the core answers in umem pages of 2 MiB).
	 */
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &before), 0);
	CU_ASSERT_EQUAL_FATAL(dev_write(&f, 0, LEN, 7), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &after), 0);
	faulted = after.stats.fault_pages - before.stats.fault_pages;
	printf("\n    warm-up faulted %llu pages",
	       (unsigned long long)faulted);
	CU_ASSERT(faulted >= LEN / SMALL && faulted % (HUGE / SMALL) == 0);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf, 1, &pre[0]), 0);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf + HUGE, 1, &pre[1]),
			      0);
	CU_ASSERT(pre[0] && pre[1]);

	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &before), 0);
	CU_ASSERT_EQUAL_FATAL(func_clear_soft_dirty(), 0);
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f.buf, &after), 0);
	if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
		CU_ASSERT(after.stats.downgraded > before.stats.downgraded);
	} else {
		CU_ASSERT_EQUAL(after.stats.downgraded,
				before.stats.downgraded);
	}

	/* The CPU writes huge page 1, the device both across 2 MiB. */
	f.buf[cpu_off] = shadow[cpu_off] = (uint8_t)~shadow[cpu_off];
	CU_ASSERT_EQUAL(dev_write(&f, dev_off, dev_len, 8), IBV_WC_SUCCESS);
	bad = diff(f.buf, 0, LEN);
	if (bad)
		printf("\n    after clear_refs: %zu bytes wrong", bad);
	CU_ASSERT_EQUAL(bad, 0);

	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf + dev_off, 1,
						   &dev[0]), 0);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf + HUGE, 1, &dev[1]),
			      0);
	CU_ASSERT_EQUAL_FATAL(func_soft_dirty_bits(f.buf + cpu_off, 1, &cpu),
			      0);
	printf("\n    soft-dirty after clear_refs: device-written %d %d, CPU-written %d",
	       dev[0], dev[1], cpu);
	CU_ASSERT_EQUAL(dev[0], cpu);
	CU_ASSERT_EQUAL(dev[1], cpu);
	huge_fini(&f);
}

static void test_transfers_stock(void)
{
	run_transfers(RODP_POLICY_MODE_STOCK);
}

static void test_transfers_event_aware(void)
{
	run_transfers(RODP_POLICY_MODE_EVENT_AWARE);
}

static void test_soft_dirty_stock(void)
{
	run_soft_dirty(RODP_POLICY_MODE_STOCK);
}

static void test_soft_dirty_event_aware(void)
{
	run_soft_dirty(RODP_POLICY_MODE_EVENT_AWARE);
}

/* Exit code when huge page ODP cannot be tested here, else -1. */
static int probe(void)
{
	void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	struct ibv_mr *mr;
	int err;

	if (p == MAP_FAILED) {
		printf("hugetlb-odp: SKIP: no two free 2 MiB huge pages (mmap MAP_HUGETLB: %s)\n",
		       strerror(errno));
		return RODP_TEST_SKIP;
	}
	mr = ibv_reg_mr(lb.pd, p, LEN, access_flags);
	err = errno;
	if (mr)
		ibv_dereg_mr(mr);
	munmap(p, LEN);
	if (mr)
		return -1;
	if (rodp_rxe_version() >= 7) {
		printf("hugetlb-odp: FAIL: rdma_rxe rodp.7+ refuses IBV_ACCESS_HUGETLB: %s\n",
		       strerror(err));
		return 1;
	}
	printf("hugetlb-odp: SKIP: %s refuses IBV_ACCESS_HUGETLB (%s): rdma_rxe without rodp's huge page ODP\n",
	       func_dev_name(), strerror(err));
	return RODP_TEST_SKIP;
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_transfers_stock),
		RODP_TEST(test_transfers_event_aware),
		RODP_TEST(test_soft_dirty_stock),
		RODP_TEST(test_soft_dirty_event_aware),
	};
	int ret;

	if (lb_open(&lb, func_dev_name())) {
		printf("hugetlb-odp: SKIP: no RDMA device %s\n",
		       func_dev_name());
		return RODP_TEST_SKIP;
	}
	ret = probe();
	if (ret >= 0) {
		lb_close(&lb);
		return ret;
	}
	rodp = func_rodp_open();

	loc = aligned_alloc(SMALL, LEN);
	shadow = malloc(LEN);
	loc_mr = loc ? ibv_reg_mr(lb.pd, loc, LEN, IBV_ACCESS_LOCAL_WRITE) :
		       NULL;
	if (!loc_mr || !shadow) {
		printf("hugetlb-odp: FAIL: pinned buffer: %s\n",
		       strerror(errno));
		return 1;
	}

	ret = rodp_cunit_run("hugetlb-odp", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_set_policy(rodp, RODP_POLICY_MODE_DEFAULT);
	ibv_dereg_mr(loc_mr);
	free(loc);
	free(shadow);
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
