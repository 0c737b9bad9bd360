// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * libcost: what librodp adds to raw verbs, in one process and one run.
 *
 *   libcost [--quads N] [--block-ms MS] [--no-prefetch] [--subscribed]
 *           [--control pad|iova2] SIZE...
 *
 * For each SIZE (with K, M or G) and each metric, blocks of repetitions of
 * a baseline A and a candidate B are timed N times (a "quad" each) in the
 * order A B B A, every second quad B A A B: drift of the emulated machine
 * hits both alike, a block's place in the quad (first after a switch of
 * operation, or second) favours neither, and the quad's ratio
 * (B1 + B2) / (A1 + A2) is one sample. Metrics:
 *
 *   reg       A: ibv_reg_mr(ODP) + ibv_dereg_mr  B: rodp_reg_mr + rodp_dereg_mr
 *   prefetch  A: ibv_advise_mr(PREFETCH_WRITE, FLUSH) of the whole MR
 *             B: rodp_prefetch_mr(RODP_PREFETCH_F_WRITE) of the whole MR
 *             (each on its own MR over the same written buffer)
 *
 * and for each metric an A/A control (A against itself, in the same
 * order), whose spread is the noise floor a B/A ratio must be read
 * against.
 *
 * --control replaces B of the registration metric by a control of what
 * could explain librodp's cost there (metric "reg-pad" or "reg-iova2";
 * no prefetch metric then): pad, ibv_reg_mr + ibv_dereg_mr after about
 * as many instructions of plain work as librodp added to a pair when
 * this control was made (878 on x86-64 with glibc, counted with
 * callgrind: tests/unit/libwork; about 630 since the per-thread state,
 * the figure is kept so that old and new runs compare); iova2,
 * the pair through ibv_reg_mr_iova2() with access flags unknown at
 * compile time, the entry point librodp's own call takes.
 *
 * A block repeats its operation until it lasts --block-ms (default 20,
 * calibrated once per size and metric).
 *
 * Each call is timed (one clock read per call, the same for A and B), so
 * each block gives two figures: its total time, and its typical call (the
 * median call time: a stall of the emulated machine, a host preemption or
 * a guest interrupt, lands on a few calls of one block and moves its total
 * by up to a block's length, but not its median).
 *
 * One JSON object per line: {"metric", "bytes", "module", "reps", "quads",
 * "a_us", "b_us" (median time of one operation, from block totals),
 * "a_typ_us", "b_typ_us" (the median typical call), "ratio" {"median",
 * "p25", "p75", "min", "max", "ci_lo", "ci_hi", "ci_level"} (of block
 * totals), "control" {the same for A/A}, "typical" and "typical_control"
 * {the same for typical calls}}. ci_lo..ci_hi is a distribution-free
 * confidence interval of the median (order statistics of the quads'
 * ratios, binomial: no assumption about how TCG's noise is
 * distributed), at ci_level, the
 * smallest level of at least 95 % that N quads allow (N >= 6; with fewer
 * even min..max is below 95 %, and ci_level says so). "module" says
 * whether rodp.ko answered rodp_open() at the start, "subscribed" whether
 * the process listens for events (--subscribed: rodp_get_event_fd() first):
 * librodp then subscribes to all the process's region events once
 * (RODP_CMD_EVENTS_SUBSCRIBE) and binds no MR; with a rodp.ko that
 * predates it, librodp binds each MR as it is registered instead.
 * Exit 0; 1 on error; 2 on bad usage; 77 when no ODP device is there.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rodp/rodp.h>

#include "dev.h"

#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		IBV_ACCESS_REMOTE_READ)
#define MAX_QUADS 256
#define MAX_REPS 100000

struct bench_case {
	struct ibv_pd *pd;
	void *buf;
	size_t len;
	struct ibv_mr *mr_verbs;	/* prefetch: plain ODP MR */
	struct ibv_mr *mr_rodp;		/* prefetch: rodp_reg_mr() MR */
};

typedef void (*bench_op)(struct bench_case *c);

static void die(const char *what, int err)
{
	fprintf(stderr, "libcost: %s: %s (%s)\n", what, strerror(err),
		rodp_last_error_msg());
	exit(1);
}

static void op_reg_verbs(struct bench_case *c)
{
	struct ibv_mr *mr = ibv_reg_mr(c->pd, c->buf, c->len,
				       ACCESS | IBV_ACCESS_ON_DEMAND);

	if (!mr)
		die("ibv_reg_mr(ODP)", errno);
	if (ibv_dereg_mr(mr))
		die("ibv_dereg_mr", errno);
}

static void op_reg_rodp(struct bench_case *c)
{
	struct ibv_mr *mr = rodp_reg_mr(c->pd, c->buf, c->len, ACCESS, 0);
	int err;

	if (!mr)
		die("rodp_reg_mr", errno);
	err = rodp_dereg_mr(mr);
	if (err)
		die("rodp_dereg_mr", err);
}

static volatile unsigned long pad_sink;

/*
 * About as many instructions as librodp adds to a registration pair: a
 * table entry's allocation, three lock/unlock pairs, a little arithmetic.
 */
static __attribute__((noinline)) void pad_work(void)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	char *p = calloc(1, 320);
	int k;

	if (!p)
		die("calloc", ENOMEM);
	for (k = 0; k < 3; k++) {
		pthread_mutex_lock(&m);
		pad_sink += (unsigned long)p[k];
		pthread_mutex_unlock(&m);
	}
	for (k = 0; k < 43; k++)
		pad_sink += (unsigned long)k;
	free(p);
}

static void op_reg_pad(struct bench_case *c)
{
	pad_work();
	op_reg_verbs(c);
}

static void op_reg_iova2(struct bench_case *c)
{
#if HAVE_DECL_IBV_REG_MR_IOVA2
	/* Not a constant: as in librodp, where the flags are the caller's. */
	volatile unsigned int access = ACCESS | IBV_ACCESS_ON_DEMAND;
	struct ibv_mr *mr = ibv_reg_mr_iova2(c->pd, c->buf, c->len,
					     (uintptr_t)c->buf, access);

	if (!mr)
		die("ibv_reg_mr_iova2(ODP)", errno);
	if (ibv_dereg_mr(mr))
		die("ibv_dereg_mr", errno);
#else
	(void)c;
	fprintf(stderr, "libcost: this libibverbs has no ibv_reg_mr_iova2\n");
	exit(2);
#endif
}

static void op_prefetch_verbs(struct bench_case *c)
{
#if HAVE_DECL_IBV_ADVISE_MR
	struct ibv_sge sge[32];
	uint64_t off = 0;
	uint32_t n = 0;
	int err;

	/* As the library does: SGEs of at most 1 GiB, 32 per call. */
	while (off < c->len) {
		uint64_t l = c->len - off < (1ULL << 30) ? c->len - off :
			     (1ULL << 30);

		sge[n].addr = (uintptr_t)c->buf + off;
		sge[n].length = (uint32_t)l;
		sge[n].lkey = c->mr_verbs->lkey;
		n++;
		off += l;
	}
	err = ibv_advise_mr(c->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			    IBV_ADVISE_MR_FLAG_FLUSH, sge, n);
	if (err)
		die("ibv_advise_mr", err);
#else
	(void)c;
	fprintf(stderr, "libcost: SKIP: this libibverbs has no ibv_advise_mr\n");
	exit(EXIT_SKIP);
#endif
}

static void op_prefetch_rodp(struct bench_case *c)
{
	int err = rodp_prefetch_mr(c->mr_rodp, c->buf, c->len,
				   RODP_PREFETCH_F_WRITE);

	if (err)
		die("rodp_prefetch_mr", err);
}

/*
 * Times reps calls of op: returns the block's total, and puts each call's
 * time in ops[] (consecutive clock readings, so the block's total is their
 * sum: one clock read per call, the same for A and B).
 */
static double run_block(bench_op op, struct bench_case *c, unsigned long reps,
			double *ops)
{
	double t0 = bench_seconds(), prev = t0, now;
	unsigned long i;

	for (i = 0; i < reps; i++) {
		op(c);
		now = bench_seconds();
		ops[i] = now - prev;
		prev = now;
	}
	return prev - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of v[0..n) (sorted in place), linear interpolation. */
static double quantile(double *v, unsigned int n, double q)
{
	double pos;
	unsigned int i;

	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (n - 1);
	i = (unsigned int)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/*
 * The distribution-free confidence interval of the median of n samples:
 * the k-th smallest and k-th largest, with k the largest rank for which
 * P(Binomial(n, 1/2) <= k - 1) <= 2.5 % (each tail). Returns k (1-based;
 * 1 when n is too small for 95 %: the interval is then min..max) and the
 * interval's level in *level.
 */
static unsigned int median_ci_rank(unsigned int n, double *level)
{
	double p = 1.0, tail = 0.0;
	unsigned int i, k = 1;

	for (i = 0; i < n; i++)
		p /= 2.0;
	/* p = P(X = i), X ~ Binomial(n, 1/2); tail = P(X <= i). The
	 * interval [k-th smallest, k-th largest] misses the median with
	 * probability 2 P(X <= k - 1). */
	*level = 1.0 - 2.0 * p;
	for (i = 0; i + 1 <= n / 2; i++) {
		tail += p;
		if (tail > 0.025)
			break;
		k = i + 1;
		*level = 1.0 - 2.0 * tail;
		p = p * (n - i) / (i + 1);
	}
	return k;
}

static void print_spread(const char *name, double *r, unsigned int n)
{
	double med = quantile(r, n, 0.5), level;
	unsigned int k = median_ci_rank(n, &level);

	/* quantile() left r sorted. */
	printf("\"%s\": {\"median\": %.4f, \"p25\": %.4f, \"p75\": %.4f, "
	       "\"min\": %.4f, \"max\": %.4f, \"ci_lo\": %.4f, "
	       "\"ci_hi\": %.4f, \"ci_level\": %.4f}", name, med,
	       quantile(r, n, 0.25), quantile(r, n, 0.75), r[0], r[n - 1],
	       r[k - 1], r[n - k], level);
}

/* A block's total time, and its typical call: the median call time. */
struct block_time {
	double sum, typ;
};

static struct block_time timed(bench_op op, struct bench_case *c,
			       unsigned long reps, double *ops)
{
	struct block_time bt;

	bt.sum = run_block(op, c, reps, ops);
	bt.typ = quantile(ops, (unsigned int)reps, 0.5);
	return bt;
}

/*
 * quads rounds of A B B A or B A A B, alternately (the B/A samples), and of
 * A A' A' A (the A/A control, whose A' takes B's place: inner blocks in
 * even quads, outer in odd ones), interleaved so both see the same drift.
 * Each quad gives two ratios: of the blocks' totals ("ratio", every
 * cycle spent, stalls included) and of their typical calls ("typical",
 * each block's median call time: a stall of the emulated machine, a
 * host preemption or a guest interrupt, lands on a few calls of one
 * block and moves a total by up to a block's length, but not a median).
 */
static void measure(const char *metric, bench_op a, bench_op b,
		    struct bench_case *c, unsigned int quads, double block_s,
		    bool module, bool subscribed)
{
	double ratio[MAX_QUADS], control[MAX_QUADS];
	double typical[MAX_QUADS], typ_control[MAX_QUADS];
	double a_op[MAX_QUADS], b_op[MAX_QUADS];
	double a_typ[MAX_QUADS], b_typ[MAX_QUADS];
	unsigned long reps;
	unsigned int q;
	double *ops, t;

	/* Warm both paths, then calibrate on the slower one. */
	a(c);
	b(c);
	t = bench_seconds();
	b(c);
	t = bench_seconds() - t;
	reps = t >= block_s ? 1 : (unsigned long)(block_s / (t > 1e-7 ? t : 1e-7));
	if (reps < 1)
		reps = 1;
	if (reps > MAX_REPS)
		reps = MAX_REPS;
	ops = malloc(reps * sizeof(*ops));
	if (!ops)
		die("malloc", ENOMEM);

	for (q = 0; q < quads; q++) {
		bench_op outer = q & 1 ? b : a, inner = q & 1 ? a : b;
		struct block_time o1 = timed(outer, c, reps, ops);
		struct block_time i1 = timed(inner, c, reps, ops);
		struct block_time i2 = timed(inner, c, reps, ops);
		struct block_time o2 = timed(outer, c, reps, ops);
		struct block_time a1 = q & 1 ? i1 : o1, a2 = q & 1 ? i2 : o2;
		struct block_time b1 = q & 1 ? o1 : i1, b2 = q & 1 ? o2 : i2;
		struct block_time c1 = timed(a, c, reps, ops);
		struct block_time c2 = timed(a, c, reps, ops);
		struct block_time c3 = timed(a, c, reps, ops);
		struct block_time c4 = timed(a, c, reps, ops);

		ratio[q] = (b1.sum + b2.sum) / (a1.sum + a2.sum);
		typical[q] = (b1.typ + b2.typ) / (a1.typ + a2.typ);
		/* The control's "B" sits where B sat in this quad. */
		control[q] = q & 1 ? (c1.sum + c4.sum) / (c2.sum + c3.sum) :
				     (c2.sum + c3.sum) / (c1.sum + c4.sum);
		typ_control[q] = q & 1 ? (c1.typ + c4.typ) / (c2.typ + c3.typ) :
					 (c2.typ + c3.typ) / (c1.typ + c4.typ);
		a_op[q] = (a1.sum + a2.sum) / 2 / reps;
		b_op[q] = (b1.sum + b2.sum) / 2 / reps;
		a_typ[q] = (a1.typ + a2.typ) / 2;
		b_typ[q] = (b1.typ + b2.typ) / 2;
	}
	free(ops);
	printf("{\"metric\": \"%s\", \"bytes\": %zu, \"module\": %s, "
	       "\"subscribed\": %s, "
	       "\"reps\": %lu, \"quads\": %u, \"a_us\": %.3f, \"b_us\": %.3f, "
	       "\"a_typ_us\": %.3f, \"b_typ_us\": %.3f, ",
	       metric, c->len, module ? "true" : "false",
	       subscribed ? "true" : "false", reps, quads,
	       quantile(a_op, quads, 0.5) * 1e6,
	       quantile(b_op, quads, 0.5) * 1e6,
	       quantile(a_typ, quads, 0.5) * 1e6,
	       quantile(b_typ, quads, 0.5) * 1e6);
	print_spread("ratio", ratio, quads);
	printf(", ");
	print_spread("control", control, quads);
	printf(", ");
	print_spread("typical", typical, quads);
	printf(", ");
	print_spread("typical_control", typ_control, quads);
	printf("}\n");
	fflush(stdout);
}


static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int quads = 8, block_ms = 20;
	bool prefetch = true, subscribed = false, module;
	const char *reg_metric = "reg";
	bench_op reg_b = op_reg_rodp;
	struct bench_case c = { 0 };
	struct rodp_ctx *ctx;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--quads") && i + 1 < argc) {
			if (parse_uint(argv[++i], MAX_QUADS, &quads))
				goto usage;
		} else if (!strcmp(argv[i], "--block-ms") && i + 1 < argc) {
			if (parse_uint(argv[++i], 60000, &block_ms))
				goto usage;
		} else if (!strcmp(argv[i], "--no-prefetch")) {
			prefetch = false;
		} else if (!strcmp(argv[i], "--subscribed")) {
			subscribed = true;
		} else if (!strcmp(argv[i], "--control") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "pad")) {
				reg_metric = "reg-pad";
				reg_b = op_reg_pad;
			} else if (!strcmp(argv[i], "iova2")) {
				reg_metric = "reg-iova2";
				reg_b = op_reg_iova2;
			} else {
				goto usage;
			}
			prefetch = false;
		} else {
			goto usage;
		}
	}
	if (i >= argc)
		goto usage;
	for (int j = i; j < argc; j++)
		if (tool_parse_size(argv[j], &c.len))
			goto usage;

	ctx = rodp_open();
	module = ctx != NULL;
	rodp_close(ctx);
	c.pd = bench_open_pd("libcost");
	if (subscribed && rodp_get_event_fd(NULL) < 0)
		die("rodp_get_event_fd", errno);

	for (; i < argc; i++) {
		tool_parse_size(argv[i], &c.len);
		c.buf = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c.buf == MAP_FAILED)
			die("mmap", errno);
		memset(c.buf, 0x5a, c.len);

		measure(reg_metric, op_reg_verbs, reg_b, &c, quads,
			block_ms / 1000.0, module, subscribed);
		if (prefetch) {
			c.mr_verbs = ibv_reg_mr(c.pd, c.buf, c.len,
						ACCESS | IBV_ACCESS_ON_DEMAND);
			if (!c.mr_verbs)
				die("ibv_reg_mr(ODP)", errno);
			c.mr_rodp = rodp_reg_mr(c.pd, c.buf, c.len, ACCESS, 0);
			if (!c.mr_rodp)
				die("rodp_reg_mr", errno);
			measure("prefetch", op_prefetch_verbs, op_prefetch_rodp,
				&c, quads, block_ms / 1000.0, module, subscribed);
			rodp_dereg_mr(c.mr_rodp);
			ibv_dereg_mr(c.mr_verbs);
		}
		munmap(c.buf, c.len);
	}
	return 0;

usage:
	fprintf(stderr, "usage: libcost [--quads N (1..%d)] [--block-ms MS] "
		"[--no-prefetch] [--subscribed] [--control pad|iova2] "
		"SIZE...\n", MAX_QUADS);
	return 2;
}
