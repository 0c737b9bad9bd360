/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The randomised invariant stress of rodp.ko (stress_odp): one step is an
 * RDMA operation from the loopback peer QP into an ODP region, racing with
 * up to two memory events issued by worker threads. This header holds
 * what the three parts share:
 *
 *   stress_main.c    the driver: options, set-up, the step loop, the RDMA
 *                    operation, rodp.ko's counters, the summary
 *   stress_events.c  the worker threads and the memory events, the fork
 *                    child that checks its own copy
 *   stress_model.c   the oracle: is what memory, the local buffer, the
 *                    child's copy and soft-dirty show after a step explained
 *                    by some order of the step's atomic actions?
 */
#ifndef RODP_STRESS_H
#define RODP_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ST_PAGES 64		/* pages of the ODP region */
#define ST_EV_MAX 2		/* memory events per step */
#define ST_EV_PAGES 4		/* pages one event covers, at most */
#define ST_OP_MAX (3 * 4096)	/* bytes of one READ or WRITE, at most */

enum st_op {
	OP_WRITE,
	OP_READ,
	OP_FADD,		/* atomic fetch-and-add */
	OP_CSWAP,		/* atomic compare-and-swap */
	OP_COUNT
};

enum st_ev {
	EV_FORK,		/* fork; the child checks and writes its copy */
	EV_CLEAR_REFS,		/* echo 4 > /proc/self/clear_refs */
	EV_DONTNEED,		/* madvise(MADV_DONTNEED) */
	EV_MPROTECT,		/* mprotect(PROT_READ), then back to RW */
	EV_REMAP,		/* munmap, then mmap MAP_FIXED_NOREPLACE */
	EV_MREMAP,		/* mremap away to a reserve, then back */
	EV_COUNT
};

/* An event with two halves (mprotect, remap, mremap) leaves a gap between. */
static inline bool st_ev_structural(enum st_ev k)
{
	return k == EV_MPROTECT || k == EV_REMAP || k == EV_MREMAP;
}

/* How the RDMA operation completed. */
enum st_status {
	ST_OK,			/* IBV_WC_SUCCESS */
	ST_MEMERR,		/* IBV_WC_REM_ACCESS_ERR: a packet hit a gap */
	ST_OTHER,		/* did not complete: some prefix of packets ran */
};

/*
 * st_step.wc_status when no work completion arrived (else the
 * enum ibv_wc_status of the one that did).
 */
#define ST_WC_POST_FAILED (-1)	/* ibv_post_send() refused the WR */
#define ST_WC_POLL_FAILED (-2)	/* ibv_poll_cq() returned an error */
#define ST_WC_TIMEOUT (-3)	/* no completion within the deadline */

struct st_event {
	enum st_ev kind;
	size_t first, npages;	/* page range (fork, clear_refs: whole mm) */
	unsigned int delay_us;	/* before the first half */
	unsigned int gap_us;	/* between the halves */
	bool enclose;		/* first half before the op, second after */
	/* Results, filled by the worker. */
	bool done;		/* the event happened (its first half) */
	int err;		/* errno of a half that failed, 0 */
	double t[2][2];		/* [half][start, end], CLOCK_MONOTONIC */
	pid_t child;		/* EV_FORK */
};

struct st_step {
	unsigned long no;
	uint64_t gen;		/* generation of the step's data patterns */
	enum st_op op;
	size_t off, len;	/* byte range in the region */
	uint64_t add, compare, swap;	/* atomics */
	unsigned int post_delay_us;
	bool post_after_fork;	/* post only once the step's fork returned */
	int nev;
	struct st_event ev[ST_EV_MAX];
	/* Results. */
	enum st_status status;
	int wc_status;
	double t_post, t_done;
};

/* What the fork child reports through shared memory. */
struct st_child_report {
	bool present[ST_PAGES];	/* page mapped in the child at fork */
	bool written[ST_PAGES];	/* the child wrote its pattern there */
	size_t isolation_bad;	/* bytes of its copy that changed under it */
	size_t first_bad;	/* region offset of the first */
	bool finished;
};

/* The oracle's inputs for one step (all buffers region-sized unless told). */
struct st_obs {
	size_t page, chunk;	/* page size, path MTU in bytes */
	const uint8_t *before;	/* the region before the step */
	const uint8_t *after;	/* the region after it */
	const uint8_t *src;	/* WRITE: the data sent (op length) */
	const uint8_t *loc;	/* READ/atomics: the local buffer after (op length) */
	const uint8_t *loc_before;	/* ... and before (op length) */
	const uint8_t *child;	/* fork: the child's copy at fork, or NULL */
	const struct st_child_report *report;	/* fork, or NULL */
	const bool *soft_dirty;	/* ST_PAGES bits 55 after the step */
	/*
	 * The soft-dirty bits at the end of the previous step (checked
	 * then), and whether the region's VMA may carry VM_SOFTDIRTY at the
	 * step's start (st_vma_soft_dirty_after() of the previous step).
	 */
	const bool *sd_before;
	bool vma_sd_before;
};

/*
 * Checks one step: true if some order of the step's atomic actions
 * explains every observed byte and soft-dirty bit. Silent.
 */
bool st_model_check(const struct st_step *s, const struct st_obs *o);
/* After a failed check: prints which pages and bytes are unexplained. */
void st_model_explain(const struct st_step *s, const struct st_obs *o);

/* Some event half took effect while the operation was in flight. */
bool st_step_raced(const struct st_step *s);

/*
 * The operation cannot have succeeded: for its whole flight some page it
 * needs was unmapped, moved away, or (for a write) read-only. Its
 * completion must then be IBV_WC_REM_ACCESS_ERR, nothing else.
 */
bool st_step_must_fail(const struct st_step *s, size_t page);

/*
 * Whether the region's VMA may carry VM_SOFTDIRTY after the step (so any
 * page may read soft-dirty), given whether it may before it.
 */
bool st_vma_soft_dirty_after(const struct st_step *s, bool before);

/*
 * The data patterns: byte x of stream stream, generation gen is byte
 * x % 8 of a 64-bit word that a bijection makes from (stream, gen,
 * x / 8), so no two words of any stream and generation are equal: the
 * pattern has no period, and a packet that lands at the wrong offset,
 * or data of another generation, never matches. key varies per run.
 */
enum st_stream { STREAM_REGION, STREAM_SRC, STREAM_LOC, STREAM_CHILD };
uint64_t st_pattern_word(uint64_t key, enum st_stream stream, uint64_t gen,
			 uint64_t word);
/* Fills buf with bytes [off, off + len) of the pattern. */
void st_pattern_fill(uint8_t *buf, size_t len, uint64_t key,
		     enum st_stream stream, uint64_t gen, size_t off);

/* The value an atomic leaves in memory, from the value it found. */
uint64_t st_atomic_result(const struct st_step *s, uint64_t old);

/* One-line description of a step, for reports. */
void st_step_describe(const struct st_step *s, char *buf, size_t size);

const char *st_op_name(enum st_op op);
const char *st_ev_name(enum st_ev ev);

/* ---- stress_events.c ---- */

struct st_workers;

/*
 * Starts two worker threads for the region [base, base + ST_PAGES pages);
 * report and child_copy are shared mappings the fork child fills. NULL on
 * failure (message printed).
 */
struct st_workers *st_workers_start(uint8_t *base, size_t page,
				    struct st_child_report *report,
				    uint8_t *child_copy, uint64_t key);
void st_workers_stop(struct st_workers *w);
/* The region moved (re-registration). */
void st_workers_set_base(struct st_workers *w, uint8_t *base);

/*
 * Runs the step's events on the workers while the caller runs op(arg):
 * all three start together at a barrier. op must call st_op_started()
 * right before posting and st_op_finished() right after the completion,
 * which lets an enclosing event wait for it. Returns 0, or -1 when an
 * event could not restore the mapping (the run cannot go on).
 */
int st_workers_run(struct st_workers *w, struct st_step *s,
		   void (*op)(struct st_step *s, void *arg), void *arg);
void st_op_started(struct st_workers *w);
void st_op_finished(struct st_workers *w);

/*
 * After a step with a fork: lets the child check its copy and waits for
 * it. Returns 0, or -1 if the child died abnormally.
 */
int st_child_finish(struct st_workers *w, struct st_step *s);

double st_now(void);

/*
 * -N, the NUMA mode (stress_numa.c): the balancer's counters of
 * /proc/vmstat, and which node's CPU the stepping thread is on.
 */
struct st_numa {
	unsigned long pte_updates;	/* numa_pte_updates */
	unsigned long migrated;		/* numa_pages_migrated */
	unsigned long hint_faults;	/* numa_hint_faults */
	int cpu;			/* 0 or 1: node 0 or node 1 */
	double switched;		/* st_now() of the last move */
	unsigned long switches;
};

/* Why the NUMA mode cannot run here, or NULL. */
/* Reads the balancer's counters into @n. */
void st_numa_sample(struct st_numa *n);
/* Moves the calling thread to the other node's CPU when its time is up. */
int st_numa_tick(struct st_numa *n);

#endif /* RODP_STRESS_H */
