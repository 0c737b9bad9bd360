// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Implicit ODP on rodp's rdma_rxe (kernel/rxe/patches/0006): one MR
 * registered as ibv_reg_mr(pd, NULL, SIZE_MAX, IBV_ACCESS_ON_DEMAND | ...)
 * reaches the whole address space, its rkey naming user addresses.
 *
 * Each round registers an implicit MR and, through it:
 *  - RDMA WRITEs then READs, from the loopback peer QP, a malloc'd buffer
 *    and an mmap'd one far from it, the mmap'd transfer straddling a
 *    2 MiB boundary (two of rxe's children); bytes checked in memory and
 *    in what came back;
 *  - uses the implicit lkey as the local SGE of a WRITE and of a READ;
 *  - FETCH_AND_ADDs, from the peer, a word of the malloc'd buffer;
 *  - prefetches (ibv_advise_mr, synchronous) an untouched mapping, which
 *    must create a child (rodp.ko's umems_live goes up), and fails to
 *    prefetch an unmapped one (rdma-core older than 65, as in Debian
 *    trixie, cannot send advise_mr to rxe: EOPNOTSUPP every round, and
 *    the test says this step did not run);
 *  - munmaps the touched mmap'd buffer: the next WRITE through the rkey
 *    must fail with a remote access error, and the children of that range
 *    must go while the MR stays (umems_live back down);
 *  - deregisters: umems_live must be back where it started.
 * 100 rounds, so that a child leaked per round shows.
 *
 * rodp.ko counts the children through its ib_umem_odp_alloc_child probe
 * (global umems_live), so it must be loaded. On an rdma_rxe without
 * implicit ODP (the distribution's, or a rodp build before rodp.6) the
 * test skips with that reason; on rodp.6 or later a device that does not
 * report IBV_ODP_SUPPORT_IMPLICIT is a failure.
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

#define ROUNDS		100
#define CHUNK		(2UL << 20)	/* rxe's child size */
#define HEAP_LEN	(256UL << 10)
#define MAP_LEN		(2 * CHUNK)
#define XFER		(64UL << 10)	/* one transfer */

static struct lb lb;
static struct rodp_ctx *rodp;
static uint8_t *loc;			/* pinned, at the peer's end */
static struct ibv_mr *loc_mr;
static uint64_t live_at_start;
/* ibv_advise_mr reaches rxe: -1 not asked yet, 0 EOPNOTSUPP (rdma-core
 * older than 65), 1 yes. */
static int have_advise = -1;

/* rodp.ko's global count of live ODP umems: 0, or -1 with errno. */
static int global_umems_live(uint64_t *live)
{
	struct rodp_stats s;
	int err;

	memset(&s, 0, sizeof(s));
	err = rodp_get_stats(rodp, 0, &s, sizeof(s));
	if (err) {
		errno = err;
		return -1;
	}
	*live = s.umems_live;
	return 0;
}

static uint64_t umems_live(void)
{
	uint64_t v = 0;

	CU_ASSERT_EQUAL_FATAL(global_umems_live(&v), 0);
	return v;
}

/* Waits up to 5 s for umems_live to reach want (children go from a work
 * queue after munmap); returns the last value read. */
static uint64_t umems_live_wait(uint64_t want)
{
	uint64_t v = umems_live();
	int i;

	for (i = 0; i < 500 && v != want; i++) {
		usleep(10000);
		v = umems_live();
	}
	return v;
}

static struct ibv_mr *reg_implicit(void)
{
	return ibv_reg_mr(lb.pd, NULL, SIZE_MAX, IBV_ACCESS_ON_DEMAND |
			  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC);
}

/* The peer writes seed's pattern at addr through the rkey, then reads it
 * back; both checked. */
static void peer_write_read(struct ibv_mr *imr, uint8_t *addr, uint8_t seed)
{
	func_fill(loc, XFER, seed);
	CU_ASSERT_EQUAL_FATAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc,
				      loc_mr->lkey, XFER, (uintptr_t)addr,
				      imr->rkey), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(addr, XFER, seed), 0);

	memset(loc, 0xee, XFER);
	func_fill(addr, XFER, seed + 1);
	CU_ASSERT_EQUAL_FATAL(lb_rdma(&lb, IBV_WR_RDMA_READ, loc,
				      loc_mr->lkey, XFER, (uintptr_t)addr,
				      imr->rkey), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(loc, XFER, seed + 1), 0);
}

/* The implicit lkey as the local SGE: addr goes out to loc, then comes
 * back from it. */
static void local_sge(struct ibv_mr *imr, uint8_t *addr, uint8_t seed)
{
	func_fill(addr, XFER, seed);
	memset(loc, 0xee, XFER);
	CU_ASSERT_EQUAL_FATAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, addr, imr->lkey,
				      XFER, (uintptr_t)loc, loc_mr->rkey),
			      IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(loc, XFER, seed), 0);

	func_fill(loc, XFER, seed + 2);
	memset(addr, 0xee, XFER);
	CU_ASSERT_EQUAL_FATAL(lb_rdma(&lb, IBV_WR_RDMA_READ, addr, imr->lkey,
				      XFER, (uintptr_t)loc, loc_mr->rkey),
			      IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(addr, XFER, seed + 2), 0);
}

/* The peer's FETCH_AND_ADD of add on *word through the rkey: the
 * completion status, or -1 (posting error, no completion in 20 s). */
static int peer_fetch_add(struct ibv_mr *imr, uint64_t *word, uint64_t add)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)loc, .length = sizeof(uint64_t),
		.lkey = loc_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = lb.next_wr_id++, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = {
			.remote_addr = (uintptr_t)word, .rkey = imr->rkey,
			.compare_add = add,
		},
	}, *bad;
	struct ibv_wc wc;
	int i, n;

	if (ibv_post_send(lb.qp[0], &wr, &bad))
		return -1;
	for (i = 0; i < 200000; i++) {
		n = ibv_poll_cq(lb.cq[0], 1, &wc);
		if (n < 0)
			return -1;
		if (n == 1 && wc.wr_id == wr.wr_id)
			return wc.status;
		if (!n)
			usleep(100);
	}
	return -1;
}

static int prefetch(struct ibv_mr *imr, void *addr, size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)addr, .length = (uint32_t)len,
		.lkey = imr->lkey,
	};

	return ibv_advise_mr(lb.pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			     IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
}

/* A 2 MiB-aligned anonymous mapping of len (a multiple of CHUNK). */
static uint8_t *map_aligned(size_t len)
{
	uint8_t *p = mmap(NULL, len + CHUNK, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + CHUNK - 1) & ~(CHUNK - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	if ((uintptr_t)p + CHUNK != a)
		munmap((uint8_t *)a + len, (uintptr_t)p + CHUNK - a);
	return (uint8_t *)a;
}

static void one_round(unsigned int round)
{
	uint8_t seed = (uint8_t)(round * 7);
	uint8_t *heap, *map, *fresh, *gone;
	uint64_t before, after, *word;
	struct ibv_mr *imr;
	int err;

	heap = malloc(HEAP_LEN);
	map = map_aligned(MAP_LEN);
	fresh = map_aligned(CHUNK);
	gone = map_aligned(CHUNK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(heap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(map);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gone);
	CU_ASSERT_EQUAL_FATAL(munmap(gone, CHUNK), 0);

	imr = reg_implicit();
	if (!imr)
		printf("\n    ibv_reg_mr(NULL, SIZE_MAX, ODP): %s",
		       strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(imr);
	CU_ASSERT_EQUAL(umems_live(), live_at_start);

	/* Remote access, malloc'd and mmap'd across a child boundary. */
	peer_write_read(imr, heap + 4096 + 100, seed);
	peer_write_read(imr, map + CHUNK - XFER / 2, seed + 3);
	/* Local access through the implicit lkey. */
	local_sge(imr, heap + 8192 + 7, seed + 5);
	local_sge(imr, map + 3 * XFER, seed + 9);
	/* An atomic through the rkey: old value back, sum in memory. */
	word = (uint64_t *)(heap + 16384);
	*word = 1000 + round;
	memset(loc, 0xee, sizeof(uint64_t));
	CU_ASSERT_EQUAL(peer_fetch_add(imr, word, 5), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(*(uint64_t *)loc, 1000 + round);
	CU_ASSERT_EQUAL(*(volatile uint64_t *)word, 1005 + round);
	CU_ASSERT(umems_live() >= live_at_start + 3);

	/* Prefetch creates the child of an untouched chunk... */
	before = umems_live();
	err = prefetch(imr, fresh, CHUNK);
	if (have_advise < 0)
		have_advise = err != EOPNOTSUPP;
	if (have_advise) {
		CU_ASSERT_EQUAL(err, 0);
		CU_ASSERT_EQUAL(umems_live(), before + 1);
		/* ...and fails, leaving none behind, on an unmapped one. */
		CU_ASSERT_NOT_EQUAL(prefetch(imr, gone, 4096), 0);
		CU_ASSERT_EQUAL(umems_live(), before + 1);
	} else {
		CU_ASSERT_EQUAL(err, EOPNOTSUPP);
		CU_ASSERT_EQUAL(umems_live(), before);
	}

	/* munmap: access fails, the two children of map go, the MR stays. */
	before = umems_live();
	CU_ASSERT_EQUAL_FATAL(munmap(map, MAP_LEN), 0);
	after = umems_live_wait(before - 2);
	if (after != before - 2)
		printf("\n    umems_live %llu after munmap, want %llu",
		       (unsigned long long)after,
		       (unsigned long long)(before - 2));
	CU_ASSERT_EQUAL(after, before - 2);
	func_fill(loc, XFER, seed);
	CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc, loc_mr->lkey,
				XFER, (uintptr_t)map + 100, imr->rkey),
			IBV_WC_REM_ACCESS_ERR);
	/* The failed access left no child behind either. */
	CU_ASSERT_EQUAL(umems_live(), after);
	/* The rest of the MR still works. */
	peer_write_read(imr, heap + 4096 + 100, seed + 11);

	CU_ASSERT_EQUAL_FATAL(ibv_dereg_mr(imr), 0);
	after = umems_live();
	if (after != live_at_start)
		printf("\n    round %u: umems_live %llu after dereg, want %llu",
		       round, (unsigned long long)after,
		       (unsigned long long)live_at_start);
	CU_ASSERT_EQUAL_FATAL(after, live_at_start);

	munmap(fresh, CHUNK);
	free(heap);
}

static void test_implicit_rounds(void)
{
	unsigned int i;

	/* A round that failed says all there is to say: stop there. */
	for (i = 0; i < ROUNDS && !CU_get_number_of_failures(); i++)
		one_round(i);
	printf("\n    %u of %u rounds, umems_live %llu at start", i, ROUNDS,
	       (unsigned long long)live_at_start);
	if (!have_advise)
		printf("\n    prefetch step not run: ibv_advise_mr answers EOPNOTSUPP on %s (rdma-core older than 65)",
		       func_dev_name());
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_implicit_rounds),
	};
	struct ibv_device_attr_ex attr;
	int ret;

	if (lb_open(&lb, func_dev_name())) {
		printf("implicit: SKIP: no RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	if (ibv_query_device_ex(lb.ctx, NULL, &attr)) {
		printf("implicit: FAIL: ibv_query_device_ex: %s\n",
		       strerror(errno));
		return 1;
	}
	if (!(attr.odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT)) {
		/* rodp.6 and later have implicit ODP (patch 0006). */
		if (rodp_rxe_version() >= 6) {
			printf("implicit: FAIL: rdma_rxe rodp.6+ does not report IBV_ODP_SUPPORT_IMPLICIT\n");
			return 1;
		}
		printf("implicit: SKIP: %s reports no IBV_ODP_SUPPORT_IMPLICIT (rdma_rxe without rodp's implicit ODP)\n",
		       func_dev_name());
		lb_close(&lb);
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();

	loc = aligned_alloc(4096, XFER);
	loc_mr = loc ? ibv_reg_mr(lb.pd, loc, XFER, IBV_ACCESS_LOCAL_WRITE |
				  IBV_ACCESS_REMOTE_WRITE |
				  IBV_ACCESS_REMOTE_READ) : NULL;
	if (!loc_mr) {
		printf("implicit: FAIL: pinned buffer: %s\n", strerror(errno));
		return 1;
	}
	if (global_umems_live(&live_at_start)) {
		printf("implicit: FAIL: rodp_get_stats: %s\n", strerror(errno));
		return 1;
	}

	ret = rodp_cunit_run("implicit", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	ibv_dereg_mr(loc_mr);
	free(loc);
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
