// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * stress_odp: randomised interleavings of RDMA traffic from a peer QP
 * (the loopback pair of func_util) into an ODP region with memory events
 * on the target process, under rodp.ko's stock and event-aware policies.
 *
 * Each step: one RDMA WRITE, READ, FETCH_ADD or CMP_SWAP at a random,
 * often unaligned, page-spanning place of a 64-page ODP region, racing
 * with 0-2 memory events from two worker threads (stress_events.c): fork
 * (the child checks and writes its copy), clear_refs 4, mprotect RO then
 * RW, MADV_DONTNEED, munmap + remap, mremap away and back. After the step:
 *   - every byte of the region, the local buffer (READ, atomics) and the
 *     fork child's copy, and the soft-dirty bit of every page, must be
 *     explained by some order of the step's atomic actions (the oracle,
 *     stress_model.c, says which orders the kernel allows and why);
 *   - the child saw nothing but its own writes change its copy;
 *   - rodp.ko's counters moved as the events require (check_stats());
 *   - the region's live ranges are what the munmaps left, and what the
 *     device faulted in again since (check_region()).
 *
 *   - the operation completed with success or with the remote access
 *     error the oracle explains; one that must fail (a gap covered its
 *     whole flight) completed with IBV_WC_REM_ACCESS_ERR and nothing
 *     else; a timeout is a violation; any other ending (a failed post, a
 *     transport error) is counted by cause, and more than 1 % of the
 *     steps ending that way fails the run.
 * Every data pattern (the region, the data sent, the local buffer, the
 * fork child's writes) is unique per 8-byte word and generation
 * (st_pattern_fill()), so a packet that lands at a wrong offset is seen.
 *
 * Usage: stress_odp [-s SEED] [-n STEPS] [-p stock|event-aware|both]
 *                   [-o write,read,fetch_add,cmp_swap] [-v] [-X] [-N]
 * -n is per policy (default 1000, or $RODP_STRESS_STEPS). -N runs the
 * steps while the kernel's automatic NUMA balancing churns the process
 * (stress_numa.c: a two-node guest, tests/vm/run --numa; exit 77 with the
 * reason elsewhere, 99 if the balancer marked no PTE). -X is the
 * negative control: every step, after its real checks, it corrupts a copy
 * of one observation in one of the classes the checks claim to catch
 * (enum inj_class) and checks the copy; it prints injected and caught per
 * class, then "stress-control: N injected, M caught", and exits 1 when
 * every class was injected, every injection caught and nothing real was
 * wrong, 99 otherwise. Exit: 0 no violation, 1 violations, 77 no RDMA
 * device with ODP, 99 the run could not go on (set-up, a mapping that
 * could not be restored).
 */
#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "func_util.h"
#include "stress.h"

#define EXIT_SKIP 77
#define EXIT_HARD 99
#define REGION_STEPS 250	/* a fresh region (umem) this often */
#define OP_TIMEOUT_S 20		/* no completion by then: a violation */
#define NONCOMP_PERCENT 1	/* more steps than this not completed fails */
/* Causes of a step that did not complete: every ibv_wc_status, then ours. */
#define CAUSE_WC_MAX 32
#define CAUSE_POST_FAILED CAUSE_WC_MAX
#define CAUSE_POLL_FAILED (CAUSE_WC_MAX + 1)
#define CAUSE_TIMEOUT (CAUSE_WC_MAX + 2)
#define CAUSE_COUNT (CAUSE_WC_MAX + 3)

/*
 * The negative control's classes: each corrupts a copy of one observation
 * so that no order of the step's actions explains it (the value injected
 * differs from every value the oracle could accept there).
 */
enum inj_class {
	INJ_OP_PAGE,		/* a region byte in a page the operation touched */
	INJ_EVENT_PAGE,		/* ... in a page a per-page event of the step hit */
	INJ_QUIET_PAGE,		/* ... in a page nothing in the step touched */
	INJ_SD_SET,		/* soft-dirty on a page that must read clean */
	INJ_SD_CLEAR,		/* no soft-dirty on a page that must read dirty */
	INJ_LOCAL,		/* a byte of the local buffer (READ, atomics) */
	INJ_CHILD_LEAK,		/* the device's write shows in the fork child */
	INJ_COUNTER,		/* one of rodp's counters */
	INJ_COUNT
};

static const char *const inj_names[INJ_COUNT] = {
	"op-page-byte", "event-page-byte", "quiet-page-byte",
	"soft-dirty-set", "soft-dirty-clear", "local-buffer-byte",
	"fork-child-leak", "counter",
};

static unsigned long long seed;
static uint64_t key;		/* of the data patterns, from the seed */
static bool verbose, inject;
static bool numa;		/* -N */
static bool silent;		/* checking an injected copy: no messages */
static unsigned int op_mask = (1u << OP_COUNT) - 1;	/* -o */

struct run {
	struct lb lb;
	struct rodp_ctx *rodp;
	struct st_workers *w;
	size_t page, len, chunk;
	uint8_t *region;
	struct ibv_mr *mr;
	uint8_t *loc;
	struct ibv_mr *loc_mr;
	uint8_t *before, *loc_before, *child_copy;
	uint8_t *inj_region, *inj_child, *inj_loc;	/* the control's copies */
	struct st_child_report *report;
	bool gone[ST_PAGES];	/* munmapped or moved since registration */
	bool sd_prev[ST_PAGES];	/* soft-dirty at the end of the last step */
	bool vma_sd;		/* the region's VMA may carry VM_SOFTDIRTY */
	uint64_t gen;		/* data pattern generations handed out */
	size_t prev_off;	/* the last operation's offset */
	uint64_t rng;
	const char *policy_name;
	enum rodp_policy_mode policy;
	/* counts */
	unsigned long steps, violations, ops[OP_COUNT], status[3];
	unsigned long events[EV_COUNT], did_nothing, enclosing, raced;
	unsigned long regions, must_fail;
	unsigned long viol_steps[OP_COUNT];	/* steps with a violation, by op */
	unsigned long noncomp[CAUSE_COUNT];	/* steps not completed, by cause */
	unsigned long inj[INJ_COUNT], caught[INJ_COUNT];
	unsigned long inj_skipped;	/* steps with a real violation */
};

/* ---- randomness (xorshift64*, one stream per policy run) ------------- */

static uint64_t rnd(struct run *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 0x2545F4914F6CDD1DULL;
}

static size_t rnd_below(struct run *r, size_t n)
{
	return n ? (size_t)(rnd(r) % n) : 0;
}


/* ---- the region ------------------------------------------------------- */

/*
 * The region sits between two PROT_NONE guard pages, so no other mapping
 * of the process can ever be placed next to it and merge with its VMA: a
 * new mapping that merges makes the whole merged VMA soft-dirty
 * (mm/vma.c, VM_SOFTDIRTY is sticky), which the oracle could not explain.
 */
static int region_register(struct run *r)
{
	uint8_t *area = mmap(NULL, r->len + 2 * r->page, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (area == MAP_FAILED) {
		perror("stress: mmap guarded area");
		return -1;
	}
	r->region = mmap(area + r->page, r->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r->region == MAP_FAILED) {
		perror("stress: mmap region");
		munmap(area, r->len + 2 * r->page);
		r->region = NULL;
		return -1;
	}
	st_pattern_fill(r->region, r->len, key, STREAM_REGION, r->gen++, 0);
	r->mr = ibv_reg_mr(r->lb.pd, r->region, r->len,
			   IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE |
			   IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			   IBV_ACCESS_REMOTE_ATOMIC);
	if (!r->mr) {
		perror("stress: ODP registration");
		return -1;
	}
	memset(r->gone, 0, sizeof(r->gone));
	st_workers_set_base(r->w, r->region);
	r->regions++;
	/* A new VMA has VM_SOFTDIRTY; the fill dirtied every PTE too. */
	r->vma_sd = true;
	if (func_soft_dirty_bits(r->region, ST_PAGES, r->sd_prev)) {
		perror("stress: pagemap");
		return -1;
	}
	return 0;
}

static void region_release(struct run *r)
{
	if (r->mr)
		ibv_dereg_mr(r->mr);
	if (r->region)
		munmap(r->region - r->page, r->len + 2 * r->page);
	r->mr = NULL;
	r->region = NULL;
}

/* ---- one step: what it does ------------------------------------------- */

static size_t op_max_len(const struct run *r)
{
	size_t max = 12 * r->chunk;	/* the oracle's limit on chunks */

	return max < ST_OP_MAX ? max : ST_OP_MAX;
}

/*
 * An offset for len bytes: half of the time within a page of the last
 * operation's, as programs reuse their buffers. That is what a lost
 * soft-dirty needs in order to show: a page the device wrote before the
 * last clear_refs, written again before a fork or a zap takes the
 * device's write permission away.
 */
static size_t gen_off(struct run *r, size_t len)
{
	size_t lo, hi;

	if (rnd_below(r, 2))
		return rnd_below(r, r->len - len + 1);
	lo = r->prev_off > r->page ? r->prev_off - r->page : 0;
	hi = r->prev_off + r->page;
	if (hi > r->len - len)
		hi = r->len - len;
	if (lo > hi)
		lo = hi;
	return lo + rnd_below(r, hi - lo + 1);
}

static void gen_op(struct run *r, struct st_step *s)
{
	size_t x = rnd_below(r, 100), max = op_max_len(r);

	s->op = x < 40 ? OP_WRITE : x < 70 ? OP_READ :
		x < 85 ? OP_FADD : OP_CSWAP;
	while (!(op_mask & (1u << s->op)))	/* -o: the next one allowed */
		s->op = (enum st_op)((s->op + 1) % OP_COUNT);
	if (s->op == OP_FADD || s->op == OP_CSWAP) {
		uint64_t cur;

		s->len = 8;
		s->off = gen_off(r, 8) / 8 * 8;
		r->prev_off = s->off;
		memcpy(&cur, r->region + s->off, 8);
		s->add = rnd(r);
		x = rnd_below(r, 4);
		/* Often the value it will find (or would find if zapped). */
		s->compare = x < 2 ? cur : x == 2 ? 0 : rnd(r);
		s->swap = rnd(r);
		return;
	}
	switch (rnd_below(r, 3)) {
	case 0:
		s->len = 1 + rnd_below(r, 64);
		break;
	case 1:
		s->len = 1 + rnd_below(r, r->page);
		break;
	default:
		s->len = 1 + rnd_below(r, max);
		break;
	}
	x = rnd_below(r, 10);
	s->off = gen_off(r, s->len);
	if (x < 3)
		s->off -= s->off % r->page;
	else if (x < 5)
		s->off -= s->off % 8;
	r->prev_off = s->off;
}

static enum st_ev gen_kind(struct run *r, const struct st_step *s)
{
	for (;;) {
		enum st_ev k = (enum st_ev)rnd_below(r, EV_COUNT);
		int i;
		bool ok = true;

		/* Distinct kinds; at most one with a gap (see stress_model.c). */
		for (i = 0; i < s->nev; i++)
			if (s->ev[i].kind == k ||
			    (st_ev_structural(k) && st_ev_structural(s->ev[i].kind)))
				ok = false;
		if (ok)
			return k;
	}
}

static void gen_events(struct run *r, struct st_step *s)
{
	size_t x = rnd_below(r, 100);
	size_t op_first = s->off / r->page;
	size_t op_pages = (s->off + s->len - 1) / r->page - op_first + 1;
	int n = x < 10 ? 0 : x < 55 ? 1 : 2, i;

	s->nev = 0;
	for (i = 0; i < n; i++) {
		struct st_event *e = &s->ev[s->nev];
		size_t lo;

		memset(e, 0, sizeof(*e));
		e->kind = gen_kind(r, s);
		s->nev++;
		e->npages = 1 + rnd_below(r, ST_EV_PAGES);
		/* Mostly overlapping the operation, sometimes beside it. */
		lo = op_first >= 2 ? op_first - 2 : 0;
		e->first = lo + rnd_below(r, op_first - lo + op_pages + 2);
		if (e->first + e->npages > ST_PAGES)
			e->first = ST_PAGES - e->npages;
		if (e->kind == EV_FORK || e->kind == EV_CLEAR_REFS) {
			e->first = 0;
			e->npages = ST_PAGES;
		}
		e->delay_us = rnd_below(r, 10) < 3 ? 0 :
			      (unsigned int)rnd_below(r, 2000);
		e->gap_us = (unsigned int)rnd_below(r, 1000);
		e->enclose = st_ev_structural(e->kind) && rnd_below(r, 5) == 0;
		if (e->enclose)
			e->delay_us = 0;
	}
	s->post_delay_us = rnd_below(r, 10) < 3 ? 0 :
			   (unsigned int)rnd_below(r, 1500);
}

/*
 * The negative control needs steps where a fork surely precedes a device
 * write (to inject a write that leaks into the child): every fourth step
 * under -X gets a writing operation, an immediate fork and a post that
 * waits for the fork to return. (A fixed 3-ms delay was not enough under
 * the KASAN kernel of make check-debug, where fork takes longer: 140
 * steps there gave the fork-child-leak class no injection at all.)
 */
static void steer_fork_first(struct st_step *s)
{
	struct st_event *e;
	int i;

	if (s->op == OP_READ)
		s->op = OP_WRITE;	/* same range: a valid WRITE too */
	for (i = 0; i < s->nev; i++)
		if (s->ev[i].kind == EV_FORK)
			break;
	if (i == s->nev) {
		i = s->nev < ST_EV_MAX ? s->nev++ : ST_EV_MAX - 1;
		memset(&s->ev[i], 0, sizeof(s->ev[i]));
	}
	e = &s->ev[i];
	e->kind = EV_FORK;
	e->first = 0;
	e->npages = ST_PAGES;
	e->delay_us = 0;
	e->enclose = false;
	s->post_delay_us = 0;
	s->post_after_fork = true;
}

/* A steered step's post waits for its fork (at most 60 s; a fork that
 * failed ends the wait too, and the step then offers no injection). */
static void wait_for_fork(const struct st_step *s)
{
	double deadline = st_now() + 60;
	int i;

	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];

		if (e->kind != EV_FORK)
			continue;
		while (!__atomic_load_n(&e->done, __ATOMIC_ACQUIRE) &&
		       !__atomic_load_n(&e->err, __ATOMIC_ACQUIRE) &&
		       st_now() < deadline)
			usleep(200);
	}
}

/* ---- one step: the RDMA operation (runs against the workers) ---------- */

static void run_op(struct st_step *s, void *arg)
{
	struct run *r = arg;
	struct ibv_sge sge = {
		.addr = (uintptr_t)r->loc, .length = (uint32_t)s->len,
		.lkey = r->loc_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = s->no, .sg_list = &sge, .num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	uint64_t raddr = (uintptr_t)r->region + s->off;
	struct ibv_wc wc;
	double deadline;
	int n;

	switch (s->op) {
	case OP_WRITE:
	case OP_READ:
		wr.opcode = s->op == OP_WRITE ? IBV_WR_RDMA_WRITE :
						IBV_WR_RDMA_READ;
		wr.wr.rdma.remote_addr = raddr;
		wr.wr.rdma.rkey = r->mr->rkey;
		break;
	default:
		wr.opcode = s->op == OP_FADD ? IBV_WR_ATOMIC_FETCH_AND_ADD :
					       IBV_WR_ATOMIC_CMP_AND_SWP;
		wr.wr.atomic.remote_addr = raddr;
		wr.wr.atomic.rkey = r->mr->rkey;
		wr.wr.atomic.compare_add = s->op == OP_FADD ? s->add :
							      s->compare;
		wr.wr.atomic.swap = s->swap;
		break;
	}
	if (s->post_delay_us)
		usleep(s->post_delay_us);
	if (s->post_after_fork)
		wait_for_fork(s);
	st_op_started(r->w);
	s->t_post = st_now();
	s->wc_status = ST_WC_POST_FAILED;
	if (ibv_post_send(r->lb.qp[0], &wr, &bad) == 0) {
		deadline = s->t_post + OP_TIMEOUT_S;
		for (;;) {
			n = ibv_poll_cq(r->lb.cq[0], 1, &wc);
			if (n < 0) {
				s->wc_status = ST_WC_POLL_FAILED;
				break;
			}
			if (n == 1 && wc.wr_id == s->no) {
				s->wc_status = wc.status;
				break;
			}
			/* A stale completion of another WR: keep waiting. */
			if (st_now() > deadline) {
				s->wc_status = ST_WC_TIMEOUT;
				break;
			}
		}
	}
	s->t_done = st_now();
	st_op_finished(r->w);
	s->status = s->wc_status == IBV_WC_SUCCESS ? ST_OK :
		    s->wc_status == IBV_WC_REM_ACCESS_ERR ? ST_MEMERR : ST_OTHER;
}

/* ---- checks ----------------------------------------------------------- */

static void violation(struct run *r, const struct st_step *s, const char *what)
{
	char desc[512];

	st_step_describe(s, desc, sizeof(desc));
	if (silent)
		return;
	printf("VIOLATION seed=%llu policy=%s step=%lu: %s\n    step: %s\n",
	       seed, r->policy_name, s->no, what, desc);
}

static int read_soft_dirty(struct run *r, bool sd[ST_PAGES])
{
	if (func_soft_dirty_bits(r->region, ST_PAGES, sd)) {
		perror("stress: pagemap");
		return -1;
	}
	return 0;
}

struct ev_counts {
	unsigned int fork, clear, dontneed, mprotect, unmap;
};

static void count_events(const struct st_step *s, struct ev_counts *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];

		if (!e->done)
			continue;
		switch (e->kind) {
		case EV_FORK:
			c->fork++;
			break;
		case EV_CLEAR_REFS:
			c->clear++;
			break;
		case EV_DONTNEED:
			/* over a hole (ENOMEM) it may have hit nothing */
			if (!e->err)
				c->dontneed++;
			break;
		case EV_MPROTECT:
			c->mprotect++;
			break;
		default:	/* munmap, mremap away */
			c->unmap++;
			break;
		}
	}
}

#define D(f) (a->f - b->f)
#define DI(e) (a->inval[e] - b->inval[e])

/*
 * The relations rodp.ko's counters of this process must keep over a step.
 * Only relations that hold whatever else the kernel does (reclaim, COW
 * breaks and compaction may add CLEAR or MIGRATE invalidations) are
 * equalities; the rest are lower bounds. Returns the number broken.
 */
static int check_stats(struct run *r, const struct st_step *s,
		       const struct rodp_stats *b, const struct rodp_stats *a)
{
	struct ev_counts ev;
	uint64_t inval = 0, actions;
	int bad = 0, i;
	char msg[256];

	count_events(s, &ev);
	for (i = 0; i < RODP_INVAL_COUNT; i++)
		inval += DI(i);
	actions = D(delegated) + D(skipped) + D(downgraded) + D(shrunk) +
		  D(fallback);

#define REQUIRE(cond, ...) do {						\
		if (!(cond)) {						\
			snprintf(msg, sizeof(msg), __VA_ARGS__);	\
			violation(r, s, msg);				\
			bad++;						\
		}							\
	} while (0)

	/*
	 * kernel/rodp_ops.c, rodp_invalidate_common(): every invalidation
	 * adds one to its event's counter (rodp_event_stat()) and then, being
	 * blockable here, exactly one action: skipped, downgraded, fallback,
	 * delegated or shrunk.
	 */
	REQUIRE(inval == actions,
		"counters: %" PRIu64 " invalidations but %" PRIu64 " actions",
		inval, actions);
	if (r->policy == RODP_POLICY_MODE_STOCK) {
		/* rodp_policy_decide(): stock delegates everything. */
		REQUIRE(!D(skipped) && !D(downgraded) && !D(shrunk) &&
			!D(fallback) && !D(skip_protection) && !D(skip_soft_dirty),
			"counters: stock skipped %" PRIu64 ", downgraded %" PRIu64
			", shrunk %" PRIu64 ", fell back %" PRIu64,
			D(skipped), D(downgraded), D(shrunk), D(fallback));
	} else {
		/*
		 * kernel/rodp_policy.h, software device (rxe, virt_dma: so
		 * rodp_can_downgrade() holds and nothing falls back): UNMAP
		 * shrinks; PROTECTION_PAGE downgrades; SOFT_DIRTY skips or
		 * downgrades; PROTECTION_VMA downgrades (mprotect RO) or skips
		 * (mprotect RW, NUMA hints): the stress never makes a range
		 * PROT_NONE, and each change_protection() range lies in one
		 * VMA, so none reads as revoked; every other event delegates.
		 */
		REQUIRE(D(shrunk) == DI(RODP_INVAL_UNMAP),
			"counters: %" PRIu64 " UNMAP invalidations, %" PRIu64 " shrinks",
			DI(RODP_INVAL_UNMAP), D(shrunk));
		REQUIRE(D(skipped) + D(downgraded) ==
			DI(RODP_INVAL_PROTECTION_PAGE) + DI(RODP_INVAL_SOFT_DIRTY) +
			DI(RODP_INVAL_PROTECTION_VMA),
			"counters: fork/soft-dirty/mprotect invalidations %" PRIu64
			" but skipped+downgraded %" PRIu64,
			DI(RODP_INVAL_PROTECTION_PAGE) + DI(RODP_INVAL_SOFT_DIRTY) +
			DI(RODP_INVAL_PROTECTION_VMA),
			D(skipped) + D(downgraded));
		REQUIRE(D(skipped) == D(skip_soft_dirty) + D(skip_protection),
			"counters: %" PRIu64 " skipped but %" PRIu64 " soft-dirty"
			" and %" PRIu64 " protection skips", D(skipped),
			D(skip_soft_dirty), D(skip_protection));
		REQUIRE(D(skip_soft_dirty) <= DI(RODP_INVAL_SOFT_DIRTY),
			"counters: %" PRIu64 " soft-dirty skips but %" PRIu64
			" soft-dirty invalidations", D(skip_soft_dirty),
			DI(RODP_INVAL_SOFT_DIRTY));
		REQUIRE(D(skip_protection) <= DI(RODP_INVAL_PROTECTION_VMA),
			"counters: %" PRIu64 " protection skips but %" PRIu64
			" PROTECTION_VMA invalidations", D(skip_protection),
			DI(RODP_INVAL_PROTECTION_VMA));
		REQUIRE(!D(fallback), "counters: %" PRIu64 " fallbacks on rxe",
			D(fallback));
		REQUIRE(D(delegated) == DI(RODP_INVAL_CLEAR) +
			DI(RODP_INVAL_RELEASE) + DI(RODP_INVAL_MIGRATE) +
			DI(RODP_INVAL_EXCLUSIVE),
			"counters: %" PRIu64 " delegated, not the CLEAR/"
			"RELEASE/MIGRATE/EXCLUSIVE invalidations", D(delegated));
	}
	/* fs/proc/task_mmu.c clear_refs_write(): one SOFT_DIRTY range, [0, -1). */
	REQUIRE(DI(RODP_INVAL_SOFT_DIRTY) == ev.clear,
		"counters: %" PRIu64 " SOFT_DIRTY invalidations for %u clear_refs",
		DI(RODP_INVAL_SOFT_DIRTY), ev.clear);
	/* mm/memory.c copy_page_range(): PROTECTION_PAGE only from fork. */
	REQUIRE(ev.fork ? DI(RODP_INVAL_PROTECTION_PAGE) >= 1 :
			  DI(RODP_INVAL_PROTECTION_PAGE) == 0,
		"counters: %" PRIu64 " PROTECTION_PAGE invalidations, %u forks",
		DI(RODP_INVAL_PROTECTION_PAGE), ev.fork);
	/* UNMAP: munmap (mm/memory.c unmap_vmas) and mremap (mm/mremap.c). */
	REQUIRE(ev.unmap ? DI(RODP_INVAL_UNMAP) >= ev.unmap :
			   DI(RODP_INVAL_UNMAP) == 0,
		"counters: %" PRIu64 " UNMAP invalidations, %u munmap/mremap",
		DI(RODP_INVAL_UNMAP), ev.unmap);
	/* mm/madvise.c: DONTNEED zaps with MMU_NOTIFY_CLEAR. */
	REQUIRE(DI(RODP_INVAL_CLEAR) >= ev.dontneed,
		"counters: %" PRIu64 " CLEAR invalidations, %u DONTNEED",
		DI(RODP_INVAL_CLEAR), ev.dontneed);
	/* mm/mprotect.c: PROTECTION_VMA, once for RO and once for RW. */
	REQUIRE(DI(RODP_INVAL_PROTECTION_VMA) >= 2 * ev.mprotect,
		"counters: %" PRIu64 " PROTECTION_VMA invalidations, %u mprotect pairs",
		DI(RODP_INVAL_PROTECTION_VMA), ev.mprotect);
	/*
	 * kernel/rodp_attach.c rodp_map_ret(): a failed driver fault counts
	 * an error, and a remote access error on rxe ODP comes from one.
	 */
	if (s->status == ST_MEMERR)
		REQUIRE(D(fault_errors) >= 1,
			"counters: the operation failed but no fault error was counted");
	REQUIRE(!D(umems_created) && !D(umems_released),
		"counters: umems created %" PRIu64 " released %" PRIu64
		" with no registration", D(umems_created), D(umems_released));
#undef REQUIRE
	return bad;
}

/*
 * Every live range of a region fits in a func_region: ST_PAGES pages hold
 * at most ST_PAGES / 2 disjoint ranges. (With 16, a fragmented live set
 * hid its last pages from check_region(), and the model missed a page the
 * device had faulted in again.)
 */
_Static_assert(FUNC_MAX_RANGES > ST_PAGES / 2,
	       "a region's live set can hold ST_PAGES / 2 ranges");

/*
 * kernel/rodp_region.c: under event-aware every munmapped or mremapped
 * range leaves the live set, and a region with no live range is dead;
 * under stock nothing ever shrinks. "Dead" means "no live range now": a
 * device fault into memory mapped there again (munmap+remap, mremap back)
 * adds what it mapped back to the live set. So a gone page the step's
 * operation touched may be live again (whether the device faulted it
 * before or after the event cannot be known), and from what the kernel
 * reports the model learns which; a gone page nothing touched must stay
 * out, and every page never gone must be in.
 */
static int check_region(struct run *r, const struct st_step *s)
{
	bool aware = r->policy == RODP_POLICY_MODE_EVENT_AWARE;
	size_t first = s->off / r->page, last = (s->off + s->len - 1) / r->page;
	uint64_t base = (uintptr_t)r->region, end = base + ST_PAGES * r->page;
	bool live[ST_PAGES] = { false };
	bool any = false;
	struct func_region fr;
	unsigned int i;
	char msg[256];
	uint64_t a;
	size_t p;
	int err;

	err = func_region_at(r->rodp, r->region, &fr);
	if (err) {
		snprintf(msg, sizeof(msg), "region: not found (%s)",
			 strerror(-err));
		violation(r, s, msg);
		return 1;
	}
	/* func_region keeps FUNC_MAX_RANGES; a full one may have lost some. */
	if (fr.nranges >= FUNC_MAX_RANGES) {
		snprintf(msg, sizeof(msg),
			 "region: %u or more live ranges, more than %d pages can hold",
			 fr.nranges, ST_PAGES);
		violation(r, s, msg);
		return 1;
	}
	for (i = 0; i < fr.nranges; i++) {
		for (a = fr.range[i].start;
		     a < fr.range[i].start + fr.range[i].length; a += r->page) {
			if (a < base || a >= end) {
				snprintf(msg, sizeof(msg),
					 "region: live range %u (+%#" PRIx64 " len %#" PRIx64 ") outside the region",
					 i, fr.range[i].start - base,
					 fr.range[i].length);
				violation(r, s, msg);
				return 1;
			}
			live[(a - base) / r->page] = true;
		}
	}
	for (p = 0; p < ST_PAGES; p++) {
		bool gone = aware && r->gone[p];
		bool may = gone && p >= first && p <= last;

		any |= live[p];
		if (!gone && !live[p]) {
			snprintf(msg, sizeof(msg),
				 "region: page %zu is not live, expected live", p);
			violation(r, s, msg);
			return 1;
		}
		if (gone && live[p] && !may) {
			snprintf(msg, sizeof(msg),
				 "region: page %zu is live, expected gone (no device access since)", p);
			violation(r, s, msg);
			return 1;
		}
	}
	if ((fr.state == RODP_REGION_DEAD) == any) {
		snprintf(msg, sizeof(msg), "region: state %u with%s live range",
			 fr.state, any ? " a" : " no");
		violation(r, s, msg);
		return 1;
	}
	/* What the device faulted in is live again, until the next munmap. */
	for (p = first; p <= last && p < ST_PAGES; p++)
		if (live[p])
			r->gone[p] = false;
	return 0;
}

/* ---- the negative control -------------------------------------------- */

/* What the step touched, page by page (as the oracle sees it). */
struct touched {
	bool op[ST_PAGES];	/* a chunk of the operation */
	bool event[ST_PAGES];	/* a per-page event that happened */
	bool clear;		/* a clear_refs happened */
	const struct st_event *clear_ev, *fork_ev;
};

static void touched_pages(const struct run *r, const struct st_step *s,
			  struct touched *t)
{
	size_t p;
	int i;

	memset(t, 0, sizeof(*t));
	for (p = s->off / r->page; p <= (s->off + s->len - 1) / r->page; p++)
		t->op[p] = true;
	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];

		if (!e->done)
			continue;
		if (e->kind == EV_CLEAR_REFS) {
			t->clear = true;
			t->clear_ev = e;
		} else if (e->kind == EV_FORK) {
			t->fork_ev = e;
		} else {
			for (p = e->first; p < e->first + e->npages; p++)
				t->event[p] = true;
		}
	}
}

/* A byte value that differs from every one listed (n < 255). */
static uint8_t other_byte(const uint8_t *avoid, int n)
{
	unsigned int v;
	int i;

	for (v = 1; v < 256; v++) {
		for (i = 0; i < n && avoid[i] != v; i++)
			;
		if (i == n)
			return (uint8_t)v;
	}
	return 0;
}

/*
 * Region byte at: a value no class of the oracle accepts there (not the
 * old byte, not zero, not the data sent, not either atomic result).
 */
static void corrupt_region_byte(const struct run *r, const struct st_step *s,
				uint8_t *copy, size_t at)
{
	uint8_t avoid[8];
	int n = 0;

	avoid[n++] = copy[at];
	avoid[n++] = r->before[at];
	avoid[n++] = 0;
	if (at >= s->off && at < s->off + s->len) {
		size_t k = at - s->off;

		if (s->op == OP_WRITE) {
			avoid[n++] = r->loc_before[k];
		} else if (s->op != OP_READ) {
			uint64_t old, v0, v1;

			memcpy(&old, r->before + s->off, 8);
			v0 = st_atomic_result(s, old);
			v1 = st_atomic_result(s, 0);
			avoid[n++] = (uint8_t)(v0 >> (8 * k));
			avoid[n++] = (uint8_t)(v1 >> (8 * k));
		}
	}
	copy[at] = other_byte(avoid, n);
}

/* A random page among those flagged: -1 if none. */
static int pick_page(struct run *r, const bool *flag)
{
	size_t start = rnd_below(r, ST_PAGES), i;

	for (i = 0; i < ST_PAGES; i++)
		if (flag[(start + i) % ST_PAGES])
			return (int)((start + i) % ST_PAGES);
	return -1;
}

/* The inputs of the checks, which the control corrupts copies of. */
struct observation {
	struct st_obs o;
	bool sd[ST_PAGES];
	struct rodp_stats before, after;
	bool has_child;
};

/*
 * Corrupts one class in the copy *x (its buffers are r->inj_*): returns
 * false when the step offers no place for that class.
 */
static bool inject_class(struct run *r, const struct st_step *s,
			 const struct touched *t, enum inj_class cls,
			 struct observation *x)
{
	bool flag[ST_PAGES], opwrites = s->op != OP_READ;
	size_t p, at;
	int pg;

	switch (cls) {
	case INJ_OP_PAGE:
	case INJ_EVENT_PAGE:
	case INJ_QUIET_PAGE:
		for (p = 0; p < ST_PAGES; p++)
			flag[p] = cls == INJ_OP_PAGE ? t->op[p] :
				  cls == INJ_EVENT_PAGE ? t->event[p] :
				  !t->op[p] && !t->event[p];
		pg = pick_page(r, flag);
		if (pg < 0)
			return false;
		at = (size_t)pg * r->page + rnd_below(r, r->page);
		/* In an operation's page, mostly in its own bytes. */
		if (cls == INJ_OP_PAGE && rnd_below(r, 4))
			at = s->off + rnd_below(r, s->len);
		corrupt_region_byte(r, s, r->inj_region, at);
		return true;
	case INJ_SD_SET:
		/* Untouched, clean before (or cleared), no VMA flag: clean. */
		if (st_vma_soft_dirty_after(s, r->vma_sd))
			return false;
		for (p = 0; p < ST_PAGES; p++)
			flag[p] = !t->op[p] && !t->event[p] && !x->sd[p] &&
				  (t->clear || !r->sd_prev[p]);
		pg = pick_page(r, flag);
		if (pg < 0)
			return false;
		x->sd[pg] = true;
		return true;
	case INJ_SD_CLEAR:
		/*
		 * A page the device wrote with nothing else on it and no
		 * clear_refs after: dirty. Else an untouched dirty page with
		 * no clear_refs in the step: still dirty.
		 */
		for (p = 0; p < ST_PAGES; p++)
			flag[p] = opwrites && s->status == ST_OK && t->op[p] &&
				  !t->event[p] && x->sd[p] &&
				  (!t->clear || t->clear_ev->t[0][1] < s->t_post);
		pg = pick_page(r, flag);
		if (pg < 0) {
			for (p = 0; p < ST_PAGES; p++)
				flag[p] = !t->op[p] && !t->event[p] && !t->clear &&
					  r->sd_prev[p] && x->sd[p];
			pg = pick_page(r, flag);
		}
		if (pg < 0)
			return false;
		x->sd[pg] = false;
		return true;
	case INJ_LOCAL: {
		uint8_t avoid[4];
		size_t k;

		if (s->op == OP_WRITE)
			return false;
		k = rnd_below(r, s->len);
		avoid[0] = r->inj_loc[k];
		avoid[1] = r->before[s->off + k];
		avoid[2] = 0;
		avoid[3] = r->loc_before[k];
		r->inj_loc[k] = other_byte(avoid, 4);
		return true;
	}
	case INJ_CHILD_LEAK: {
		/*
		 * The fork surely came before the post, so the child's copy
		 * holds no device data: put the first chunk's data there, as
		 * if a device write had reached the child.
		 */
		size_t end = s->off + (s->len < r->chunk ? s->len : r->chunk);
		size_t pend = (s->off / r->page + 1) * r->page;
		uint8_t data[ST_OP_MAX];

		if (!x->has_child || !t->fork_ev || !opwrites ||
		    s->status != ST_OK || t->fork_ev->t[0][1] >= s->t_post ||
		    !r->report->present[s->off / r->page])
			return false;
		if (end > pend)
			end = pend;
		if (s->op == OP_WRITE) {
			memcpy(data, r->loc_before, end - s->off);
		} else {
			uint64_t old, v;

			memcpy(&old, r->before + s->off, 8);
			v = st_atomic_result(s, old);
			memcpy(data, &v, 8);
		}
		/* Data equal to what was or may be there is no leak at all. */
		if (!memcmp(data, r->inj_child + s->off, end - s->off) ||
		    !memcmp(data, r->before + s->off, end - s->off) ||
		    (data[0] == 0 && !memcmp(data, data + 1, end - s->off - 1)))
			return false;
		memcpy(r->inj_child + s->off, data, end - s->off);
		return true;
	}
	case INJ_COUNTER:
		/* An invalidation no event explains, or an action without one. */
		if (rnd_below(r, 2)) {
			x->after.inval[RODP_INVAL_SOFT_DIRTY]++;
			x->after.delegated++;
		} else {
			x->after.skipped++;
		}
		return true;
	default:
		return false;
	}
}

/* ---- the loop --------------------------------------------------------- */

/* The checks of one step's observation; returns the violations found. */
static unsigned long check_observation(struct run *r, const struct st_step *s,
				       const struct observation *x)
{
	unsigned long n = 0;

	if (!st_model_check(s, &x->o)) {
		violation(r, s, "memory contents or soft-dirty not explained");
		if (!silent)
			st_model_explain(s, &x->o);
		n++;
	}
	if (x->has_child && (r->report->isolation_bad || !r->report->finished)) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "fork child: %zu bytes of its copy changed under it, first at %#zx",
			 r->report->isolation_bad, r->report->first_bad);
		violation(r, s, msg);
		n++;
	}
	n += (unsigned long)check_stats(r, s, &x->before, &x->after);
	return n;
}

/* The completion against what the oracle requires of it. */
static unsigned long check_completion(struct run *r, const struct st_step *s)
{
	char msg[200];

	if (s->wc_status == ST_WC_TIMEOUT) {
		snprintf(msg, sizeof(msg), "no completion within %d s",
			 OP_TIMEOUT_S);
		violation(r, s, msg);
		return 1;
	}
	if (!st_step_must_fail(s, r->page))
		return 0;
	r->must_fail++;
	if (s->wc_status != IBV_WC_REM_ACCESS_ERR) {
		snprintf(msg, sizeof(msg),
			 "a gap covered the whole flight: the operation must fail with "
			 "IBV_WC_REM_ACCESS_ERR, it ended with %s (%d)",
			 s->wc_status >= 0 ?
			 ibv_wc_status_str((enum ibv_wc_status)s->wc_status) :
			 "no completion", s->wc_status);
		violation(r, s, msg);
		return 1;
	}
	return 0;
}

static int cause_of(int wc_status)
{
	switch (wc_status) {
	case ST_WC_POST_FAILED:
		return CAUSE_POST_FAILED;
	case ST_WC_POLL_FAILED:
		return CAUSE_POLL_FAILED;
	case ST_WC_TIMEOUT:
		return CAUSE_TIMEOUT;
	default:
		return wc_status >= 0 && wc_status < CAUSE_WC_MAX ? wc_status :
		       CAUSE_POLL_FAILED;
	}
}

static const char *cause_name(int cause)
{
	switch (cause) {
	case CAUSE_POST_FAILED:
		return "post failed";
	case CAUSE_POLL_FAILED:
		return "poll failed";
	case CAUSE_TIMEOUT:
		return "timeout";
	default:
		return ibv_wc_status_str((enum ibv_wc_status)cause);
	}
}

/*
 * The negative control, after the real checks of a clean step: corrupts a
 * copy of one observation in the class that has had the fewest
 * injections among those the step offers, and checks the copy.
 */
static void control_step(struct run *r, const struct st_step *s,
			 const struct observation *real)
{
	struct observation x;
	struct touched t;
	int order[INJ_COUNT], i, j;
	unsigned long found;

	touched_pages(r, s, &t);
	for (i = 0; i < INJ_COUNT; i++)
		order[i] = i;
	/* Fewest injections first; ties in a rotating order. */
	for (i = 1; i < INJ_COUNT; i++) {
		int v = order[i];

		for (j = i; j > 0 && r->inj[order[j - 1]] > r->inj[v]; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	for (i = 0; i < INJ_COUNT; i++) {
		enum inj_class cls = (enum inj_class)order[i];

		x = *real;
		memcpy(x.sd, real->sd, sizeof(x.sd));
		memcpy(r->inj_region, r->region, r->len);
		memcpy(r->inj_loc, r->loc, s->len);
		if (x.has_child)
			memcpy(r->inj_child, r->child_copy, r->len);
		x.o.after = r->inj_region;
		x.o.loc = r->inj_loc;
		x.o.child = x.has_child ? r->inj_child : NULL;
		x.o.soft_dirty = x.sd;
		if (!inject_class(r, s, &t, cls, &x))
			continue;
		silent = true;
		found = check_observation(r, s, &x);
		silent = false;
		r->inj[cls]++;
		if (found)
			r->caught[cls]++;
		else
			printf("stress: seed=%llu policy=%s step=%lu: injected %s NOT caught\n",
			       seed, r->policy_name, s->no, inj_names[cls]);
		return;
	}
}

static int run_step(struct run *r, struct st_step *s)
{
	struct observation x;
	bool steer = inject && s->no % 4 == 1;
	unsigned long v0 = r->violations;
	int i, err;

	memset(&x, 0, sizeof(x));
	s->gen = r->gen++;
	gen_op(r, s);
	gen_events(r, s);
	if (steer)
		steer_fork_first(s);
	/* The data sent, or the local buffer's fill: this generation's. */
	st_pattern_fill(r->loc, s->len, key,
			s->op == OP_WRITE ? STREAM_SRC : STREAM_LOC, s->gen, s->off);
	memcpy(r->loc_before, r->loc, s->len);
	memcpy(r->before, r->region, r->len);

	err = rodp_get_stats(r->rodp, getpid(), &x.before, sizeof(x.before));
	if (err) {
		printf("stress: rodp_get_stats: %s\n", strerror(err));
		return -1;
	}
	if (st_workers_run(r->w, s, run_op, r)) {
		char desc[512];

		st_step_describe(s, desc, sizeof(desc));
		printf("stress: seed=%llu step %lu: a mapping could not be restored: %s\n",
		       seed, s->no, desc);
		return -1;
	}
	if (s->status != ST_OK && lb_recover(&r->lb))
		return -1;
	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];

		r->events[e->kind]++;
		if (!e->done)
			r->did_nothing++;
		if (e->enclose)
			r->enclosing++;
		if (e->kind == EV_FORK && e->done)
			x.has_child = true;
		if ((e->kind == EV_REMAP || e->kind == EV_MREMAP) && e->done)
			for (size_t p = e->first; p < e->first + e->npages; p++)
				r->gone[p] = true;
	}
	if (x.has_child && st_child_finish(r->w, s))
		return -1;
	if (read_soft_dirty(r, x.sd))
		return -1;
	err = rodp_get_stats(r->rodp, getpid(), &x.after, sizeof(x.after));
	if (err) {
		printf("stress: rodp_get_stats: %s\n", strerror(err));
		return -1;
	}
	r->ops[s->op]++;
	r->status[s->status]++;
	if (s->status == ST_OTHER)
		r->noncomp[cause_of(s->wc_status)]++;
	if (st_step_raced(s))
		r->raced++;

	x.o = (struct st_obs){
		.page = r->page, .chunk = r->chunk, .before = r->before,
		.after = r->region, .src = r->loc_before, .loc = r->loc,
		.loc_before = r->loc_before,
		.child = x.has_child ? r->child_copy : NULL,
		.report = x.has_child ? r->report : NULL, .soft_dirty = x.sd,
		.sd_before = r->sd_prev, .vma_sd_before = r->vma_sd,
	};
	/* The real observation first; an injection only ever works on a copy. */
	r->violations += check_observation(r, s, &x);
	r->violations += check_completion(r, s);
	r->violations += (unsigned long)check_region(r, s);
	if (r->violations > v0)
		r->viol_steps[s->op]++;
	if (inject) {
		if (r->violations > v0)
			r->inj_skipped++;	/* a catch would prove nothing */
		else
			control_step(r, s, &x);
	}
	/* The next step starts from what this one left (stress_model.c, E). */
	memcpy(r->sd_prev, x.sd, sizeof(r->sd_prev));
	r->vma_sd = st_vma_soft_dirty_after(s, r->vma_sd);
	if (verbose) {
		char desc[512];

		st_step_describe(s, desc, sizeof(desc));
		printf("step %lu: %s%s\n", s->no, desc,
		       r->violations > v0 ? " VIOLATION" : "");
	}
	return 0;
}

static int run_policy(struct run *r, unsigned long steps)
{
	struct rodp_stats b, a, pb, pa;
	struct st_numa n0 = { 0 }, n1 = { 0 };
	unsigned long i;
	double t0 = st_now(), t;
	int err, c;

	err = rodp_set_policy(r->rodp, r->policy);
	if (err) {
		printf("stress: rodp_set_policy(%s): %s\n", r->policy_name,
		       strerror(err));
		return -1;
	}
	if (region_register(r))
		return -1;
	if (numa) {
		st_numa_sample(&n0);
		if (rodp_get_stats(r->rodp, getpid(), &pb, sizeof(pb)))
			return -1;
	}
	for (i = 0; i < steps; i++) {
		struct st_step s = { .no = i };

		if (numa && st_numa_tick(&n0))
			return -1;

		if (i && i % REGION_STEPS == 0) {
			/* A fresh umem: rodp sees one released, one created. */
			if (rodp_get_stats(r->rodp, getpid(), &b, sizeof(b)))
				return -1;
			region_release(r);
			if (region_register(r))
				return -1;
			if (rodp_get_stats(r->rodp, getpid(), &a, sizeof(a)))
				return -1;
			if (a.umems_created - b.umems_created != 1 ||
			    a.umems_released - b.umems_released != 1) {
				printf("VIOLATION seed=%llu policy=%s step=%lu: re-registration "
				       "counted %" PRIu64 " umems created, %" PRIu64 " released\n",
				       seed, r->policy_name, i,
				       a.umems_created - b.umems_created,
				       a.umems_released - b.umems_released);
				r->violations++;
			}
		}
		if (run_step(r, &s))
			return -1;
		r->steps++;
	}
	if (numa) {
		st_numa_sample(&n1);
		if (rodp_get_stats(r->rodp, getpid(), &pa, sizeof(pa)))
			return -1;
	}
	region_release(r);
	t = st_now() - t0;
	printf("stress: policy %s: %lu steps in %.1f s (%.1f ms/step), %lu regions\n",
	       r->policy_name, r->steps, t, r->steps ? t * 1e3 / r->steps : 0.0,
	       r->regions);
	printf("stress:   ops WRITE %lu READ %lu FETCH_ADD %lu CMP_SWAP %lu; "
	       "completed ok %lu, remote access error %lu, not completed %lu\n",
	       r->ops[OP_WRITE], r->ops[OP_READ], r->ops[OP_FADD],
	       r->ops[OP_CSWAP], r->status[ST_OK], r->status[ST_MEMERR],
	       r->status[ST_OTHER]);
	printf("stress:   %lu steps had to fail (a gap over the whole flight), "
	       "each with IBV_WC_REM_ACCESS_ERR unless a violation says otherwise\n",
	       r->must_fail);
	printf("stress:   not completed by cause:");
	for (c = 0; c < CAUSE_COUNT; c++)
		if (r->noncomp[c])
			printf(" %s %lu;", cause_name(c), r->noncomp[c]);
	printf(" total %lu of %lu steps (%.2f %%, at most %d %% allowed)\n",
	       r->status[ST_OTHER], r->steps,
	       r->steps ? 100.0 * r->status[ST_OTHER] / r->steps : 0.0,
	       NONCOMP_PERCENT);
	if (r->status[ST_OTHER] * 100 > r->steps * NONCOMP_PERCENT) {
		printf("VIOLATION seed=%llu policy=%s: %lu of %lu steps did not "
		       "complete (more than %d %%)\n", seed, r->policy_name,
		       r->status[ST_OTHER], r->steps, NONCOMP_PERCENT);
		r->violations++;
	}
	printf("stress:   events fork %lu clear_refs %lu dontneed %lu mprotect %lu "
	       "munmap+remap %lu mremap %lu (%lu did nothing, %lu enclosing the op)\n",
	       r->events[EV_FORK], r->events[EV_CLEAR_REFS],
	       r->events[EV_DONTNEED], r->events[EV_MPROTECT],
	       r->events[EV_REMAP], r->events[EV_MREMAP], r->did_nothing,
	       r->enclosing);
	printf("stress:   %lu steps raced (an event took effect while the op was in flight)\n",
	       r->raced);
	printf("stress:   violations %lu (steps with one: WRITE %lu READ %lu "
	       "FETCH_ADD %lu CMP_SWAP %lu)", r->violations,
	       r->viol_steps[OP_WRITE], r->viol_steps[OP_READ],
	       r->viol_steps[OP_FADD], r->viol_steps[OP_CSWAP]);
	printf("\n");
	if (numa) {
		printf("stress:   numa: balancer marked %lu PTEs, %lu hint faults, "
		       "%lu pages migrated; %lu node switches; this process: "
		       "PROTECTION_VMA %" PRIu64 " (protection skips %" PRIu64
		       "), CLEAR %" PRIu64 ", MIGRATE %" PRIu64 "\n",
		       n1.pte_updates - n0.pte_updates,
		       n1.hint_faults - n0.hint_faults,
		       n1.migrated - n0.migrated, n0.switches,
		       pa.inval[RODP_INVAL_PROTECTION_VMA] -
		       pb.inval[RODP_INVAL_PROTECTION_VMA],
		       pa.skip_protection - pb.skip_protection,
		       pa.inval[RODP_INVAL_CLEAR] - pb.inval[RODP_INVAL_CLEAR],
		       pa.inval[RODP_INVAL_MIGRATE] - pb.inval[RODP_INVAL_MIGRATE]);
		/* No scan, no proof: the steps ran without the churn. */
		if (n1.pte_updates == n0.pte_updates) {
			printf("stress: numa: the balancer marked no PTE during %.1f s: "
			       "this run proved nothing about NUMA balancing\n", t);
			return -1;
		}
	}
	if (inject) {
		unsigned long ni = 0, nc = 0;

		for (c = 0; c < INJ_COUNT; c++) {
			ni += r->inj[c];
			nc += r->caught[c];
		}
		printf("stress:   negative control: %lu injected, %lu caught "
		       "(%lu steps with a real violation not injected)\n",
		       ni, nc, r->inj_skipped);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: stress_odp [-s SEED] [-n STEPS] [-p stock|event-aware|both]\n"
		"                  [-o write,read,fetch_add,cmp_swap] [-v] [-X] [-N]\n"
		"  -n  steps per policy (default 1000)\n"
		"  -o  only these RDMA operations (default all)\n"
		"  -N  under automatic NUMA balancing on two nodes (moves between\n"
		"      them; tests/vm/run --numa)\n"
		"  -X  negative control: corrupt a copy of one observation every\n"
		"      step, class by class; exit 1 when every class was injected,\n"
		"      every injection caught, and nothing else was wrong\n");
	exit(EXIT_HARD);
}

static bool device_has_odp(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex a;
	uint32_t need = IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
			IBV_ODP_SUPPORT_ATOMIC;

	memset(&a, 0, sizeof(a));
	if (ibv_query_device_ex(ctx, NULL, &a))
		return false;
	return (a.odp_caps.general_caps & IBV_ODP_SUPPORT) &&
	       (a.odp_caps.per_transport_caps.rc_odp_caps & need) == need;
}

/* -o / $RODP_STRESS_OPS: a comma-separated list of operation names. */
static void parse_ops(const char *arg)
{
	char *list = strdup(arg), *tok, *save = NULL;
	int i;

	if (!list)
		usage();
	op_mask = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int before = op_mask;

		for (i = 0; i < OP_COUNT; i++)
			if (!strcasecmp(tok, st_op_name((enum st_op)i)))
				op_mask |= 1u << i;
		if (op_mask == before)
			usage();
	}
	free(list);
	if (!op_mask)
		usage();
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "stock", "event-aware" };
	static const enum rodp_policy_mode modes[] = {
		RODP_POLICY_MODE_STOCK, RODP_POLICY_MODE_EVENT_AWARE,
	};
	unsigned long steps = 1000, total = 0, violations = 0;
	unsigned long inj[INJ_COUNT] = { 0 }, caught[INJ_COUNT] = { 0 };
	const char *policy = "both", *op_arg = NULL;
	struct run r;
	int opt, i, c, rc = 0;
	double t0 = st_now();

	if (getenv("RODP_STRESS_STEPS"))
		steps = strtoul(getenv("RODP_STRESS_STEPS"), NULL, 0);
	/* The functional suite narrows the operations this way (see
	 * tests/func/Makefile.am); -o still overrides it. */
	if (getenv("RODP_STRESS_OPS") && *getenv("RODP_STRESS_OPS"))
		parse_ops(op_arg = getenv("RODP_STRESS_OPS"));
	seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	while ((opt = getopt(argc, argv, "s:n:p:o:vXN")) != -1) {
		switch (opt) {
		case 'o':
			parse_ops(op_arg = optarg);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			steps = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			policy = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'X':
			inject = true;
			break;
		case 'N':
			numa = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (strcmp(policy, "both") && strcmp(policy, "stock") &&
			       strcmp(policy, "event-aware")))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("stress: seed %llu (replay: stress_odp -s %llu -n %lu -p %s%s%s%s%s)\n",
	       seed, seed, steps, policy, inject ? " -X" : "", numa ? " -N" : "",
	       op_arg ? " -o " : "", op_arg ? op_arg : "");

	/*
	 * No huge or multi-size folio in the region: a fault then dirties
	 * exactly the page it maps (see stress_model.c, E).
	 */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)) {
		perror("stress: PR_SET_THP_DISABLE");
		return EXIT_HARD;
	}
	key = (uint64_t)seed * 0x9E3779B97F4A7C15ULL ^ 0x5bd1e995;

	if (numa && func_numa_missing()) {
		printf("SKIP: -N: %s\n", func_numa_missing());
		return EXIT_SKIP;
	}
	memset(&r, 0, sizeof(r));
	if (lb_open(&r.lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return EXIT_SKIP;
	}
	if (!device_has_odp(r.lb.ctx)) {
		printf("SKIP: %s has no RC ODP for write, read and atomics\n",
		       func_dev_name());
		lb_close(&r.lb);
		return EXIT_SKIP;
	}
	r.rodp = func_rodp_open();
	r.page = (size_t)sysconf(_SC_PAGESIZE);
	r.len = ST_PAGES * r.page;
	r.chunk = (size_t)128 << r.lb.mtu;	/* IBV_MTU_256 is 1 */
	r.loc = aligned_alloc(r.page, ST_OP_MAX);
	r.before = malloc(r.len);
	r.loc_before = malloc(ST_OP_MAX);
	r.inj_region = malloc(r.len);
	r.inj_child = malloc(r.len);
	r.inj_loc = malloc(ST_OP_MAX);
	r.child_copy = mmap(NULL, r.len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r.report = mmap(NULL, sizeof(*r.report), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!r.loc || !r.before || !r.loc_before || r.child_copy == MAP_FAILED ||
	    r.report == MAP_FAILED || !r.inj_region || !r.inj_child ||
	    !r.inj_loc) {
		perror("stress: buffers");
		return EXIT_HARD;
	}
	r.loc_mr = ibv_reg_mr(r.lb.pd, r.loc, ST_OP_MAX, IBV_ACCESS_LOCAL_WRITE);
	if (!r.loc_mr) {
		perror("stress: local MR");
		return EXIT_HARD;
	}
	r.w = st_workers_start(NULL, r.page, r.report, r.child_copy, key);
	if (!r.w)
		return EXIT_HARD;

	for (i = 0; i < 2 && !rc; i++) {

		if (strcmp(policy, "both") && strcmp(policy, names[i]))
			continue;
		/* Fresh counts, the same devices and buffers. */
		memset(r.ops, 0, sizeof(r.ops));
		memset(r.status, 0, sizeof(r.status));
		memset(r.events, 0, sizeof(r.events));
		memset(r.viol_steps, 0, sizeof(r.viol_steps));
		r.steps = r.violations = r.did_nothing = r.enclosing = 0;
		r.raced = r.regions = r.inj_skipped = r.must_fail = 0;
		memset(r.noncomp, 0, sizeof(r.noncomp));
		memset(r.inj, 0, sizeof(r.inj));
		memset(r.caught, 0, sizeof(r.caught));
		r.policy = modes[i];
		r.policy_name = names[i];
		r.rng = (seed + (unsigned long long)i * 0x9E3779B97F4A7C15ULL) | 1;
		if (run_policy(&r, steps))
			rc = EXIT_HARD;
		total += r.steps;
		violations += r.violations;
		for (c = 0; c < INJ_COUNT; c++) {
			inj[c] += r.inj[c];
			caught[c] += r.caught[c];
		}
	}

	st_workers_stop(r.w);
	ibv_dereg_mr(r.loc_mr);
	rodp_set_policy(r.rodp, RODP_POLICY_MODE_DEFAULT);
	rodp_close(r.rodp);
	lb_close(&r.lb);
	printf("stress: seed %llu: %lu steps, %lu violations, %.1f s\n", seed,
	       total, violations, st_now() - t0);
	if (rc)
		return rc;
	if (inject) {
		unsigned long ni = 0, nc = 0;
		bool every_class = true;

		for (c = 0; c < INJ_COUNT; c++) {
			printf("stress-control: class %s: %lu injected, %lu caught\n",
			       inj_names[c], inj[c], caught[c]);
			ni += inj[c];
			nc += caught[c];
			if (!inj[c])
				every_class = false;
		}
		if (!every_class)
			printf("stress-control: some class was never injected: run more steps\n");
		if (violations)
			printf("stress-control: %lu real violations besides the injections\n",
			       violations);
		printf("stress-control: %lu injected, %lu caught\n", ni, nc);
		/* The expected failure: every class, every injection seen,
		 * nothing real wrong. */
		return nc == ni && every_class && !violations ? 1 : EXIT_HARD;
	}
	return violations ? 1 : 0;
}
