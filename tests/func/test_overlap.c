// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Overlapping ODP MRs, under each policy (stock, event-aware): on one
 * private anonymous mapping of 32 pages,
 *   A: rxe0, all 32 pages;  B: rxe0, pages 16-31;  C: a second rxe device
 *   (rxe_ovl, on a dummy netdev this test adds), all 32 pages, registered
 *   through librodp (rodp_reg_mr), each its own rodp.ko region. Each
 * step checks the bytes against a shadow (pattern unique per byte position
 * and seed), every completion status, and each MR's counters as librodp
 * reports them (rodp_get_mr_stats), so an event or a fault counted on the
 * wrong region shows:
 *
 *  - a device write through one MR faults in that MR's region only, and
 *    the others read what it wrote;
 *  - munmap of a page only A and C cover reaches A and C (UNMAP: shrink
 *    under event-aware, delegate under stock), not B; a page all three
 *    cover reaches all three; the hole then fails through every MR
 *    (IBV_WC_REM_ACCESS_ERR);
 *  - fork() write-protects all three (PROTECTION_PAGE); a device write
 *    through B breaks COW, and A and C must then read the parent's new
 *    page, not the page the child keeps, while the child sees the
 *    pre-fork bytes.
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

#define SMALL	4096UL
#define NPAGES	32
#define LEN	(NPAGES * SMALL)
#define DEV2	"rxe_ovl"
#define NETDEV2	"d_ovl"

static struct mk m;		/* rxe0 */
static struct lb lb2;		/* the second device */
static uint8_t *loc2;
static struct ibv_mr *loc2_mr;
static bool dev2_added;

/* One of the three MRs: the device it is on and its pages. */
struct ov_mr {
	const char *name;
	struct lb *lb;
	uint8_t *loc;
	struct ibv_mr *loc_mr;
	struct ibv_mr *mr;
	size_t first, n;	/* pages of the mapping it covers */
	struct rodp_mr_stats st;
};

static uint8_t *buf, *shadow;

static void ov_stats(struct ov_mr *o)
{
	memset(&o->st, 0, sizeof(o->st));
	CU_ASSERT_EQUAL_FATAL(rodp_get_mr_stats(o->mr, &o->st, sizeof(o->st)),
			      0);
	CU_ASSERT_FATAL(o->st.flags & RODP_MR_BOUND);
	CU_ASSERT_FATAL(o->st.flags & RODP_MR_KERNEL_STATS);
}

static void ov_all_stats(struct ov_mr *o, struct rodp_stats *before)
{
	int i;

	for (i = 0; i < 3; i++) {
		ov_stats(&o[i]);
		before[i] = o[i].st.kernel;
	}
}

/* Device transfer through o of [off, +len) of the mapping. */
static int ov_rdma(struct ov_mr *o, enum ibv_wr_opcode op, size_t off,
		   size_t len, uint8_t seed, size_t *wrong)
{
	int st;

	CU_ASSERT_FATAL(off >= o->first * SMALL &&
			off + len <= (o->first + o->n) * SMALL);
	if (op == IBV_WR_RDMA_WRITE)
		mk_fill(o->loc, off, len, seed);
	else
		memset(o->loc, 0xee, len);
	st = lb_rdma(o->lb, op, o->loc, o->loc_mr->lkey, len,
		     (uintptr_t)buf + off, o->mr->rkey);
	if (st == IBV_WC_SUCCESS && op == IBV_WR_RDMA_WRITE)
		memcpy(shadow + off, o->loc, len);
	if (wrong) {
		size_t i;

		*wrong = 0;
		for (i = 0; i < len; i++)
			*wrong += o->loc[i] != shadow[off + i];
	}
	return st;
}

static size_t diff_range(size_t off, size_t len)
{
	size_t i, n = 0;

	for (i = off; i < off + len; i++)
		n += buf[i] != shadow[i];
	return n;
}

#define D(o, b, f) ((o).st.kernel.f - (b).f)

static void print_deltas(const char *what, struct ov_mr *o,
			 const struct rodp_stats *b)
{
	int i;

	printf("\n    %s:", what);
	for (i = 0; i < 3; i++)
		printf(" %s unmap %llu prot-page %llu faults %llu shrunk %llu downgraded %llu delegated %llu;",
		       o[i].name,
		       (unsigned long long)D(o[i], b[i], inval[RODP_INVAL_UNMAP]),
		       (unsigned long long)D(o[i], b[i],
					     inval[RODP_INVAL_PROTECTION_PAGE]),
		       (unsigned long long)D(o[i], b[i], fault_pages),
		       (unsigned long long)D(o[i], b[i], shrunk),
		       (unsigned long long)D(o[i], b[i], downgraded),
		       (unsigned long long)D(o[i], b[i], delegated));
}

static void faults_case(struct ov_mr *o)
{
	struct rodp_stats b[3];
	size_t wrong;
	int i, j;
	/* Each MR writes four pages of its own part; others read them. */
	static const size_t first[3] = { 2, 17, 26 };

	for (i = 0; i < 3; i++) {
		ov_all_stats(o, b);
		CU_ASSERT_EQUAL(ov_rdma(&o[i], IBV_WR_RDMA_WRITE,
					first[i] * SMALL + 5, 4 * SMALL - 10,
					(uint8_t)(10 + i), NULL),
				IBV_WC_SUCCESS);
		for (j = 0; j < 3; j++)
			ov_stats(&o[j]);
		print_deltas(o[i].name, o, b);
		for (j = 0; j < 3; j++) {
			if (j == i) {
				CU_ASSERT(D(o[j], b[j], fault_pages) >= 4);
			} else {
				CU_ASSERT_EQUAL(D(o[j], b[j], fault_pages), 0);
			}
		}
		CU_ASSERT_EQUAL(diff_range(0, LEN), 0);
		/* Every MR covering those pages reads them. */
		for (j = 0; j < 3; j++) {
			if (first[i] < o[j].first)
				continue;
			CU_ASSERT_EQUAL(ov_rdma(&o[j], IBV_WR_RDMA_READ,
						first[i] * SMALL, 4 * SMALL, 0,
						&wrong), IBV_WC_SUCCESS);
			CU_ASSERT_EQUAL(wrong, 0);
		}
	}
}

static void unmap_case(struct ov_mr *o, uint32_t policy)
{
	static const struct {
		size_t page;
		bool reaches[3];
	} holes[] = {
		{ 5, { true, false, true } },
		{ 20, { true, true, true } },
	};
	struct rodp_stats b[3];
	size_t h, wrong;
	int i;

	for (h = 0; h < 2; h++) {
		size_t page = holes[h].page;

		ov_all_stats(o, b);
		CU_ASSERT_EQUAL_FATAL(munmap(buf + page * SMALL, SMALL), 0);
		for (i = 0; i < 3; i++)
			ov_stats(&o[i]);
		print_deltas(page == 5 ? "munmap page 5" : "munmap page 20",
			     o, b);
		for (i = 0; i < 3; i++) {
			bool r = holes[h].reaches[i];

			CU_ASSERT_EQUAL(D(o[i], b[i], inval[RODP_INVAL_UNMAP]),
					r ? 1u : 0u);
			if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
				CU_ASSERT_EQUAL(D(o[i], b[i], shrunk),
						r ? 1u : 0u);
			} else {
				CU_ASSERT_EQUAL(D(o[i], b[i], shrunk), 0);
			}
			if (!r)
				continue;
			CU_ASSERT_EQUAL(ov_rdma(&o[i], IBV_WR_RDMA_WRITE,
						page * SMALL, SMALL, 30, NULL),
					IBV_WC_REM_ACCESS_ERR);
			CU_ASSERT_EQUAL(ov_rdma(&o[i], IBV_WR_RDMA_READ,
						page * SMALL, SMALL, 0, &wrong),
					IBV_WC_REM_ACCESS_ERR);
		}
		/*
		 * Live bytes: under event-aware each region that lost a page
		 * says so; stock keeps no live set (it only counts).
		 */
		for (i = 0; i < 3; i++) {
			size_t lost = (o[i].first <= 5 ? 1 : 0) + h;

			printf(" %s live %llu;", o[i].name,
			       (unsigned long long)o[i].st.live_bytes);
			if (policy == RODP_POLICY_MODE_EVENT_AWARE)
				CU_ASSERT_EQUAL(o[i].st.live_bytes,
						(o[i].n - lost) * SMALL);
		}
	}
	CU_ASSERT_EQUAL(diff_range(0, 5 * SMALL), 0);
	CU_ASSERT_EQUAL(diff_range(6 * SMALL, 14 * SMALL), 0);
	CU_ASSERT_EQUAL(diff_range(21 * SMALL, 11 * SMALL), 0);
}

#define FORK_OFF (23 * SMALL + 100)
#define FORK_LEN (3 * SMALL)

/* The fork child: B's write after the fork stays out of its copy. */
static size_t child_unchanged(void *arg)
{
	(void)arg;
	return diff_range(FORK_OFF, FORK_LEN);
}

static void fork_case(struct ov_mr *o, uint32_t policy)
{
	const size_t off = FORK_OFF, len = FORK_LEN;
	struct func_watch child;
	struct rodp_stats b[3];
	size_t wrong;
	int i;

	ov_all_stats(o, b);
	func_watch_fork(&child, child_unchanged, NULL);
	for (i = 0; i < 3; i++)
		ov_stats(&o[i]);
	print_deltas("fork", o, b);
	for (i = 0; i < 3; i++) {
		CU_ASSERT(D(o[i], b[i], inval[RODP_INVAL_PROTECTION_PAGE]) >= 1);
		if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
			CU_ASSERT(D(o[i], b[i], downgraded) >= 1);
		} else {
			CU_ASSERT_EQUAL(D(o[i], b[i], downgraded), 0);
		}
	}
	/* A and C read the pages first (mapped for them, pre-fork data). */
	CU_ASSERT_EQUAL(ov_rdma(&o[0], IBV_WR_RDMA_READ, off, len, 0, &wrong),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(ov_rdma(&o[2], IBV_WR_RDMA_READ, off, len, 0, &wrong),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	/* B's write breaks COW; A and C must follow to the new pages. */
	CU_ASSERT_EQUAL(ov_rdma(&o[1], IBV_WR_RDMA_WRITE, off, len, 31, NULL),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(diff_range(off, len), 0);
	CU_ASSERT_EQUAL(ov_rdma(&o[0], IBV_WR_RDMA_READ, off, len, 0, &wrong),
			IBV_WC_SUCCESS);
	printf("\n    after B's write: A reads %zu bytes wrong", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(ov_rdma(&o[2], IBV_WR_RDMA_READ, off, len, 0, &wrong),
			IBV_WC_SUCCESS);
	printf(", C %zu", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
}

static void overlap_case(uint32_t policy)
{
	struct ov_mr o[3] = {
		{ "A", &m.lb, NULL, NULL, NULL, 0, NPAGES, { 0 } },
		{ "B", &m.lb, NULL, NULL, NULL, 16, 16, { 0 } },
		{ "C", &lb2, NULL, NULL, NULL, 0, NPAGES, { 0 } },
	};
	int i;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	printf("\n    %s:", mk_policy_name(policy));
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	mk_fill(buf, 0, LEN, 1);
	memcpy(shadow, buf, LEN);
	for (i = 0; i < 3; i++) {
		o[i].loc = o[i].lb == &m.lb ? m.loc : loc2;
		o[i].loc_mr = o[i].lb == &m.lb ? m.loc_mr : loc2_mr;
		o[i].mr = rodp_reg_mr(o[i].lb->pd, buf + o[i].first * SMALL,
				      o[i].n * SMALL,
				      IBV_ACCESS_LOCAL_WRITE |
				      IBV_ACCESS_REMOTE_WRITE |
				      IBV_ACCESS_REMOTE_READ,
				      RODP_REG_ODP_REQUIRED);
		if (!o[i].mr)
			printf("\n    rodp_reg_mr %s: %s (%s)", o[i].name,
			       strerror(errno), rodp_last_error_msg());
		CU_ASSERT_PTR_NOT_NULL_FATAL(o[i].mr);
		ov_stats(&o[i]);
	}
	CU_ASSERT(o[0].st.region_id != o[1].st.region_id &&
		  o[1].st.region_id != o[2].st.region_id &&
		  o[0].st.region_id != o[2].st.region_id);

	/*
	 * Registration snapshots the pages already present into every MR's
	 * page list; drop them so that each MR's first write faults.
	 */
	CU_ASSERT_EQUAL_FATAL(madvise(buf, LEN, MADV_DONTNEED), 0);
	memset(shadow, 0, LEN);
	faults_case(o);
	unmap_case(o, policy);
	fork_case(o, policy);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(rodp_dereg_mr(o[i].mr), 0);
	munmap(buf, LEN);
}

static void test_overlap_stock(void)
{
	overlap_case(RODP_POLICY_MODE_STOCK);
}

static void test_overlap_event_aware(void)
{
	overlap_case(RODP_POLICY_MODE_EVENT_AWARE);
}

/* The second rxe device: on a dummy netdev of its own, GID up. */
static int dev2_up(void)
{
	const char *req = getenv("RODP_REQUIRE_DEVICE");
	int i;

	if (mk_sh("ip link add " NETDEV2 " type dummy && ip addr add 198.51.100.1/24 dev " NETDEV2 " && ip link set " NETDEV2 " up && rdma link add " DEV2 " type rxe netdev " NETDEV2)) {
		printf("overlap: FAIL: cannot add a second rxe device\n");
		return 1;
	}
	dev2_added = true;
	/* The IPv4 GID appears shortly after the link: retry quietly. */
	unsetenv("RODP_REQUIRE_DEVICE");
	for (i = 0; i < 50 && lb_open(&lb2, DEV2); i++)
		usleep(100000);
	if (req)
		setenv("RODP_REQUIRE_DEVICE", req, 1);
	if (i == 50) {
		printf("overlap: FAIL: no loopback pair on " DEV2 "\n");
		return 1;
	}
	loc2 = aligned_alloc(SMALL, LEN);
	loc2_mr = loc2 ? ibv_reg_mr(lb2.pd, loc2, LEN, IBV_ACCESS_LOCAL_WRITE) :
			 NULL;
	if (!loc2_mr) {
		printf("overlap: FAIL: pinned buffer on " DEV2 ": %s\n",
		       strerror(errno));
		return 1;
	}
	printf("overlap: second device " DEV2 " on " NETDEV2 "\n");
	return 0;
}

static void dev2_down(void)
{
	if (loc2_mr) {
		ibv_dereg_mr(loc2_mr);
		lb_close(&lb2);
	}
	free(loc2);
	if (dev2_added)
		mk_sh("rdma link delete " DEV2 "; ip link del " NETDEV2);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_overlap_stock),
		RODP_TEST(test_overlap_event_aware),
	};
	int ret = 1;

	mk_open(&m, "overlap", LEN);
	shadow = malloc(LEN);
	if (geteuid() != 0)
		printf("overlap: FAIL: needs root (adds a second rxe device)\n");
	else if (shadow && !dev2_up())
		ret = rodp_cunit_run("overlap", NULL, NULL, tests,
				     sizeof(tests) / sizeof(tests[0]));
	dev2_down();
	free(shadow);
	mk_close(&m);
	return ret;
}
