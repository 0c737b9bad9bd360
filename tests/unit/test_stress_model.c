// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The stress's oracle (tests/func/stress_model.c) on hand-made steps: it
 * must explain what the kernel allows after a race and reject what no
 * order of the step's atomic actions explains (a packet half applied, a
 * later packet kept while an earlier one was zapped, a device write seen
 * by the fork child after an earlier one was not, a write into an
 * unmapped range, a device-written page without soft-dirty after
 * clear_refs, an untouched page that turns soft-dirty, a completion other
 * than the remote access error when a gap covered the whole flight), and
 * its data patterns must have no period.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "../cunit_run.h"
#include "../func/stress.h"

#define PG 4096
#define MTU 1024
#define LEN (ST_PAGES * PG)

static uint8_t before[LEN], after[LEN], child[LEN];
static uint8_t src[ST_OP_MAX], loc[ST_OP_MAX], loc_before[ST_OP_MAX];
static bool sd[ST_PAGES], sd_before[ST_PAGES];
static bool vma_sd;
static struct st_child_report report;

/* The op is in flight from t=10 to t=20. */
#define T_POST 10.0
#define T_DONE 20.0

static void reset(void)
{
	size_t i;

	for (i = 0; i < LEN; i++)
		before[i] = (uint8_t)(i * 7 + (i >> 12) + 1) | 1; /* no zeros */
	memcpy(after, before, LEN);
	memcpy(child, before, LEN);
	for (i = 0; i < ST_OP_MAX; i++)
		src[i] = (uint8_t)(0x80 | (i * 3));
	memset(loc, 0xee, sizeof(loc));
	memset(loc_before, 0xee, sizeof(loc_before));
	/*
	 * Soft-dirty: every page dirty before and after, and the VMA flag
	 * may be set, so only a page that must read dirty and does not
	 * fails; the soft-dirty tests below set these themselves.
	 */
	for (i = 0; i < ST_PAGES; i++)
		sd[i] = sd_before[i] = true;
	vma_sd = true;
	memset(&report, 0, sizeof(report));
	for (i = 0; i < ST_PAGES; i++)
		report.present[i] = true;
	report.finished = true;
}

static struct st_step step(enum st_op op, size_t off, size_t len,
			   enum st_status status)
{
	struct st_step s;

	memset(&s, 0, sizeof(s));
	s.op = op;
	s.off = off;
	s.len = len;
	s.status = status;
	s.t_post = T_POST;
	s.t_done = T_DONE;
	return s;
}

/* An event whose halves take effect at times a and b (b ignored if single). */
static void event(struct st_step *s, enum st_ev kind, size_t first,
		  size_t npages, double a, double b)
{
	struct st_event *e = &s->ev[s->nev++];

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->first = first;
	e->npages = npages;
	e->done = true;
	e->t[0][0] = e->t[0][1] = a;
	e->t[1][0] = e->t[1][1] = b;
}

static bool check(const struct st_step *s, bool fork)
{
	struct st_obs o = {
		.page = PG, .chunk = MTU, .before = before, .after = after,
		.src = src, .loc = loc, .loc_before = loc_before,
		.child = fork ? child : NULL, .report = fork ? &report : NULL,
		.soft_dirty = sd, .sd_before = sd_before, .vma_sd_before = vma_sd,
	};

	return st_model_check(s, &o);
}

/* The device's data for region bytes [off, +len) of an op at op_off. */
static void put_src(uint8_t *mem, size_t op_off, size_t off, size_t len)
{
	memcpy(mem + off, src + (off - op_off), len);
}

static void test_plain_write(void)
{
	struct st_step s = step(OP_WRITE, 2 * PG + 100, 5000, ST_OK);

	reset();
	put_src(after, s.off, s.off, s.len);
	CU_ASSERT_TRUE(check(&s, false));
	after[s.off + 4000] ^= 1;		/* one byte wrong */
	CU_ASSERT_FALSE(check(&s, false));
	after[s.off + 4000] ^= 1;
	after[40 * PG] ^= 1;			/* a page nobody touched */
	CU_ASSERT_FALSE(check(&s, false));
	after[40 * PG] ^= 1;
	/* Half a packet is never left behind. */
	memcpy(after + s.off + 1024 + 512, before + s.off + 1024 + 512, 512);
	CU_ASSERT_FALSE(check(&s, false));
}

static void test_dontneed_orders(void)
{
	size_t off = 3 * PG;
	struct st_step s = step(OP_WRITE, off, 3000, ST_OK);

	event(&s, EV_DONTNEED, 3, 1, 15, 0);	/* during the op */
	/* Packets 0-1 before the zap (lost), packet 2 after it (kept). */
	reset();
	memset(after + off, 0, PG);
	put_src(after, off, off + 2048, 3000 - 2048);
	CU_ASSERT_TRUE(check(&s, false));
	/* All before, or all after. */
	memset(after + off, 0, PG);
	CU_ASSERT_TRUE(check(&s, false));
	put_src(after, off, off, 3000);
	CU_ASSERT_TRUE(check(&s, false));
	/* The zap clears the whole page, not only the written part. */
	memcpy(after + off + 3000, before + off + 3000, PG - 3000);
	CU_ASSERT_FALSE(check(&s, false));
	/* Packet 1 zapped but packet 0 kept: no order does that. */
	memset(after + off, 0, PG);
	put_src(after, off, off, 1024);
	put_src(after, off, off + 2048, 3000 - 2048);
	CU_ASSERT_FALSE(check(&s, false));
	/* A zap that ended before the op was posted cannot lose its data. */
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 5;
	memset(after + off, 0, PG);
	CU_ASSERT_FALSE(check(&s, false));
	put_src(after, off, off, 3000);
	CU_ASSERT_TRUE(check(&s, false));
}

static void test_fork_isolation(void)
{
	size_t off = 5 * PG;
	struct st_step s = step(OP_WRITE, off, PG, ST_OK);

	event(&s, EV_FORK, 0, ST_PAGES, 15, 0);
	reset();
	put_src(after, off, off, PG);
	/* The child saw packet 0 only: fork between packets 0 and 1. */
	put_src(child, off, off, 1024);
	CU_ASSERT_TRUE(check(&s, true));
	/* Packet 1 but not packet 0: a later device write leaked in. */
	memcpy(child + off, before + off, PG);
	put_src(child, off, off + 1024, 1024);
	CU_ASSERT_FALSE(check(&s, true));
	/* A fork over before the post: the child must hold the old data. */
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 5;
	memcpy(child + off, before + off, PG);
	CU_ASSERT_TRUE(check(&s, true));
	put_src(child, off, off, 1024);
	CU_ASSERT_FALSE(check(&s, true));
	/* The child's own writes must not show in the parent. */
	memcpy(child + off, before + off, PG);
	after[9 * PG] ^= 0x55;
	CU_ASSERT_FALSE(check(&s, true));
}

/* Soft-dirty as a tracker sees it: nothing dirty, no VMA flag. */
static void all_clean(void)
{
	memset(sd, 0, sizeof(sd));
	memset(sd_before, 0, sizeof(sd_before));
	vma_sd = false;
}

static void test_soft_dirty(void)
{
	size_t off = 7 * PG + 8;
	struct st_step s = step(OP_WRITE, off, 100, ST_OK);

	event(&s, EV_CLEAR_REFS, 0, ST_PAGES, 5, 0);	/* before the post */
	reset();
	for (size_t i = 0; i < ST_PAGES; i++)
		sd[i] = false;		/* dirty before, all cleared */
	vma_sd = false;
	put_src(after, off, off, 100);
	CU_ASSERT_FALSE(check(&s, false));	/* written after, not dirty */
	sd[7] = true;
	CU_ASSERT_TRUE(check(&s, false));
	/* An untouched page the clear_refs cleaned reads dirty. */
	sd[20] = true;
	CU_ASSERT_FALSE(check(&s, false));
	/* ... even if the VMA flag was set before: clear_refs cleared it. */
	vma_sd = true;
	CU_ASSERT_FALSE(check(&s, false));
	sd[20] = false;
	vma_sd = false;
	/* clear_refs during the op: it may have come after the write. */
	sd[7] = false;
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 15;
	CU_ASSERT_TRUE(check(&s, false));
}

/*
 * The clear_refs was steps ago: a page the device writes now must read
 * dirty (the rodp build whose SOFT_DIRTY action skips leaves the device
 * its write permission, so the write does not fault and this is what it
 * shows); an untouched page keeps its bit either way.
 */
static void test_soft_dirty_across_steps(void)
{
	size_t off = 7 * PG + 8;
	struct st_step s = step(OP_WRITE, off, 100, ST_OK);

	reset();
	all_clean();
	put_src(after, off, off, 100);
	CU_ASSERT_FALSE(check(&s, false));
	sd[7] = true;
	CU_ASSERT_TRUE(check(&s, false));
	/* Clean untouched page turns dirty: only the VMA flag explains it. */
	sd[30] = true;
	CU_ASSERT_FALSE(check(&s, false));
	vma_sd = true;
	CU_ASSERT_TRUE(check(&s, false));
	vma_sd = false;
	sd[30] = false;
	/* Dirty untouched page turns clean with no clear_refs: never. */
	sd_before[31] = true;
	CU_ASSERT_FALSE(check(&s, false));
	sd[31] = true;
	CU_ASSERT_TRUE(check(&s, false));
	/* A READ dirties nothing. */
	s = step(OP_READ, off, 100, ST_OK);
	reset();
	all_clean();
	memcpy(loc, before + off, 100);
	CU_ASSERT_TRUE(check(&s, false));
	sd[7] = true;
	CU_ASSERT_FALSE(check(&s, false));
}

/* The reasons the kernel sets or clears it besides writes (model, E). */
static void test_soft_dirty_reasons(void)
{
	size_t off = 3 * PG;
	struct st_step s = step(OP_WRITE, off, 100, ST_OK);

	/* Written, then zapped after the completion: no PTE, clean. */
	event(&s, EV_DONTNEED, 3, 1, 25, 0);
	reset();
	all_clean();
	memset(after + off, 0, PG);
	CU_ASSERT_TRUE(check(&s, false));
	sd[3] = true;
	CU_ASSERT_FALSE(check(&s, false));

	/* mprotect keeps the bit: a clean page stays clean. */
	s = step(OP_READ, 12 * PG, 100, ST_OK);
	event(&s, EV_MPROTECT, 12, 1, 5, 25);
	reset();
	all_clean();
	memcpy(loc, before + 12 * PG, 100);
	CU_ASSERT_TRUE(check(&s, false));
	sd[12] = true;
	CU_ASSERT_FALSE(check(&s, false));

	/* mremap marks the PTEs it moves soft-dirty: may. */
	s = step(OP_READ, 12 * PG, 100, ST_OK);
	event(&s, EV_MREMAP, 12, 1, 25, 30);
	CU_ASSERT_TRUE(check(&s, false));
	sd[13] = true;				/* but not beside it */
	CU_ASSERT_FALSE(check(&s, false));

	/* munmap + mmap: the new VMA is soft-dirty, and so may be all. */
	s = step(OP_READ, 20 * PG, 100, ST_OK);
	event(&s, EV_REMAP, 9, 1, 25, 30);
	reset();
	all_clean();
	memcpy(loc, before + 20 * PG, 100);
	memset(after + 9 * PG, 0, PG);
	CU_ASSERT_FALSE(check(&s, false));	/* page 9 must read dirty */
	sd[9] = true;
	CU_ASSERT_TRUE(check(&s, false));
	sd[40] = true;				/* merged into a dirty VMA */
	CU_ASSERT_TRUE(check(&s, false));
	CU_ASSERT_TRUE(st_vma_soft_dirty_after(&s, false));
	/* A clear_refs that surely came after the mmap cleans the VMA. */
	event(&s, EV_CLEAR_REFS, 0, ST_PAGES, 40, 0);
	CU_ASSERT_FALSE(st_vma_soft_dirty_after(&s, true));
	s.ev[1].t[0][0] = 29;			/* overlapping: may */
	CU_ASSERT_TRUE(st_vma_soft_dirty_after(&s, false));
	s.nev = 0;
	CU_ASSERT_FALSE(st_vma_soft_dirty_after(&s, false));
	CU_ASSERT_TRUE(st_vma_soft_dirty_after(&s, true));

	/*
	 * A chunk that failed on a read-only page may have write-faulted
	 * the page before it (dirty, no data), not the read-only one.
	 */
	off = 10 * PG - 512;
	s = step(OP_WRITE, off, 1024, ST_MEMERR);
	event(&s, EV_MPROTECT, 10, 1, 5, 25);
	reset();
	all_clean();
	CU_ASSERT_TRUE(check(&s, false));
	sd[9] = true;
	CU_ASSERT_TRUE(check(&s, false));
	sd[10] = true;
	CU_ASSERT_FALSE(check(&s, false));
	/*
	 * ... unless the page was writable during the flight: the fault
	 * succeeded, mprotect's invalidation made the driver retry, and
	 * the retry failed (seed 1949151112, step 918).
	 */
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 12;
	CU_ASSERT_TRUE(check(&s, false));
	sd[11] = true;				/* not beside it */
	CU_ASSERT_FALSE(check(&s, false));

	/* An operation that did not complete: its pages may be dirty. */
	s = step(OP_WRITE, 5 * PG, 100, ST_OTHER);
	reset();
	all_clean();
	CU_ASSERT_TRUE(check(&s, false));
	sd[5] = true;
	CU_ASSERT_TRUE(check(&s, false));
	sd[6] = true;
	CU_ASSERT_FALSE(check(&s, false));
}

/* Which completions an operation may end with. */
static void test_status_rule(void)
{
	struct st_step s = step(OP_WRITE, 9 * PG + 100, 100, ST_MEMERR);

	/* A gap over the whole flight: the op must fail. */
	event(&s, EV_REMAP, 9, 1, 5, 25);
	CU_ASSERT_TRUE(st_step_must_fail(&s, PG));
	/* The first half during the flight: it may have gone first. */
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 12;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
	/* ... or the second half. */
	s.ev[0].t[0][0] = s.ev[0].t[0][1] = 5;
	s.ev[0].t[1][0] = s.ev[0].t[1][1] = 18;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
	/* Another page. */
	s.ev[0].t[1][0] = s.ev[0].t[1][1] = 25;
	s.ev[0].first = 11;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
	/* An event that did not happen. */
	s.ev[0].first = 9;
	s.ev[0].done = false;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
	s.ev[0].done = true;
	/* Read-only: writes and atomics fail, reads do not. */
	s.ev[0].kind = EV_MPROTECT;
	CU_ASSERT_TRUE(st_step_must_fail(&s, PG));
	s.op = OP_FADD;
	CU_ASSERT_TRUE(st_step_must_fail(&s, PG));
	s.op = OP_READ;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
	s.op = OP_WRITE;
	s.ev[0].kind = EV_MREMAP;
	CU_ASSERT_TRUE(st_step_must_fail(&s, PG));
	/* A zap never makes an access fail. */
	s.ev[0].kind = EV_DONTNEED;
	CU_ASSERT_FALSE(st_step_must_fail(&s, PG));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every 8-byte window of a region's pattern, two generations, distinct. */
static void test_pattern_unique(void)
{
	static uint64_t win[2 * LEN];
	static uint8_t buf[2][LEN];
	uint64_t key = 0x1234567887654321ULL;
	size_t i, n = 0;
	int g;

	for (g = 0; g < 2; g++) {
		st_pattern_fill(buf[g], LEN, key, STREAM_REGION, 7 + g, 0);
		for (i = 0; i + 8 <= LEN; i++)
			memcpy(&win[n++], buf[g] + i, 8);
	}
	qsort(win, n, sizeof(win[0]), cmp_u64);
	for (i = 1; i < n; i++)
		if (win[i] == win[i - 1])
			break;
	CU_ASSERT_EQUAL(i, n);
	/* No period of 256 (or any in-page shift) in a page's bytes. */
	for (i = 0; i < PG; i += 256)
		CU_ASSERT_NOT_EQUAL(memcmp(buf[0], buf[0] + i + 256, 256), 0);
	/* Another stream of the same generation differs too. */
	st_pattern_fill(buf[1], LEN, key, STREAM_SRC, 7, 0);
	CU_ASSERT_NOT_EQUAL(memcmp(buf[0], buf[1], 8), 0);
	/* A fill at an offset continues the same pattern. */
	st_pattern_fill(buf[1], 100, key, STREAM_REGION, 7, 4099);
	CU_ASSERT_EQUAL(memcmp(buf[1], buf[0] + 4099, 100), 0);
}

/* A packet that lands at the wrong in-page offset is seen. */
static void test_misplaced_packet(void)
{
	size_t off = 6 * PG + 1024;
	struct st_step s = step(OP_WRITE, off, 1024, ST_OK);

	reset();
	st_pattern_fill(before, LEN, 99, STREAM_REGION, 1, 0);
	memcpy(after, before, LEN);
	st_pattern_fill(src, 1024, 99, STREAM_SRC, 2, off);
	put_src(after, off, off, 1024);
	CU_ASSERT_TRUE(check(&s, false));
	/* The same data 256 bytes further on (the old pattern's period). */
	memcpy(after, before, LEN);
	memcpy(after + off + 256, src, 1024);
	CU_ASSERT_FALSE(check(&s, false));
	/* At offset 0 of the page, as stock rxe puts it. */
	memcpy(after, before, LEN);
	memcpy(after + 6 * PG, src, 1024);
	CU_ASSERT_FALSE(check(&s, false));
}

static void test_unmapped_gap(void)
{
	size_t off = 9 * PG;
	struct st_step s = step(OP_WRITE, off, 2 * PG, ST_OK);

	/* munmap before the post, remap after the completion. */
	event(&s, EV_REMAP, 9, 1, 5, 25);
	reset();
	memset(after + off, 0, PG);
	put_src(after, off, off + PG, PG);
	CU_ASSERT_FALSE(check(&s, false));	/* it cannot have succeeded */
	s.status = ST_MEMERR;
	CU_ASSERT_FALSE(check(&s, false));	/* nothing after the failure */
	memcpy(after + off + PG, before + off + PG, PG);
	CU_ASSERT_TRUE(check(&s, false));	/* page 9 zero, page 10 intact */
	put_src(after, off, off, 1024);		/* written into the hole */
	CU_ASSERT_FALSE(check(&s, false));
}

static void test_mremap_and_mprotect_keep_data(void)
{
	size_t off = 12 * PG;
	struct st_step s = step(OP_WRITE, off, PG, ST_OK);

	event(&s, EV_MREMAP, 12, 2, 12, 18);
	reset();
	put_src(after, off, off, PG);
	CU_ASSERT_TRUE(check(&s, false));
	memset(after + off, 0, PG);		/* moving loses nothing */
	CU_ASSERT_FALSE(check(&s, false));

	/* Read-only for the whole op: a write must fail, a read must not. */
	s = step(OP_WRITE, off, PG, ST_OK);
	event(&s, EV_MPROTECT, 12, 1, 5, 25);
	reset();
	put_src(after, off, off, PG);
	CU_ASSERT_FALSE(check(&s, false));
	s.status = ST_MEMERR;
	memcpy(after + off, before + off, PG);
	CU_ASSERT_TRUE(check(&s, false));
	s = step(OP_READ, off, 100, ST_MEMERR);
	event(&s, EV_MPROTECT, 12, 1, 5, 25);
	CU_ASSERT_FALSE(check(&s, false));
}

static void test_read_into_local(void)
{
	size_t off = 3 * PG;
	struct st_step s = step(OP_READ, off, 2048, ST_OK);

	event(&s, EV_DONTNEED, 3, 1, 15, 0);
	reset();
	memset(after + off, 0, PG);
	memcpy(loc, before + off, 1024);	/* packet 0 before the zap */
	memset(loc + 1024, 0, 1024);		/* packet 1 after it */
	CU_ASSERT_TRUE(check(&s, false));
	memset(loc, 0, 1024);
	memcpy(loc + 1024, before + off + 1024, 1024);
	CU_ASSERT_FALSE(check(&s, false));	/* the reverse: impossible */
	/* A failed read brings nothing back. */
	s = step(OP_READ, off, 2048, ST_MEMERR);
	event(&s, EV_REMAP, 3, 1, 5, 25);
	memset(loc, 0xee, 2048);
	CU_ASSERT_TRUE(check(&s, false));
	memset(loc, 0, 1024);
	CU_ASSERT_FALSE(check(&s, false));
}

static void test_atomic(void)
{
	size_t off = 4 * PG + 16;
	struct st_step s = step(OP_FADD, off, 8, ST_OK);
	uint64_t old, v;

	s.add = 5;
	reset();
	memcpy(&old, before + off, 8);
	v = old + 5;
	memcpy(after + off, &v, 8);
	memcpy(loc, &old, 8);
	CU_ASSERT_TRUE(check(&s, false));
	/* From zero, with no event that could have zeroed the page. */
	v = 5;
	memcpy(after + off, &v, 8);
	memset(loc, 0, 8);
	CU_ASSERT_FALSE(check(&s, false));
	/* With a DONTNEED racing, it may have found the zero page. */
	event(&s, EV_DONTNEED, 4, 1, 15, 0);
	memset(after + 4 * PG, 0, PG);
	memcpy(after + off, &v, 8);
	CU_ASSERT_TRUE(check(&s, false));
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_plain_write),
		RODP_TEST(test_dontneed_orders),
		RODP_TEST(test_fork_isolation),
		RODP_TEST(test_soft_dirty),
		RODP_TEST(test_soft_dirty_across_steps),
		RODP_TEST(test_soft_dirty_reasons),
		RODP_TEST(test_status_rule),
		RODP_TEST(test_pattern_unique),
		RODP_TEST(test_misplaced_packet),
		RODP_TEST(test_unmapped_gap),
		RODP_TEST(test_mremap_and_mprotect_keep_data),
		RODP_TEST(test_read_into_local),
		RODP_TEST(test_atomic),
	};

	return rodp_cunit_run("stress_model", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
