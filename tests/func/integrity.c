// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * integrity - byte-for-byte integrity matrix of soft-RoCE's data path,
 * ODP and pinned memory regions side by side.
 *
 * Every case fills the source with a pseudo-random stream, fills the
 * destination window (the target and at least one page of guard bytes
 * around it) with a known background, runs one operation over an RC QP
 * pair and compares every byte of the window with what it must hold.
 *
 *   operations   RDMA WRITE, RDMA READ, SEND/RECV, compare-and-swap,
 *                fetch-and-add, ATOMIC WRITE, FLUSH (+ WRITE then FLUSH)
 *   offsets      0 1 8 1023 1024 4095 8189 (page-crossing); the offset
 *                applies to the local and the remote address; atomics use
 *                the 8-byte aligned ones and expect misaligned ones to fail
 *   lengths      1 7 64 1023 1024 1025 4096 4097 65536 262144 1048576,
 *                and 3-SGE gathers/scatters of 4097 and 65537 bytes
 *   states       of the destination memory: cold (freshly mmapped and
 *                registered, never touched), warm, after madvise(DONTNEED),
 *                after ibv_advise_mr() prefetch (the last two ODP only:
 *                a pinned MR keeps the old pages by design). Where
 *                ibv_advise_mr() cannot reach the device (rdma-core older
 *                than 65 on rxe: EOPNOTSUPP) and rodp.ko is loaded, ODP
 *                MRs are registered through librodp and prefetched with
 *                rodp_prefetch_mr(), rodp.ko's own prefetch: that is the
 *                path applications take there (Debian trixie)
 *
 * A 2-SGE SEND probe tells whether this rdma-core's ibv_wr_set_sge_list()
 * computes a WR's length right (rdma-core before 64.0 and 56.4 does not,
 * see probe_sge_list()); where it does not, WRs of several SGEs are
 * posted with ibv_post_send(), and the SKIP line says so.
 *
 * plus MRs registered with an iova other than their address,
 * ibv_advise_mr() on a pinned MR, and an atomic on QPs reset after an
 * RDMA READ failed part way.
 *
 * Environment: RODP_DEV (default rxe0) is the requester; RODP_PEER_DEV
 * (default RODP_DEV: loopback) the responder.  RODP_QUICK=1 or -q runs a
 * smaller matrix.  The loaded rdma_rxe is told apart by
 * /sys/module/rdma_rxe/version ("rodp.N" for rodp's build);
 * --expect-stock-bug exits 77 when rodp's module is loaded.  Exit status: 0 clean, 1 corrupt or failed, 77 no device
 * or no ODP.  With --expect-stock-bug: 1 when the known corruption of the
 * stock rdma_rxe is seen exactly (ODP RDMA WRITE 4096@0 and 1024@1024
 * corrupt, pinned clean), 0 when it is not (a fixed kernel), 99 otherwise.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <infiniband/verbs.h>

#include <rodp/rodp.h>

#if !HAVE_DECL_IBV_WR_FLUSH
/*
 * rdma-core older than 45 cannot post FLUSH. Naming every flush capability
 * 0 makes have_flush false, so the FLUSH cases report themselves skipped.
 */
#define IBV_ACCESS_FLUSH_GLOBAL		0
#define IBV_QP_EX_WITH_FLUSH		0
#define IB_UVERBS_DEVICE_FLUSH_GLOBAL	0
#define IBV_ODP_SUPPORT_FLUSH		0
enum { IBV_FLUSH_GLOBAL = 1, IBV_FLUSH_RANGE = 0, IBV_FLUSH_MR = 1 };
static inline void ibv_wr_flush(struct ibv_qp_ex *qp, uint32_t rkey,
				uint64_t addr, size_t len, uint8_t type,
				uint8_t level)
{
	(void)qp; (void)rkey; (void)addr; (void)len; (void)type; (void)level;
	abort();
}
#endif
#if HAVE_DECL_IBV_WR_FLUSH && !HAVE_DECL_IBV_ODP_SUPPORT_FLUSH
/* rdma-core (56, Debian trixie) that can post FLUSH but cannot see it
 * advertised for ODP: the FLUSH cases report themselves skipped. */
#define IBV_ODP_SUPPORT_FLUSH		0
#endif
#if !HAVE_DECL_IBV_ODP_SUPPORT_ATOMIC_WRITE
/* rdma-core that can post ATOMIC WRITE but cannot see it advertised for ODP:
 * the ATOMIC WRITE cases report themselves skipped. */
#define IB_UVERBS_DEVICE_ATOMIC_WRITE	0
#define IBV_ODP_SUPPORT_ATOMIC_WRITE	0
#endif

#define PAGE		4096UL
#define BUF_SIZE	(2UL << 20)	/* local and remote buffer, each */
#define OP_TIMEOUT_S	120		/* TCG is slow; rxe retries are slow */
#define MAX_FAIL_MSGS	8		/* per CUnit test, then aggregated */

#define EXIT_SKIP	77
#define EXIT_HARD	99

/* ------------------------------------------------------------------ */
/* Matrix                                                              */
/* ------------------------------------------------------------------ */

enum op {
	OP_WRITE,
	OP_READ,
	OP_SEND,
	OP_CAS,
	OP_FAA,
	OP_ATOMIC_WRITE,
	OP_FLUSH,
	OP_NUM
};

static const char *const op_name[OP_NUM] = {
	[OP_WRITE] = "RDMA WRITE",
	[OP_READ] = "RDMA READ",
	[OP_SEND] = "SEND/RECV",
	[OP_CAS] = "ATOMIC CMP&SWP",
	[OP_FAA] = "ATOMIC FETCH&ADD",
	[OP_ATOMIC_WRITE] = "ATOMIC WRITE",
	[OP_FLUSH] = "FLUSH",
};

enum kind { KIND_ODP, KIND_PINNED, KIND_NUM };
static const char *const kind_name[KIND_NUM] = { "odp", "pinned" };

enum state { ST_COLD, ST_WARM, ST_DONTNEED, ST_PREFETCH, ST_NUM };
static const char *const state_name[ST_NUM] = {
	"cold", "warm", "dontneed", "prefetch"
};

static const size_t offsets_full[] = { 0, 1, 8, 1023, 1024, 4095, 8189 };
static const size_t offsets_quick[] = { 0, 1, 1024, 4095, 8189 };
static const size_t lengths_full[] = {
	1, 7, 64, 1023, 1024, 1025, 4096, 4097, 65536, 262144, 1048576
};
static const size_t lengths_quick[] = { 1, 1023, 4097, 65536, 1048576 };
/* 3-SGE cases: total lengths */
static const size_t sge3_full[] = { 4097, 65537 };
static const size_t sge3_quick[] = { 4097 };
/* atomics: aligned offsets must work, misaligned ones must fail cleanly */
static const size_t atomic_offsets[] = { 0, 8, 1016, 1024, 4088, 8184 };
static const size_t atomic_bad_offsets[] = { 1, 1023, 4095 };
/* FLUSH lengths (each run as FLUSH alone and as WRITE then FLUSH) */
static const size_t flush_lengths[] = { 1, 1023, 4097, 65536 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct matrix {
	const size_t *offsets, *lengths, *sge3;
	size_t n_offsets, n_lengths, n_sge3;
};

static struct matrix mx;

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

struct tally {
	unsigned long cases, corrupt, failed, bytes_wrong, skipped;
};

static struct tally tallies[OP_NUM + 2][KIND_NUM];	/* +iova, +prefetch */
#define ROW_IOVA	OP_NUM
#define ROW_ADVISE	(OP_NUM + 1)
static const char *row_name(int row)
{
	if (row == ROW_IOVA)
		return "iova != address";
	if (row == ROW_ADVISE)
		return "advise_mr(pinned)";
	return op_name[row];
}

static unsigned long total_pass, total_fail;
/*
 * What the case's last run() saw, for its failure message: a completion
 * status, -1 (no completion in time) or NO_RUN; record() resets it.
 */
#define NO_RUN	(-2)
static int last_run_status = NO_RUN;
static unsigned int fail_msgs;		/* in the current CUnit test */
static unsigned long fail_hidden;

static bool verbose;

static void record(struct tally *t, unsigned long wrong, bool failed,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * One case, one CUnit assertion.  The first MAX_FAIL_MSGS failures of a
 * test are reported individually, the rest in one line at its end.
 */
static void record(struct tally *t, unsigned long wrong, bool failed,
		   const char *fmt, ...)
{
	char what[256], msg[384];
	bool ok = !wrong && !failed;
	int status;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	t->cases++;
	status = last_run_status;
	last_run_status = NO_RUN;
	if (ok) {
		total_pass++;
		CU_PASS(what);
		if (verbose)
			printf("  ok      %s\n", what);
		return;
	}
	total_fail++;
	if (failed) {
		t->failed++;
		snprintf(msg, sizeof(msg),
			 "%s: operation failed (last transfer: %s)", what,
			 status == NO_RUN ? "none ran" :
			 status < 0 ? "no completion in time" :
			 ibv_wc_status_str(status));
	} else {
		t->corrupt++;
		t->bytes_wrong += wrong;
		snprintf(msg, sizeof(msg), "%s: %lu bytes wrong", what, wrong);
	}
	if (verbose)
		printf("  FAIL    %s\n", msg);
	if (fail_msgs++ < MAX_FAIL_MSGS)
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
					CU_FALSE);
	else
		fail_hidden++;
}

static void flush_hidden_failures(const char *test)
{
	char msg[256];

	if (fail_hidden) {
		snprintf(msg, sizeof(msg), "%s: %lu more failing cases",
			 test, fail_hidden);
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
					CU_FALSE);
	}
	fail_hidden = 0;
	fail_msgs = 0;
}

/* ------------------------------------------------------------------ */
/* Pseudo-random streams                                               */
/* ------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1, v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		v = rng_next(&s);
		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		v = rng_next(&s);
		memcpy(p + i, &v, len - i);
	}
}

static unsigned long count_wrong(const uint8_t *got, const uint8_t *want,
				 size_t len)
{
	unsigned long wrong = 0;
	size_t i, c;

	for (i = 0; i < len; i += c) {
		c = len - i < PAGE ? len - i : PAGE;
		if (!memcmp(got + i, want + i, c))
			continue;
		for (size_t j = 0; j < c; j++)
			wrong += got[i + j] != want[i + j];
	}
	return wrong;
}

static size_t page_up(size_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* ------------------------------------------------------------------ */
/* Devices, QPs                                                        */
/* ------------------------------------------------------------------ */

struct side {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_qp_ex *qpx;
	union ibv_gid gid;
	int gid_index;
	enum ibv_mtu mtu;
	const char *name;
	/* --implicit: the PD's implicit ODP MR, which every ODP buffer of
	 * the side is reached through (its lkey and rkey name addresses). */
	struct ibv_mr *imr;
};

static struct side req, resp;		/* requester, responder */
static bool same_device;
static bool have_flush, have_atomic_write, have_advise;
/* Prefetch of ODP MRs works: through ibv_advise_mr(), or (prefetch_rodp)
 * through librodp and rodp.ko where advise_mr answers EOPNOTSUPP. */
static bool have_prefetch, prefetch_rodp;
static bool fixed_module;
static char module_version[64] = "none";
/* What ibv_advise_mr() answered in setup() (0 or a positive errno). */
static int advise_err;
/* rdma-core's release (libibverbs.so.1.14.N.M: N), 0 if unknown. */
static int rdma_core_major;
/*
 * This rdma-core's ibv_wr_set_sge_list() gives a WR with several SGEs
 * the wrong length (found by probe_sge_list()): such WRs are posted with
 * ibv_post_send(), which sums the lengths right, so the 3-SGE cases still
 * check the kernel's gather and scatter byte for byte.
 */
static bool sge_list_short;
/* --implicit: ODP buffers are reached through implicit MRs (side.imr). */
static bool implicit_odp;
static uint64_t send_ops;
static int mr_access_base;

static int open_device(const char *name, struct side *s)
{
	struct ibv_device **list;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			break;
	if (i == n) {
		ibv_free_device_list(list);
		return -1;
	}
	s->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	s->name = name;
	return s->ctx ? 0 : -1;
}

/* The RoCE v2 GID that carries an IPv4 address (::ffff:a.b.c.d). */
static int find_gid(struct side *s)
{
	struct ibv_port_attr pa;
	struct ibv_gid_entry e;
	int i;

	if (ibv_query_port(s->ctx, 1, &pa))
		return -1;
	s->mtu = pa.active_mtu < IBV_MTU_1024 ? pa.active_mtu : IBV_MTU_1024;
	for (i = 0; i < pa.gid_tbl_len; i++) {
		static const uint8_t v4mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};

		if (ibv_query_gid_ex(s->ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type != IBV_GID_TYPE_ROCE_V2)
			continue;
		if (memcmp(e.gid.raw, v4mapped, sizeof(v4mapped)))
			continue;
		s->gid = e.gid;
		s->gid_index = i;
		return 0;
	}
	return -1;
}

static int create_qp(struct side *s)
{
	struct ibv_qp_init_attr_ex a = {
		.send_cq = s->cq,
		.recv_cq = s->cq,
		.cap = {
			.max_send_wr = 16,
			.max_recv_wr = 16,
			.max_send_sge = 4,
			.max_recv_sge = 4,
		},
		.qp_type = IBV_QPT_RC,
		.comp_mask = IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.pd = s->pd,
		.send_ops_flags = send_ops,
	};

	s->qp = ibv_create_qp_ex(s->ctx, &a);
	if (!s->qp)
		return -1;
	s->qpx = ibv_qp_to_qp_ex(s->qp);
	return s->qpx ? 0 : -1;
}

static int qp_to_rts(struct side *s, const struct side *peer)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RESET;
	if (ibv_modify_qp(s->qp, &a, IBV_QP_STATE))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	a.pkey_index = 0;
	a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC |
			    (have_flush ? IBV_ACCESS_FLUSH_GLOBAL : 0);
	if (ibv_modify_qp(s->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = s->mtu < peer->mtu ? s->mtu : peer->mtu;
	a.dest_qp_num = peer->qp->qp_num;
	a.rq_psn = 0;
	a.max_dest_rd_atomic = 16;
	a.min_rnr_timer = 1;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = peer->gid;
	a.ah_attr.grh.sgid_index = s->gid_index;
	a.ah_attr.grh.hop_limit = 64;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(s->qp, &a, IBV_QP_STATE | IBV_QP_AV |
			  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = 0;
	a.max_rd_atomic = 16;
	return ibv_modify_qp(s->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

static void drain_cq(struct ibv_cq *cq)
{
	struct ibv_wc wc[16];

	while (ibv_poll_cq(cq, 16, wc) > 0)
		;
}

/* After an error the QPs are in the error state: start them again. */
static int reconnect(void)
{
	int ret;

	ret = qp_to_rts(&req, &resp) || qp_to_rts(&resp, &req);
	drain_cq(req.cq);
	drain_cq(resp.cq);
	return ret ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * How long one operation may take: OP_TIMEOUT_S, or $RODP_FUNC_TIMEOUT_S
 * when that is longer (the KASAN and lockdep kernel of tests/vm/check-debug
 * sets it; the other functional tests read it in func_util.c).
 */
static double op_timeout_s(void)
{
	const char *s = getenv("RODP_FUNC_TIMEOUT_S");
	double v = s ? strtod(s, NULL) : 0;

	return v > OP_TIMEOUT_S ? v : OP_TIMEOUT_S;
}

/*
 * Wait for the completion of wr_id on cq.  Returns its status, or -1 on
 * timeout.  Other completions (flushed receives, ...) are dropped.
 */
static int wait_wc(struct ibv_cq *cq, uint64_t wr_id, struct ibv_wc *out)
{
	double deadline = now() + op_timeout_s();
	struct ibv_wc wc;
	int n;

	for (;;) {
		n = ibv_poll_cq(cq, 1, &wc);
		if (n < 0)
			return -1;
		if (n == 1) {
			if (wc.wr_id != wr_id)
				continue;
			if (out)
				*out = wc;
			return wc.status;
		}
		if (now() > deadline)
			return -1;
		usleep(50);
	}
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

struct buf {
	uint8_t *p;
	size_t size;
	struct ibv_mr *mr;
	uint64_t iova;		/* device address of p[0] */
	bool rodp;		/* registered by rodp_reg_mr() */
	bool implicit;		/* mr is the side's implicit MR: not ours */
};

static int mr_access(enum kind kind)
{
	return mr_access_base | (kind == KIND_ODP ? IBV_ACCESS_ON_DEMAND : 0);
}

static int buf_alloc(struct buf *b, struct ibv_pd *pd, size_t size,
		     enum kind kind, uint64_t iova_shift)
{
	memset(b, 0, sizeof(*b));
	b->size = size;
	b->p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->p == MAP_FAILED) {
		b->p = NULL;
		return -1;
	}
	b->iova = (uintptr_t)b->p + iova_shift;
	/*
	 * --implicit: an ODP buffer at its own address is reached through
	 * its PD's implicit MR, whose children rxe makes as the device
	 * touches the buffer (an iova != address needs an MR of its own).
	 */
	if (implicit_odp && kind == KIND_ODP && !iova_shift) {
		b->mr = pd == req.pd ? req.imr : resp.imr;
		b->implicit = true;
		return 0;
	}
	/* librodp registers ODP (it adds IBV_ACCESS_ON_DEMAND) and knows
	 * the MR, so rodp_prefetch_mr() can prefetch it. */
	b->rodp = prefetch_rodp && kind == KIND_ODP && !iova_shift;
	if (iova_shift)
		b->mr = ibv_reg_mr_iova(pd, b->p, size, b->iova,
					mr_access(kind));
	else if (b->rodp)
		b->mr = rodp_reg_mr(pd, b->p, size, mr_access_base, 0);
	else
		b->mr = ibv_reg_mr(pd, b->p, size, mr_access(kind));
	if (!b->mr) {
		fprintf(stderr, "integrity: ibv_reg_mr(%s, %zu bytes): %s\n",
			kind_name[kind], size, strerror(errno));
		munmap(b->p, size);
		b->p = NULL;
		return -1;
	}
	return 0;
}

/*
 * --implicit proves it reached the memory through the implicit MRs: a
 * buffer freed after its case must lie in a child umem that rodp.ko
 * tracks as one (RODP_A_IMPLICIT_CHILD). Asked until one is seen: -1 not
 * yet, 1 seen, 0 rodp.ko cannot be asked (not loaded: not counted).
 */
static int implicit_child_seen = -1;

static int child_cb(const struct rodp_region_info *info, void *arg)
{
	const struct buf *b = arg;

	if (info->implicit_child && info->addr <= (uintptr_t)b->p &&
	    (uintptr_t)b->p < info->addr + info->length)
		implicit_child_seen = 1;
	return 0;
}

static void implicit_child_check(const struct buf *b)
{
	static struct rodp_ctx *ctx;

	if (implicit_child_seen >= 0)
		return;
	if (!ctx)
		ctx = rodp_open();
	if (!ctx || rodp_get_regions(ctx, getpid(), child_cb, (void *)b) ==
		    ENODEV) {
		implicit_child_seen = 0;
		printf("integrity: --implicit: rodp.ko cannot be asked (%s): the children are not counted\n",
		       rodp_last_error_msg());
	}
	if (implicit_child_seen >= 0 && ctx) {
		rodp_close(ctx);
		ctx = NULL;
	}
}

static void buf_free(struct buf *b)
{
	if (b->implicit)
		implicit_child_check(b);	/* its MR outlives it */
	else if (b->mr && b->rodp)
		rodp_dereg_mr(b->mr);
	else if (b->mr)
		ibv_dereg_mr(b->mr);
	if (b->p)
		munmap(b->p, b->size);
	memset(b, 0, sizeof(*b));
}

static int prefetch(struct buf *b, size_t off, size_t len)
{
	struct ibv_sge sge = {
		.addr = b->iova + off,
		.length = (uint32_t)len,
		.lkey = b->mr->lkey,
	};

	if (b->rodp)
		return rodp_prefetch_mr(b->mr, b->p + off, len,
					RODP_PREFETCH_F_WRITE);
	return ibv_advise_mr(b->mr->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			     IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
}

/*
 * Bring window [0, win) of the destination into the state; return the
 * background it holds (in want[0..win)), or -1 if the state could not be
 * set up.  ST_COLD replaces *b with a fresh, never touched MR.
 */
static int set_state(struct buf *b, struct buf *cold, struct ibv_pd *pd,
		     enum kind kind, enum state st, size_t win,
		     uint8_t *want, uint64_t seed)
{
	switch (st) {
	case ST_COLD:
		if (buf_alloc(cold, pd, win, kind, 0))
			return -1;
		memset(want, 0, win);
		return 0;
	case ST_WARM:
		fill_random(b->p, win, seed);
		memcpy(want, b->p, win);
		return 0;
	case ST_DONTNEED:
		/* make sure the device has the pages mapped, then zap them */
		fill_random(b->p, win, seed);
		if (prefetch(b, 0, win))
			return -1;
		if (madvise(b->p, win, MADV_DONTNEED))
			return -1;
		memset(want, 0, win);
		return 0;
	case ST_PREFETCH:
		fill_random(b->p, win, seed);
		if (madvise(b->p, win, MADV_DONTNEED))
			return -1;
		if (prefetch(b, 0, win))
			return -1;
		memset(want, 0, win);
		return 0;
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Layouts                                                             */
/* ------------------------------------------------------------------ */

struct layout {
	int n;
	size_t off[3], len[3];
};

static void layout_one(struct layout *l, size_t off, size_t len)
{
	l->n = 1;
	l->off[0] = off;
	l->len[0] = len;
}

/* Three segments with gaps that cross a page boundary. */
static void layout_three(struct layout *l, size_t off, size_t len)
{
	size_t a = len / 3, b = len / 3;

	l->n = 3;
	l->off[0] = off;
	l->len[0] = a;
	l->off[1] = off + a + PAGE + 13;
	l->len[1] = b;
	l->off[2] = l->off[1] + b + 29;
	l->len[2] = len - a - b;
}

static size_t layout_end(const struct layout *l)
{
	return l->off[l->n - 1] + l->len[l->n - 1];
}

/* Window checked around a layout: all of it, plus a page of guard. */
static size_t layout_window(const struct layout *l)
{
	return page_up(layout_end(l)) + PAGE;
}

static void layout_sges(const struct layout *l, const struct buf *b,
			struct ibv_sge *sge)
{
	for (int i = 0; i < l->n; i++) {
		sge[i].addr = b->iova + l->off[i];
		sge[i].length = (uint32_t)l->len[i];
		sge[i].lkey = b->mr->lkey;
	}
}

/* Scatter stream into dst per layout / gather from src per layout. */
static void layout_put(const struct layout *l, uint8_t *dst,
		       const uint8_t *stream)
{
	for (int i = 0; i < l->n; i++) {
		memcpy(dst + l->off[i], stream, l->len[i]);
		stream += l->len[i];
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

static uint64_t next_wr_id = 1;

/*
 * Post a WRITE, READ or SEND with ibv_post_send(): the path for WRs with
 * several SGEs where ibv_wr_set_sge_list() miscounts (sge_list_short).
 */
static int post_send_wr(enum op op, const struct ibv_sge *sge, int nsge,
			uint32_t rkey, uint64_t raddr, uint64_t *wr_id)
{
	struct ibv_send_wr wr, *bad;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = *wr_id = next_wr_id++;
	wr.sg_list = (struct ibv_sge *)sge;
	wr.num_sge = nsge;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.opcode = op == OP_WRITE ? IBV_WR_RDMA_WRITE :
		    op == OP_READ ? IBV_WR_RDMA_READ : IBV_WR_SEND;
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	return ibv_post_send(req.qp, &wr, &bad);
}

/* Post one work request on the requester with the extended API. */
static int post(enum op op, const struct ibv_sge *sge, int nsge,
		uint32_t rkey, uint64_t raddr, uint64_t a, uint64_t b,
		size_t flush_len, uint8_t flush_level, uint64_t *wr_id)
{
	struct ibv_qp_ex *qx = req.qpx;

	if (nsge > 1 && sge_list_short &&
	    (op == OP_WRITE || op == OP_READ || op == OP_SEND))
		return post_send_wr(op, sge, nsge, rkey, raddr, wr_id);
	ibv_wr_start(qx);
	qx->wr_id = *wr_id = next_wr_id++;
	qx->wr_flags = IBV_SEND_SIGNALED;
	switch (op) {
	case OP_WRITE:
		ibv_wr_rdma_write(qx, rkey, raddr);
		ibv_wr_set_sge_list(qx, nsge, sge);
		break;
	case OP_READ:
		ibv_wr_rdma_read(qx, rkey, raddr);
		ibv_wr_set_sge_list(qx, nsge, sge);
		break;
	case OP_SEND:
		ibv_wr_send(qx);
		ibv_wr_set_sge_list(qx, nsge, sge);
		break;
	case OP_CAS:
		ibv_wr_atomic_cmp_swp(qx, rkey, raddr, a, b);
		ibv_wr_set_sge_list(qx, nsge, sge);
		break;
	case OP_FAA:
		ibv_wr_atomic_fetch_add(qx, rkey, raddr, a);
		ibv_wr_set_sge_list(qx, nsge, sge);
		break;
	case OP_ATOMIC_WRITE:
		ibv_wr_atomic_write(qx, rkey, raddr, &a);
		break;
	case OP_FLUSH:
		ibv_wr_flush(qx, rkey, raddr, flush_len, IBV_FLUSH_GLOBAL,
			     flush_level);
		break;
	default:
		ibv_wr_abort(qx);
		return -1;
	}
	return ibv_wr_complete(qx);
}

/* Run one request to completion; recover the QPs if it fails. */
static int run(enum op op, const struct ibv_sge *sge, int nsge,
	       uint32_t rkey, uint64_t raddr, uint64_t a, uint64_t b,
	       size_t flush_len, uint8_t flush_level, struct ibv_wc *wc_out)
{
	uint64_t id;
	int st;

	last_run_status = -1;
	if (post(op, sge, nsge, rkey, raddr, a, b, flush_len, flush_level,
		 &id)) {
		reconnect();
		return -1;
	}
	st = wait_wc(req.cq, id, wc_out);
	last_run_status = st;
	if (st) {
		if (verbose)
			fprintf(stderr, "integrity: %s completed with %s\n",
				op_name[op], st < 0 ? "timeout" :
				ibv_wc_status_str(st));
		reconnect();
	}
	return st;
}

/* ------------------------------------------------------------------ */
/* Data cases: WRITE, READ, SEND                                       */
/* ------------------------------------------------------------------ */

struct ctx {
	enum kind kind;
	struct buf L, R;	/* requester's and responder's buffer */
	uint8_t *want;		/* expected destination window */
	uint8_t *stream;	/* the data moved */
	uint64_t iova_shift;
};

/*
 * One data case.  The stream goes from the source layout to the
 * destination layout; the destination's window is checked.
 */
static void data_case(struct ctx *c, struct tally *t, enum op op,
		      enum state st, size_t off, size_t len, bool three,
		      uint64_t seed)
{
	struct layout ll, rl;		/* local (requester), remote */
	struct buf cold = { 0 }, *dst, *src;
	const struct layout *dl, *sl;
	struct ibv_sge lsge[3], rsge[3];
	struct ibv_pd *dpd;
	struct ibv_wc wc;
	size_t win;
	bool failed = false;
	unsigned long wrong = 0;
	int ret;

	if (three)
		layout_three(&ll, off, len);
	else
		layout_one(&ll, off, len);
	if (three && op == OP_SEND)
		layout_three(&rl, off, len);
	else
		layout_one(&rl, off, len);

	if (op == OP_READ) {
		dst = &c->L; dl = &ll; dpd = req.pd;
		src = &c->R; sl = &rl;
	} else {
		dst = &c->R; dl = &rl; dpd = resp.pd;
		src = &c->L; sl = &ll;
	}
	win = layout_window(dl);

	/* the source: warm, the stream in place */
	fill_random(c->stream, len, seed);
	layout_put(sl, src->p, c->stream);

	if (set_state(dst, &cold, dpd, c->kind, st, win, c->want,
		      seed ^ 0x5a5a5a5a)) {
		failed = true;
		goto out;
	}
	if (st == ST_COLD)
		dst = &cold;
	layout_put(dl, c->want, c->stream);

	if (op == OP_READ) {
		layout_sges(&ll, dst, lsge);
		ret = run(op, lsge, ll.n, src->mr->rkey, src->iova + off,
			  0, 0, 0, 0, NULL);
	} else if (op == OP_WRITE) {
		layout_sges(&ll, src, lsge);
		ret = run(op, lsge, ll.n, dst->mr->rkey, dst->iova + off,
			  0, 0, 0, 0, NULL);
	} else {
		struct ibv_recv_wr rwr = { 0 }, *bad;
		uint64_t rid = next_wr_id++;

		layout_sges(&rl, dst, rsge);
		rwr.wr_id = rid;
		rwr.sg_list = rsge;
		rwr.num_sge = rl.n;
		if (ibv_post_recv(resp.qp, &rwr, &bad)) {
			failed = true;
			goto out;
		}
		layout_sges(&ll, src, lsge);
		ret = run(op, lsge, ll.n, 0, 0, 0, 0, 0, 0, NULL);
		if (!ret) {
			ret = wait_wc(resp.cq, rid, &wc);
			if (!ret && wc.byte_len != len)
				ret = -1;
			if (ret)
				reconnect();
		}
	}
	if (ret) {
		failed = true;
		goto out;
	}
	wrong = count_wrong(dst->p, c->want, win);
out:
	buf_free(&cold);
	record(t, wrong, failed, "%s %s %s off=%zu len=%zu%s%s",
	       op_name[op], kind_name[c->kind], state_name[st], off, len,
	       three ? " 3-sge" : "", c->iova_shift ? " iova!=addr" : "");
}

/* ------------------------------------------------------------------ */
/* Atomic cases: CAS, FAA, ATOMIC WRITE                                */
/* ------------------------------------------------------------------ */

static void atomic_case(struct ctx *c, struct tally *t, enum op op,
			enum state st, size_t off, bool expect_fail, int sub,
			uint64_t seed)
{
	struct buf cold = { 0 }, *dst = &c->R;
	size_t win = page_up(off + 8) + PAGE;
	uint8_t *lwant = c->want + BUF_SIZE / 2;	/* local window */
	struct ibv_sge sge;
	uint64_t old, a = 0, b = 0, newv;
	unsigned long wrong = 0;
	bool failed = false;
	int ret;

	if (set_state(dst, &cold, resp.pd, c->kind, st, win, c->want, seed)) {
		failed = true;
		goto out;
	}
	if (st == ST_COLD)
		dst = &cold;

	/* the local result buffer: warm, known background */
	fill_random(c->L.p, win, seed ^ 0x1234);
	memcpy(lwant, c->L.p, win);

	memcpy(&old, c->want + off, 8);
	a = rng_next(&seed) | 1;
	b = rng_next(&seed);
	switch (op) {
	case OP_CAS:
		if (sub)
			a = old ^ 1;	/* compare fails */
		else
			a = old;
		newv = a == old ? b : old;
		break;
	case OP_FAA:
		newv = old + a;
		break;
	default:	/* OP_ATOMIC_WRITE */
		newv = a;
		break;
	}

	sge.addr = c->L.iova + off;
	sge.length = 8;
	sge.lkey = c->L.mr->lkey;
	ret = run(op, &sge, 1, dst->mr->rkey, dst->iova + off, a, b, 0, 0,
		  NULL);
	if (expect_fail) {
		/* must fail, and nothing may change anywhere */
		if (!ret)
			failed = true;
		wrong = count_wrong(dst->p, c->want, win) +
			count_wrong(c->L.p, lwant, win);
		goto out;
	}
	if (ret) {
		failed = true;
		goto out;
	}
	memcpy(c->want + off, &newv, 8);
	if (op != OP_ATOMIC_WRITE)
		memcpy(lwant + off, &old, 8);
	wrong = count_wrong(dst->p, c->want, win) +
		count_wrong(c->L.p, lwant, win);
out:
	buf_free(&cold);
	record(t, wrong, failed, "%s %s %s off=%zu%s%s%s", op_name[op],
	       kind_name[c->kind], state_name[st], off,
	       op == OP_CAS ? (sub ? " compare-fails" : " compare-hits") : "",
	       expect_fail ? " misaligned(must fail)" : "",
	       c->iova_shift ? " iova!=addr" : "");
}

/* ------------------------------------------------------------------ */
/* FLUSH cases                                                         */
/* ------------------------------------------------------------------ */

/*
 * FLUSH alone must succeed and change nothing; WRITE then FLUSH must
 * leave the written data.  level is IBV_FLUSH_RANGE or IBV_FLUSH_MR.
 */
static void flush_case(struct ctx *c, struct tally *t, enum state st,
		       size_t off, size_t len, bool with_write,
		       uint8_t level, uint64_t seed)
{
	struct buf cold = { 0 }, *dst = &c->R;
	struct layout l;
	struct ibv_sge sge;
	size_t win;
	unsigned long wrong = 0;
	bool failed = false;

	layout_one(&l, off, len);
	win = layout_window(&l);
	if (set_state(dst, &cold, resp.pd, c->kind, st, win, c->want, seed)) {
		failed = true;
		goto out;
	}
	if (st == ST_COLD)
		dst = &cold;

	if (with_write) {
		fill_random(c->stream, len, seed ^ 77);
		memcpy(c->L.p + off, c->stream, len);
		layout_put(&l, c->want, c->stream);
		layout_sges(&l, &c->L, &sge);
		if (run(OP_WRITE, &sge, 1, dst->mr->rkey, dst->iova + off,
			0, 0, 0, 0, NULL)) {
			failed = true;
			goto out;
		}
	}
	if (run(OP_FLUSH, NULL, 0, dst->mr->rkey,
		level == IBV_FLUSH_MR ? dst->iova : dst->iova + off, 0, 0,
		level == IBV_FLUSH_MR ? 0 : len, level, NULL)) {
		failed = true;
		goto out;
	}
	wrong = count_wrong(dst->p, c->want, win);
out:
	buf_free(&cold);
	record(t, wrong, failed, "%s%s %s %s off=%zu len=%zu%s%s",
	       with_write ? "WRITE+" : "", "FLUSH", kind_name[c->kind],
	       state_name[st], off, len,
	       level == IBV_FLUSH_MR ? " level=mr" : " level=range",
	       c->iova_shift ? " iova!=addr" : "");
}

/* ------------------------------------------------------------------ */
/* CUnit tests                                                         */
/* ------------------------------------------------------------------ */

static int ctx_init(struct ctx *c, enum kind kind, uint64_t iova_shift)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->iova_shift = iova_shift;
	c->want = malloc(BUF_SIZE);
	c->stream = malloc(BUF_SIZE);
	if (!c->want || !c->stream)
		return -1;
	if (buf_alloc(&c->L, req.pd, BUF_SIZE, kind, iova_shift) ||
	    buf_alloc(&c->R, resp.pd, BUF_SIZE, kind, iova_shift))
		return -1;
	return 0;
}

static void ctx_fini(struct ctx *c)
{
	buf_free(&c->L);
	buf_free(&c->R);
	free(c->want);
	free(c->stream);
}

static bool state_applies(enum kind kind, enum state st)
{
	/*
	 * A pinned MR keeps its pages: after DONTNEED the CPU sees new
	 * pages the device never writes (by design), and advise_mr is an
	 * ODP verb.
	 */
	return kind == KIND_ODP || st == ST_COLD || st == ST_WARM;
}

static void run_op(enum op op, enum kind kind)
{
	struct tally *t = &tallies[op][kind];
	uint64_t seed = (uint64_t)op << 32 | (uint64_t)kind << 24;
	char name[64];
	struct ctx c;
	size_t i, j;
	int st;

	snprintf(name, sizeof(name), "%s / %s", op_name[op], kind_name[kind]);
	if ((op == OP_FLUSH && !have_flush) ||
	    (op == OP_ATOMIC_WRITE && !have_atomic_write)) {
		printf("  %s: not advertised by %s, not run\n", name, req.name);
		t->skipped++;
		return;
	}
	if (ctx_init(&c, kind, 0)) {
		record(t, 0, true, "%s: setting up the buffers", name);
		ctx_fini(&c);
		flush_hidden_failures(name);
		return;
	}

	for (st = 0; st < ST_NUM; st++) {
		if (!state_applies(kind, st))
			continue;
		if (!have_prefetch && (st == ST_DONTNEED || st == ST_PREFETCH))
			continue;
		switch (op) {
		case OP_WRITE:
		case OP_READ:
		case OP_SEND:
			for (i = 0; i < mx.n_offsets; i++) {
				for (j = 0; j < mx.n_lengths; j++)
					data_case(&c, t, op, st, mx.offsets[i],
						  mx.lengths[j], false, ++seed);
				for (j = 0; j < mx.n_sge3; j++)
					data_case(&c, t, op, st, mx.offsets[i],
						  mx.sge3[j], true, ++seed);
			}
			break;
		case OP_CAS:
		case OP_FAA:
		case OP_ATOMIC_WRITE:
			for (i = 0; i < N(atomic_offsets); i++) {
				atomic_case(&c, t, op, st, atomic_offsets[i],
					    false, 0, ++seed);
				if (op == OP_CAS)
					atomic_case(&c, t, op, st,
						    atomic_offsets[i], false, 1,
						    ++seed);
			}
			if (st == ST_WARM)
				for (i = 0; i < N(atomic_bad_offsets); i++)
					atomic_case(&c, t, op, st,
						    atomic_bad_offsets[i], true,
						    0, ++seed);
			break;
		case OP_FLUSH:
			for (i = 0; i < mx.n_offsets; i++)
				for (j = 0; j < N(flush_lengths); j++) {
					flush_case(&c, t, st, mx.offsets[i],
						   flush_lengths[j], false,
						   IBV_FLUSH_RANGE, ++seed);
					flush_case(&c, t, st, mx.offsets[i],
						   flush_lengths[j], true,
						   IBV_FLUSH_RANGE, ++seed);
				}
			flush_case(&c, t, st, 1024, 4097, true, IBV_FLUSH_MR,
				   ++seed);
			break;
		default:
			break;
		}
	}
	ctx_fini(&c);
	flush_hidden_failures(name);
}

#define OP_TEST(fn, op, kind) \
	static void fn(void) { run_op(op, kind); }

OP_TEST(t_write_odp, OP_WRITE, KIND_ODP)
OP_TEST(t_write_pin, OP_WRITE, KIND_PINNED)
OP_TEST(t_read_odp, OP_READ, KIND_ODP)
OP_TEST(t_read_pin, OP_READ, KIND_PINNED)
OP_TEST(t_send_odp, OP_SEND, KIND_ODP)
OP_TEST(t_send_pin, OP_SEND, KIND_PINNED)
OP_TEST(t_cas_odp, OP_CAS, KIND_ODP)
OP_TEST(t_cas_pin, OP_CAS, KIND_PINNED)
OP_TEST(t_faa_odp, OP_FAA, KIND_ODP)
OP_TEST(t_faa_pin, OP_FAA, KIND_PINNED)
OP_TEST(t_awrite_odp, OP_ATOMIC_WRITE, KIND_ODP)
OP_TEST(t_awrite_pin, OP_ATOMIC_WRITE, KIND_PINNED)
OP_TEST(t_flush_odp, OP_FLUSH, KIND_ODP)
OP_TEST(t_flush_pin, OP_FLUSH, KIND_PINNED)

/*
 * MRs registered with iova = address + 1 page.  The stock module uses the
 * iova as the address, i.e. one page too far; every access below stays
 * in the first BUF_SIZE - 1 page of the iova range so that, even there,
 * it stays inside the MR.
 */
static void run_iova(enum kind kind)
{
	static const size_t offs[] = { 0, 1, 1024, 4095 };
	static const size_t lens[] = { 1, 1024, 4097 };
	struct tally *t = &tallies[ROW_IOVA][kind];
	uint64_t seed = 0x10000 + kind;
	char name[64];
	struct ctx c;
	size_t i, j;

	snprintf(name, sizeof(name), "iova != address / %s", kind_name[kind]);
	if (ctx_init(&c, kind, PAGE)) {
		record(t, 0, true, "%s: ibv_reg_mr_iova", name);
		ctx_fini(&c);
		flush_hidden_failures(name);
		return;
	}
	for (i = 0; i < N(offs); i++) {
		for (j = 0; j < N(lens); j++) {
			data_case(&c, t, OP_WRITE, ST_WARM, offs[i], lens[j],
				  false, ++seed);
			data_case(&c, t, OP_READ, ST_WARM, offs[i], lens[j],
				  false, ++seed);
			data_case(&c, t, OP_SEND, ST_WARM, offs[i], lens[j],
				  false, ++seed);
			if (have_flush)
				flush_case(&c, t, ST_WARM, offs[i], lens[j],
					   true, IBV_FLUSH_RANGE, ++seed);
		}
	}
	for (i = 0; i < 3; i++) {
		size_t off = atomic_offsets[i];

		atomic_case(&c, t, OP_CAS, ST_WARM, off, false, 0, ++seed);
		atomic_case(&c, t, OP_FAA, ST_WARM, off, false, 0, ++seed);
		if (have_atomic_write)
			atomic_case(&c, t, OP_ATOMIC_WRITE, ST_WARM, off,
				    false, 0, ++seed);
	}
	if (kind == KIND_ODP && have_advise)
		data_case(&c, t, OP_WRITE, ST_PREFETCH, 1024, 4097, false,
			  ++seed);
	ctx_fini(&c);
	flush_hidden_failures(name);
}

static void t_iova_odp(void) { run_iova(KIND_ODP); }
static void t_iova_pin(void) { run_iova(KIND_PINNED); }

/*
 * Cases that misbehave in the kernel on a module without rodp's fixes run
 * only on rodp's module, or with RODP_INTEGRITY_UNSAFE=1 in a throw-away
 * guest.  True (and the case counted as skipped) when this one must not.
 */
static bool unsafe_skipped;

static bool unsafe_on_this_module(struct tally *t, const char *what,
				  const char *why)
{
	if (fixed_module || getenv("RODP_INTEGRITY_UNSAFE"))
		return false;
	unsafe_skipped = true;
	printf("  %s: not run, %s with this rdma_rxe (%s); RODP_INTEGRITY_UNSAFE=1 runs it\n",
	       what, why, module_version);
	t->skipped++;
	return true;
}

/*
 * ibv_advise_mr() is an ODP verb: on a pinned MR it must fail with
 * EINVAL.  The stock module treats the pinned umem as an ODP one and
 * reads past its allocation, so this runs only on rodp's module (or with
 * RODP_INTEGRITY_UNSAFE=1 in a throw-away guest).
 */
static void t_advise_pinned(void)
{
	struct tally *t = &tallies[ROW_ADVISE][KIND_PINNED];
	struct buf b;
	struct ibv_sge sge;
	int r1, r2;

	if (!have_advise) {
		t->skipped++;
		return;
	}
	if (unsafe_on_this_module(t, "advise_mr on a pinned MR",
				  "it would read out of bounds in the kernel"))
		return;
	if (buf_alloc(&b, req.pd, 4 * PAGE, KIND_PINNED, 0)) {
		record(t, 0, true, "advise_mr pinned: ibv_reg_mr");
		return;
	}
	sge.addr = b.iova;
	sge.length = 4 * PAGE;
	sge.lkey = b.mr->lkey;
	r1 = ibv_advise_mr(req.pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			   IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
	r2 = ibv_advise_mr(req.pd, IBV_ADVISE_MR_ADVICE_PREFETCH, 0, &sge, 1);
	record(t, 0, r1 != EINVAL, "advise_mr(pinned, sync) = %d (want EINVAL)",
	       r1);
	record(t, 0, r2 != EINVAL, "advise_mr(pinned, async) = %d (want EINVAL)",
	       r2);
	buf_free(&b);
	flush_hidden_failures("advise_mr(pinned)");
}

/*
 * An RDMA READ that fails part way, the QPs reset, then an atomic.  The
 * READ's source is an ODP MR whose last pages are unmapped: the responder
 * sends the first response packets and then a remote access NAK, so the
 * requester's completer is inside a READ response sequence when the QP
 * fails.  After the reset a FETCH_ADD must succeed and return the
 * original value.  The stock module keeps that READ sequence state
 * across the reset and completes the atomic as successful without its
 * result, with a WARN (kernel/rxe patches 0004 and 0005), so this runs
 * only on rodp's module or with RODP_INTEGRITY_UNSAFE=1.
 */
static void t_atomic_after_failed_read(void)
{
	struct tally *t = &tallies[OP_FAA][KIND_ODP];
	const size_t size = 4 * PAGE;
	uint64_t old, add, seed = 0x7ead, got, now_val;
	struct buf src = { 0 }, dst = { 0 };
	struct ibv_sge sge;
	bool failed = true;
	int st;

	if (unsafe_on_this_module(t, "FETCH_ADD after a READ failed part way",
				  "it completes wrongly and WARNs"))
		return;
	if (buf_alloc(&src, resp.pd, size, KIND_ODP, 0) ||
	    buf_alloc(&dst, req.pd, size, KIND_PINNED, 0)) {
		record(t, 0, true, "atomic after failed READ: ibv_reg_mr");
		goto out;
	}
	fill_random(src.p, size, seed);
	memset(dst.p, 0, size);
	memcpy(&old, src.p + 8, 8);
	add = rng_next(&seed) | 1;
	if (munmap(src.p + size / 2, size / 2)) {
		record(t, 0, true, "atomic after failed READ: munmap: %s",
		       strerror(errno));
		goto out;
	}

	sge.addr = dst.iova;
	sge.length = (uint32_t)size;
	sge.lkey = dst.mr->lkey;
	st = run(OP_READ, &sge, 1, src.mr->rkey, src.iova, 0, 0, 0, 0, NULL);
	if (st != IBV_WC_REM_ACCESS_ERR) {
		record(t, 0, true, "READ over unmapped pages completed with %s (want remote access error)",
		       st < 0 ? "no completion" : ibv_wc_status_str(st));
		goto out;
	}

	/* run() has reset both QPs; now the atomic. */
	sge.addr = dst.iova + PAGE;
	sge.length = 8;
	st = run(OP_FAA, &sge, 1, src.mr->rkey, src.iova + 8, add, 0, 0, 0,
		 NULL);
	memcpy(&got, dst.p + PAGE, 8);
	memcpy(&now_val, src.p + 8, 8);
	failed = st != IBV_WC_SUCCESS || got != old || now_val != old + add;
	record(t, 0, failed,
	       "FETCH_ADD odp after a READ failed part way: %s, returned %#" PRIx64 " (want %#" PRIx64 "), memory %#" PRIx64 " (want %#" PRIx64 ")",
	       st < 0 ? "no completion" : ibv_wc_status_str(st), got, old,
	       now_val, old + add);
out:
	buf_free(&dst);
	buf_free(&src);
	flush_hidden_failures("atomic after a failed READ");
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static void read_module_version(void)
{
	FILE *f = fopen("/sys/module/rdma_rxe/version", "r");

	if (f) {
		if (fgets(module_version, sizeof(module_version), f))
			module_version[strcspn(module_version, "\n")] = 0;
		fclose(f);
	} else if (!access("/sys/module/rdma_rxe", F_OK)) {
		snprintf(module_version, sizeof(module_version),
			 "no version (distribution's)");
	}
	fixed_module = strstr(module_version, "rodp") != NULL;
}

/*
 * rdma-core's release, from the file libibverbs was loaded from
 * (libibverbs.so.1.14.N.M is rdma-core N.M): 0 if it cannot be told.
 */
static int read_rdma_core_major(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], *v;
	int major = 0;

	if (!f)
		return 0;
	while (!major && fgets(line, sizeof(line), f)) {
		v = strstr(line, "/libibverbs.so.1.");
		if (v && sscanf(v, "/libibverbs.so.1.%*d.%d", &major) != 1)
			major = 0;
	}
	fclose(f);
	return major;
}

/*
 * rdma-core's rxe provider sums a WR's SGE lengths in
 * ibv_wr_set_sge_list() over the first SGE only, num_sge times, until
 * rdma-core commit 406cd2ad0 ("rxe: Fix dma.length computation in
 * wr_set_sge_list", in 64.0 and stable releases such as 56.4): a 3-SGE WRITE or READ
 * of 4097 bytes moves 3 x 1365 and leaves the last 2 bytes out, a SEND
 * arrives 2 bytes short. ibv_post_send() is not affected. A SEND of two
 * SGEs of 1 and 3 bytes between pinned MRs tells which this rdma-core
 * does: 1 when it arrives as 2 bytes (the known bug), 0 when as 4 bytes
 * holding the right data, -1 otherwise (a finding of its own).
 */
static int probe_sge_list(void)
{
	struct buf src, dst;
	struct ibv_sge sge[2], rsge;
	struct ibv_recv_wr rwr = { 0 }, *bad;
	struct ibv_wc wc;
	uint64_t rid = next_wr_id++;
	int ret = -1, st;

	if (buf_alloc(&src, req.pd, PAGE, KIND_PINNED, 0))
		return -1;
	if (buf_alloc(&dst, resp.pd, PAGE, KIND_PINNED, 0)) {
		buf_free(&src);
		return -1;
	}
	fill_random(src.p, PAGE, 0x5ce);
	memset(dst.p, 0, PAGE);
	sge[0] = (struct ibv_sge){ .addr = src.iova, .length = 1,
				   .lkey = src.mr->lkey };
	sge[1] = (struct ibv_sge){ .addr = src.iova + 64, .length = 3,
				   .lkey = src.mr->lkey };
	rsge = (struct ibv_sge){ .addr = dst.iova, .length = 64,
				 .lkey = dst.mr->lkey };
	rwr.wr_id = rid;
	rwr.sg_list = &rsge;
	rwr.num_sge = 1;
	if (ibv_post_recv(resp.qp, &rwr, &bad))
		goto out;
	st = run(OP_SEND, sge, 2, 0, 0, 0, 0, 0, 0, NULL);
	if (st)
		goto out;
	st = wait_wc(resp.cq, rid, &wc);
	if (st) {
		reconnect();
		goto out;
	}
	if (wc.byte_len == 2)
		ret = 1;
	else if (wc.byte_len == 4 && dst.p[0] == src.p[0] &&
		 !memcmp(dst.p + 1, src.p + 64, 3))
		ret = 0;
	printf("integrity: 2-SGE SEND of 1 + 3 bytes through ibv_wr_set_sge_list() arrived as %u bytes\n",
	       wc.byte_len);
out:
	buf_free(&dst);
	buf_free(&src);
	return ret;
}

/* Returns 0, or an exit status. */
static int setup(const char *dev, const char *peer)
{
	struct ibv_device_attr_ex da;
	uint32_t rc;

	if (open_device(dev, &req)) {
		printf("integrity: SKIP: no RDMA device %s\n", dev);
		return EXIT_SKIP;
	}
	same_device = !strcmp(dev, peer);
	if (same_device) {
		resp.ctx = req.ctx;
		resp.name = req.name;
	} else if (open_device(peer, &resp)) {
		printf("integrity: SKIP: no RDMA device %s\n", peer);
		return EXIT_SKIP;
	}

	memset(&da, 0, sizeof(da));
	if (ibv_query_device_ex(req.ctx, NULL, &da)) {
		printf("integrity: SKIP: ibv_query_device_ex(%s): %s\n", dev,
		       strerror(errno));
		return EXIT_SKIP;
	}
	rc = da.odp_caps.per_transport_caps.rc_odp_caps;
	if (!(da.odp_caps.general_caps & IBV_ODP_SUPPORT) ||
	    (rc & (IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
		   IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
		   IBV_ODP_SUPPORT_ATOMIC)) !=
	    (IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
	     IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
	     IBV_ODP_SUPPORT_ATOMIC)) {
		printf("integrity: SKIP: %s has no RC ODP for send/recv/write/read/atomic (general %#" PRIx64 ", rc %#x)\n",
		       dev, (uint64_t)da.odp_caps.general_caps, rc);
		return EXIT_SKIP;
	}
	have_flush = (da.device_cap_flags_ex & IB_UVERBS_DEVICE_FLUSH_GLOBAL) &&
		     (rc & IBV_ODP_SUPPORT_FLUSH);
	have_atomic_write =
		(da.device_cap_flags_ex & IB_UVERBS_DEVICE_ATOMIC_WRITE) &&
		(rc & IBV_ODP_SUPPORT_ATOMIC_WRITE);

	if (find_gid(&req) || (!same_device && find_gid(&resp))) {
		printf("integrity: SKIP: no RoCE v2 IPv4 GID on %s%s%s\n", dev,
		       same_device ? "" : " or ", same_device ? "" : peer);
		return EXIT_SKIP;
	}
	if (same_device) {
		resp.gid = req.gid;
		resp.gid_index = req.gid_index;
		resp.mtu = req.mtu;
	}

	req.pd = ibv_alloc_pd(req.ctx);
	resp.pd = same_device ? req.pd : ibv_alloc_pd(resp.ctx);
	req.cq = ibv_create_cq(req.ctx, 64, NULL, NULL, 0);
	resp.cq = ibv_create_cq(resp.ctx, 64, NULL, NULL, 0);
	if (!req.pd || !resp.pd || !req.cq || !resp.cq) {
		fprintf(stderr, "integrity: PD/CQ: %s\n", strerror(errno));
		return EXIT_HARD;
	}

	send_ops = IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_READ |
		   IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |
		   IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD |
		   (have_flush ? IBV_QP_EX_WITH_FLUSH : 0) |
		   (have_atomic_write ? IBV_QP_EX_WITH_ATOMIC_WRITE : 0);
	if (create_qp(&req) || create_qp(&resp)) {
		/* a finding if the device advertised flush/atomic write */
		fprintf(stderr, "integrity: creating a QP with flush=%d atomic_write=%d: %s\n",
			have_flush, have_atomic_write, strerror(errno));
		return EXIT_HARD;
	}
	mr_access_base = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC |
			 (have_flush ? IBV_ACCESS_FLUSH_GLOBAL : 0);
	if (reconnect()) {
		fprintf(stderr, "integrity: connecting the QPs: %s\n",
			strerror(errno));
		return EXIT_HARD;
	}
	if (implicit_odp) {
		int access = mr_access_base | IBV_ACCESS_ON_DEMAND;

		req.imr = ibv_reg_mr(req.pd, NULL, SIZE_MAX, access);
		resp.imr = same_device ? req.imr :
			   ibv_reg_mr(resp.pd, NULL, SIZE_MAX, access);
		if (!req.imr || !resp.imr) {
			printf("integrity: FAIL: --implicit: an implicit ODP MR (addr NULL, length SIZE_MAX, access %#x): %s\n",
			       access, strerror(errno));
			return 1;
		}
	}

	/* advise_mr: rdma-core older than 65 answers EOPNOTSUPP on rxe */
	{
		struct buf b;
		struct ibv_sge sge;

		if (!buf_alloc(&b, req.pd, PAGE, KIND_ODP, 0)) {
			sge.addr = b.iova;
			sge.length = PAGE;
			sge.lkey = b.mr->lkey;
			advise_err = ibv_advise_mr(req.pd,
					IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
					IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
			have_advise = !advise_err;
			buf_free(&b);
		}
	}
	have_prefetch = have_advise;
	/* Without it, rodp.ko's prefetch through librodp, if it works. */
	if (!have_advise) {
		struct buf b;

		prefetch_rodp = true;
		if (!buf_alloc(&b, req.pd, PAGE, KIND_ODP, 0)) {
			have_prefetch = !prefetch(&b, 0, PAGE);
			if (!have_prefetch)
				printf("integrity: rodp_prefetch_mr: %s\n",
				       rodp_last_error_msg());
			buf_free(&b);
		}
		prefetch_rodp = have_prefetch;
	}

	switch (probe_sge_list()) {
	case 0:
		break;
	case 1:
		sge_list_short = true;
		printf("integrity: this rdma-core's ibv_wr_set_sge_list() miscounts a WR's length (num_sge x the first SGE's): WRs of several SGEs go through ibv_post_send()\n");
		break;
	default:
		printf("integrity: FAIL: a 2-SGE SEND between pinned MRs did not arrive as 4 bytes of the right data\n");
		return 1;
	}

	rdma_core_major = read_rdma_core_major();
	read_module_version();
	printf("integrity: %s -> %s (%s), path MTU %d, rdma_rxe %s%s\n",
	       dev, peer, same_device ? "loopback" : "two devices",
	       128 << req.mtu, module_version,
	       fixed_module ? " (rodp)" : "");
	if (implicit_odp)
		printf("integrity: --implicit: every ODP buffer (but iova != address) through one implicit MR per PD\n");
	printf("integrity: rdma-core %d, flush %s, atomic write %s, advise_mr %s, prefetch %s\n",
	       rdma_core_major,
	       have_flush ? "yes" : "no", have_atomic_write ? "yes" : "no",
	       have_advise ? "yes" : strerror(advise_err),
	       have_advise ? "ibv_advise_mr" :
	       prefetch_rodp ? "rodp_prefetch_mr (rodp.ko; iova != address cases not prefetched)" :
	       "none (dontneed/prefetch states not run)");
	return 0;
}

static void teardown(void)
{
	if (!same_device && resp.imr)
		ibv_dereg_mr(resp.imr);
	if (req.imr)
		ibv_dereg_mr(req.imr);
	if (req.qp)
		ibv_destroy_qp(req.qp);
	if (resp.qp)
		ibv_destroy_qp(resp.qp);
	if (req.cq)
		ibv_destroy_cq(req.cq);
	if (resp.cq)
		ibv_destroy_cq(resp.cq);
	if (!same_device && resp.pd)
		ibv_dealloc_pd(resp.pd);
	if (req.pd)
		ibv_dealloc_pd(req.pd);
	if (!same_device && resp.ctx)
		ibv_close_device(resp.ctx);
	if (req.ctx)
		ibv_close_device(req.ctx);
}

static void print_table(void)
{
	unsigned long c = 0, k = 0, f = 0, b = 0;

	printf("\n%-20s %-7s %7s %8s %7s %12s\n", "operation", "mr",
	       "cases", "corrupt", "failed", "bytes wrong");
	for (int row = 0; row < OP_NUM + 2; row++) {
		for (int kind = 0; kind < KIND_NUM; kind++) {
			struct tally *t = &tallies[row][kind];

			if (!t->cases && !t->skipped)
				continue;
			if (!t->cases) {
				printf("%-20s %-7s %7s\n", row_name(row),
				       kind_name[kind], "not run");
				continue;
			}
			printf("%-20s %-7s %7lu %8lu %7lu %12lu\n",
			       row_name(row), kind_name[kind], t->cases,
			       t->corrupt, t->failed, t->bytes_wrong);
			c += t->cases;
			k += t->corrupt;
			f += t->failed;
			b += t->bytes_wrong;
		}
	}
	printf("%-20s %-7s %7lu %8lu %7lu %12lu\n\n", "total", "", c, k, f, b);
}

/*
 * --expect-stock-bug: the two cases of the report, warm, ODP and pinned.
 * 1: ODP both corrupt and pinned clean (the known bug, XFAIL);
 * 0: ODP clean (the bug is gone: XPASS); 99: anything else.
 */
static int expect_stock_bug(void)
{
	static const size_t cases[2][2] = { { 0, 4096 }, { 1024, 1024 } };
	int odp_bad = 0, pin_bad = 0, fails = 0;

	for (int kind = 0; kind < KIND_NUM; kind++) {
		struct tally *t = &tallies[OP_WRITE][kind];
		struct ctx c;

		if (ctx_init(&c, kind, 0)) {
			ctx_fini(&c);
			return EXIT_HARD;
		}
		for (int i = 0; i < 2; i++) {
			unsigned long before = t->corrupt;

			data_case(&c, t, OP_WRITE, ST_WARM, cases[i][0],
				  cases[i][1], false, 42 + i);
			if (t->corrupt > before)
				*(kind == KIND_ODP ? &odp_bad : &pin_bad) += 1;
		}
		fails += t->failed;
		ctx_fini(&c);
	}
	print_table();
	if (fails || pin_bad) {
		printf("integrity: --expect-stock-bug: unexpected: %d failed, %d pinned cases corrupt\n",
		       fails, pin_bad);
		return EXIT_HARD;
	}
	if (odp_bad == 2) {
		printf("integrity: --expect-stock-bug: ODP RDMA WRITE corrupts data as the stock rdma_rxe (%s) is known to do\n",
		       module_version);
		return 1;
	}
	if (odp_bad == 0) {
		printf("integrity: --expect-stock-bug: the loaded rdma_rxe (%s) no longer corrupts ODP data: the stock bug is gone\n",
		       module_version);
		return 0;
	}
	printf("integrity: --expect-stock-bug: only %d of 2 ODP cases corrupt: not the known bug\n",
	       odp_bad);
	return EXIT_HARD;
}

static int expect_status = EXIT_HARD;

static void t_expect_stock_bug(void)
{
	expect_status = expect_stock_bug();
}

/*
 * No case is dropped silently. Every case the matrix leaves out is left
 * out for one of the reasons below, found by a capability probe in
 * setup() or by the module check; each found is named in one "SKIP:"
 * line (the first, which tests/vm/capability-skips is matched against).
 * On rodp's rdma_rxe, which advertises FLUSH, ATOMIC WRITE and advise_mr
 * for ODP, a capability the device does not advertise is a failure; one
 * this rdma-core cannot express (built without the verbs) is a skip that
 * tests/vm/capability-skips must list. Returns the exit status for a run
 * whose cases all passed: 0, EXIT_SKIP or 1.
 */
#define VERDICT_LEN 1024

static void note(char *buf, size_t *len, const char *text)
{
	*len += (size_t)snprintf(buf + *len, VERDICT_LEN - *len, "%s%s",
				 *len ? "; " : "", text);
	if (*len > VERDICT_LEN - 1)
		*len = VERDICT_LEN - 1;
}

/*
 * rdma-core's rxe provider passes ibv_advise_mr() to the kernel from
 * rdma-core 61 on; before, it answers EOPNOTSUPP itself, whatever the
 * module (Debian trixie's 56).
 */
static bool advise_missing_in_rdma_core(void)
{
	return advise_err == EOPNOTSUPP && rdma_core_major &&
	       rdma_core_major < 61;
}

static int capability_verdict(void)
{
	char skips[VERDICT_LEN] = "", fails[VERDICT_LEN] = "";
	size_t sl = 0, fl = 0;

	if (!HAVE_DECL_IBV_WR_FLUSH)
		note(skips, &sl, "FLUSH cases not run: this rdma-core cannot post FLUSH");
	else if (!HAVE_DECL_IBV_ODP_SUPPORT_FLUSH)
		note(skips, &sl, "FLUSH cases not run: this rdma-core cannot see FLUSH advertised for ODP");
	else if (!have_flush && fixed_module)
		note(fails, &fl, "FLUSH not advertised for ODP by rodp's rdma_rxe");
	else if (!have_flush)
		note(skips, &sl, "FLUSH cases not run: not advertised for ODP by the device");
	if (!HAVE_DECL_IBV_ODP_SUPPORT_ATOMIC_WRITE)
		note(skips, &sl, "ATOMIC WRITE cases not run: this rdma-core cannot see it advertised for ODP");
	else if (!have_atomic_write && fixed_module)
		note(fails, &fl, "ATOMIC WRITE not advertised for ODP by rodp's rdma_rxe");
	else if (!have_atomic_write)
		note(skips, &sl, "ATOMIC WRITE cases not run: not advertised for ODP by the device");
	if (!have_advise && fixed_module && advise_missing_in_rdma_core() &&
	    prefetch_rodp)
		note(skips, &sl, "advise_mr on a pinned MR not run: this rdma-core's rxe provider answers ibv_advise_mr with EOPNOTSUPP (it passes it to the kernel from rdma-core 61); the ODP prefetch states ran through rodp_prefetch_mr");
	else if (!have_advise && fixed_module && advise_missing_in_rdma_core() &&
		 implicit_odp)
		note(skips, &sl, "--implicit: dontneed and prefetch cases not run: this rdma-core's rxe provider answers ibv_advise_mr with EOPNOTSUPP (it passes it to the kernel from rdma-core 61), and an implicit MR has no single region for rodp_prefetch_mr");
	else if (!have_advise && fixed_module)
		note(fails, &fl, "ibv_advise_mr refused by rodp's rdma_rxe");
	else if (!have_advise)
		note(skips, &sl, "dontneed and prefetch cases not run: ibv_advise_mr refused");
	if (sge_list_short)
		note(skips, &sl, "3-SGE cases posted with ibv_post_send, not ibv_wr_set_sge_list: this rdma-core's rxe provider gives such a WR num_sge times its first SGE's length (fixed by rdma-core commit 406cd2ad0, in 64.0 and in stable releases such as 56.4)");
	if (unsafe_skipped)
		note(skips, &sl, "advise_mr on a pinned MR and FETCH_ADD after a failed READ not run on a distribution's rdma_rxe");
	if (fl) {
		printf("integrity: FAIL: %s\n", fails);
		return 1;
	}
	if (sl) {
		printf("integrity: SKIP: %s\n", skips);
		return EXIT_SKIP;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: integrity [-q|--quick] [-v|--verbose] [--expect-stock-bug]\n"
		"                 [--implicit]\n"
		"Byte-for-byte data integrity of RDMA operations on ODP and pinned MRs;\n"
		"--implicit reaches every ODP buffer through an implicit ODP MR.\n"
		"Environment: RODP_DEV (requester, default rxe0), RODP_PEER_DEV\n"
		"(responder, default RODP_DEV), RODP_QUICK=1 (same as -q),\n"
		"RODP_INTEGRITY_UNSAFE=1 (run advise_mr on a pinned MR and an atomic\n"
		"after a failed READ even on a module that is not rodp's: they may\n"
		"crash the kernel or WARN).\n");
}

int main(int argc, char **argv)
{
	const char *dev = getenv("RODP_DEV"), *peer = getenv("RODP_PEER_DEV");
	bool quick = getenv("RODP_QUICK") && strcmp(getenv("RODP_QUICK"), "0");
	bool expect_bug = false;
	CU_pSuite s;
	double t0;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--expect-stock-bug")) {
			expect_bug = true;
		} else if (!strcmp(argv[i], "--implicit")) {
			implicit_odp = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!dev || !*dev)
		dev = "rxe0";
	if (!peer || !*peer)
		peer = dev;
	if (quick) {
		mx.offsets = offsets_quick;
		mx.n_offsets = N(offsets_quick);
		mx.lengths = lengths_quick;
		mx.n_lengths = N(lengths_quick);
		mx.sge3 = sge3_quick;
		mx.n_sge3 = N(sge3_quick);
	} else {
		mx.offsets = offsets_full;
		mx.n_offsets = N(offsets_full);
		mx.lengths = lengths_full;
		mx.n_lengths = N(lengths_full);
		mx.sge3 = sge3_full;
		mx.n_sge3 = N(sge3_full);
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = setup(dev, peer);
	if (ret) {
		teardown();
		return ret;
	}

	if (CU_initialize_registry() != CUE_SUCCESS)
		return EXIT_HARD;
	if (expect_bug && fixed_module) {
		printf("integrity: SKIP: --expect-stock-bug is for the distribution's rdma_rxe; rodp's (%s) is loaded\n",
		       module_version);
		CU_cleanup_registry();
		teardown();
		return EXIT_SKIP;
	}
	if (expect_bug) {
		s = CU_add_suite("expect-stock-bug", NULL, NULL);
		if (!s || !CU_add_test(s, "RDMA WRITE 4096@0 and 1024@1024, odp and pinned",
				       t_expect_stock_bug)) {
			CU_cleanup_registry();
			teardown();
			return EXIT_HARD;
		}
		CU_basic_set_mode(CU_BRM_NORMAL);
		CU_basic_run_tests();
		printf("integrity: %lu passed, %lu failed\n", total_pass,
		       total_fail);
		CU_cleanup_registry();
		teardown();
		return expect_status;
	}

	s = CU_add_suite("integrity", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "RDMA WRITE / odp", t_write_odp) ||
	    !CU_add_test(s, "RDMA WRITE / pinned", t_write_pin) ||
	    !CU_add_test(s, "RDMA READ / odp", t_read_odp) ||
	    !CU_add_test(s, "RDMA READ / pinned", t_read_pin) ||
	    !CU_add_test(s, "SEND/RECV / odp", t_send_odp) ||
	    !CU_add_test(s, "SEND/RECV / pinned", t_send_pin) ||
	    !CU_add_test(s, "ATOMIC CMP&SWP / odp", t_cas_odp) ||
	    !CU_add_test(s, "ATOMIC CMP&SWP / pinned", t_cas_pin) ||
	    !CU_add_test(s, "ATOMIC FETCH&ADD / odp", t_faa_odp) ||
	    !CU_add_test(s, "ATOMIC FETCH&ADD / pinned", t_faa_pin) ||
	    !CU_add_test(s, "ATOMIC WRITE / odp", t_awrite_odp) ||
	    !CU_add_test(s, "ATOMIC WRITE / pinned", t_awrite_pin) ||
	    !CU_add_test(s, "FLUSH / odp", t_flush_odp) ||
	    !CU_add_test(s, "FLUSH / pinned", t_flush_pin) ||
	    !CU_add_test(s, "iova != address / odp", t_iova_odp) ||
	    !CU_add_test(s, "iova != address / pinned", t_iova_pin) ||
	    !CU_add_test(s, "advise_mr on a pinned MR", t_advise_pinned) ||
	    !CU_add_test(s, "FETCH_ADD after a READ failed part way",
			 t_atomic_after_failed_read)) {
		CU_cleanup_registry();
		teardown();
		return EXIT_HARD;
	}

	t0 = now();
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	print_table();
	if (implicit_odp && implicit_child_seen < 0) {
		printf("integrity: FAIL: --implicit, yet no freed buffer lay in a child umem of an implicit MR\n");
		total_fail++;
	} else if (implicit_odp && implicit_child_seen) {
		printf("integrity: --implicit: the buffers lay in children of the implicit MRs (rodp.ko)\n");
	}
	printf("integrity: %.1f s, %s matrix\n", now() - t0,
	       quick ? "quick" : "full");
	printf("integrity: %lu passed, %lu failed\n", total_pass, total_fail);
	ret = (total_fail || CU_get_number_of_failures()) ? 1 : 0;
	if (!ret)
		ret = capability_verdict();
	CU_cleanup_registry();
	teardown();
	return ret;
}
