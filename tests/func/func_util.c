// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Helpers of the rodp.ko functional tests; see func_util.h. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/rodp_internal.h"
#include "../cunit_run.h"
#include "func_util.h"

#define LB_TIMEOUT_S 20

/*
 * How long one transfer may take: 20 s, or $RODP_FUNC_TIMEOUT_S where the
 * machine is known to be slower (the KASAN and lockdep kernel of
 * tests/vm/check-debug, where a 64 MiB pass outlasted 20 s).
 */
static double lb_timeout_s(void)
{
	const char *s = getenv("RODP_FUNC_TIMEOUT_S");
	double v = s ? strtod(s, NULL) : 0;

	return v > 0 ? v : LB_TIMEOUT_S;
}

/* ---- the loopback pair ---------------------------------------------- */

static int lb_find_gid(struct lb *lb)
{
	static const uint8_t v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	struct ibv_port_attr pa;
	struct ibv_gid_entry e;
	int i;

	if (ibv_query_port(lb->ctx, 1, &pa))
		return -1;
	lb->mtu = pa.active_mtu < IBV_MTU_1024 ? pa.active_mtu : IBV_MTU_1024;
	for (i = 0; i < pa.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(lb->ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type != IBV_GID_TYPE_ROCE_V2 ||
		    memcmp(e.gid.raw, v4mapped, sizeof(v4mapped)))
			continue;
		lb->gid = e.gid;
		lb->gid_index = i;
		return 0;
	}
	return -1;
}

static int lb_qp_to_rts(struct lb *lb, int me)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RESET;
	if (ibv_modify_qp(lb->qp[me], &a, IBV_QP_STATE))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;
	if (ibv_modify_qp(lb->qp[me], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = lb->mtu;
	a.dest_qp_num = lb->qp[!me]->qp_num;
	a.max_dest_rd_atomic = 16;
	a.min_rnr_timer = 1;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = lb->gid;
	a.ah_attr.grh.sgid_index = lb->gid_index;
	a.ah_attr.grh.hop_limit = 64;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(lb->qp[me], &a, IBV_QP_STATE | IBV_QP_AV |
			  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -1;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 16;
	return ibv_modify_qp(lb->qp[me], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

static int lb_connect(struct lb *lb)
{
	struct ibv_wc wc[16];
	int i;

	if (lb_qp_to_rts(lb, 0) || lb_qp_to_rts(lb, 1))
		return -1;
	for (i = 0; i < 2; i++)
		while (ibv_poll_cq(lb->cq[i], 16, wc) > 0)
			;
	return 0;
}

/*
 * Where the harness brought the device up (the guest sets
 * RODP_REQUIRE_DEVICE=1 once rxe0 is there), a loopback that cannot be
 * set up is the test's failure, never a reason to skip: print FAIL and
 * exit 1 here, so no caller can turn it into "no usable RDMA device".
 */
static void lb_required_failed(const char *dev, const char *why)
{
	const char *req = getenv("RODP_REQUIRE_DEVICE");

	if (!req || strcmp(req, "1"))
		return;
	printf("FAIL: RC loopback on %s (RODP_REQUIRE_DEVICE=1): %s\n", dev,
	       why);
	fflush(stdout);
	exit(1);
}

int lb_open(struct lb *lb, const char *dev)
{
	struct ibv_device **list;
	const char *what = "";
	char why[256];
	int i, n, err;

	memset(lb, 0, sizeof(*lb));
	lb->next_wr_id = 1;
	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			lb->ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!lb->ctx) {
		fprintf(stderr, "no RDMA device %s\n", dev);
		lb_required_failed(dev, "the device is missing");
		return -1;
	}
	lb->pd = ibv_alloc_pd(lb->ctx);
	if (!lb->pd) {
		what = "ibv_alloc_pd";
		goto out_close;
	}
	if (lb_find_gid(lb)) {
		what = "no RoCE v2 IPv4 GID on port 1";
		goto out_close;
	}
	for (i = 0; i < 2; i++) {
		struct ibv_qp_init_attr a = {
			.cap = {
				.max_send_wr = 16, .max_recv_wr = 16,
				.max_send_sge = 1, .max_recv_sge = 1,
			},
			.qp_type = IBV_QPT_RC,
		};

		lb->cq[i] = ibv_create_cq(lb->ctx, 32, NULL, NULL, 0);
		if (!lb->cq[i]) {
			what = "ibv_create_cq";
			goto out_close;
		}
		a.send_cq = a.recv_cq = lb->cq[i];
		lb->qp[i] = ibv_create_qp(lb->pd, &a);
		if (!lb->qp[i]) {
			what = "ibv_create_qp";
			goto out_close;
		}
	}
	if (lb_connect(lb)) {
		what = "connecting the QPs (INIT, RTR, RTS)";
		goto out_close;
	}
	return 0;

out_close:
	err = errno;
	fprintf(stderr, "cannot set up an RC loopback pair on %s: %s: %s\n",
		dev, what, strerror(err));
	lb_close(lb);
	snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
	lb_required_failed(dev, why);
	errno = err;
	return -1;
}

void lb_close(struct lb *lb)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (lb->qp[i])
			ibv_destroy_qp(lb->qp[i]);
		if (lb->cq[i])
			ibv_destroy_cq(lb->cq[i]);
	}
	if (lb->pd)
		ibv_dealloc_pd(lb->pd);
	if (lb->ctx)
		ibv_close_device(lb->ctx);
	memset(lb, 0, sizeof(*lb));
}

static double lb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * After an error both QPs go to the error state, the responder from its
 * own task a little later: let that settle before starting them again,
 * or a responder that fails afterwards breaks the next transfer.
 */
static int lb_reconnect(struct lb *lb)
{
	int i;

	for (i = 1; i <= 10; i++) {
		usleep(10000 * i);
		if (!lb_connect(lb))
			return 0;
	}
	fprintf(stderr, "cannot reconnect the loopback pair: %s\n",
		strerror(errno));
	return -1;
}

int lb_recover(struct lb *lb)
{
	return lb_reconnect(lb);
}

/* One posted transfer: its completion status, or -1. */
static int lb_rdma_once(struct lb *lb, enum ibv_wr_opcode op, void *laddr,
			uint32_t lkey, size_t len, uint64_t raddr,
			uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)laddr, .length = (uint32_t)len, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = lb->next_wr_id++, .sg_list = &sge, .num_sge = 1,
		.opcode = op, .send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;
	double deadline = lb_now() + lb_timeout_s();
	struct ibv_wc wc;
	int n, status = -1;

	if (ibv_post_send(lb->qp[0], &wr, &bad))
		return -1;
	for (;;) {
		n = ibv_poll_cq(lb->cq[0], 1, &wc);
		if (n < 0)
			break;
		if (n == 1 && wc.wr_id == wr.wr_id) {
			status = wc.status;
			break;
		}
		if (lb_now() > deadline)
			break;
		if (!n)
			usleep(20);
	}
	return status;
}

int lb_rdma(struct lb *lb, enum ibv_wr_opcode op, void *laddr, uint32_t lkey,
	    size_t len, uint64_t raddr, uint32_t rkey)
{
	int attempt, status = -1;

	/*
	 * A transfer that failed because a QP was not ready (flushed,
	 * retries exhausted, timed out) never touched memory and is tried
	 * again, visibly; a memory access error is the answer and is not.
	 */
	for (attempt = 0; attempt < 3; attempt++) {
		status = lb_rdma_once(lb, op, laddr, lkey, len, raddr, rkey);
		if (status == IBV_WC_SUCCESS)
			return status;
		lb_reconnect(lb);
		if (status != -1 && status != IBV_WC_WR_FLUSH_ERR &&
		    status != IBV_WC_RETRY_EXC_ERR)
			return status;
		printf("\n    (loopback: %s, transfer tried again)",
		       status == -1 ? "no completion" :
		       ibv_wc_status_str(status));
	}
	return status;
}

struct ibv_mr *lb_reg_odp(struct lb *lb, void *addr, size_t len)
{
	return ibv_reg_mr(lb->pd, addr, len, IBV_ACCESS_ON_DEMAND |
			  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			  IBV_ACCESS_REMOTE_READ);
}

/* ---- the fixture ----------------------------------------------------- */

/*
 * RODP_FUNC_MR=implicit: the fixture reaches its region through an
 * implicit ODP MR (the whole address space; rxe's 2 MiB children, which
 * rodp.ko tracks as regions of their own) instead of an MR of its own.
 */
static bool fix_implicit(void)
{
	const char *kind = getenv("RODP_FUNC_MR");

	if (!kind || !*kind || !strcmp(kind, "explicit"))
		return false;
	if (!strcmp(kind, "implicit"))
		return true;
	printf("FAIL: RODP_FUNC_MR=%s: explicit or implicit\n", kind);
	exit(1);
}

/*
 * rodp.ko's regions of this process cover every page of [addr, +len), and
 * those regions are (implicit) or are not the children of an implicit MR.
 */
static bool fix_covered(struct rodp_ctx *ctx, const uint8_t *addr, size_t len,
			bool implicit)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off;
	struct func_region r[64];
	int i, n = func_regions(ctx, getpid(), r, 64);

	for (off = 0; off < len; off += page) {
		uintptr_t a = (uintptr_t)addr + off;

		for (i = 0; i < n && i < 64; i++)
			if (r[i].addr <= a && a < r[i].addr + r[i].length)
				break;
		if (i == n || i == 64) {
			printf("FAIL: no region of rodp.ko covers %#lx\n",
			       (unsigned long)a);
			return false;
		}
		if (r[i].implicit_child != implicit) {
			printf("FAIL: region %llu covering %#lx says implicit-child %d, want %d\n",
			       (unsigned long long)r[i].id, (unsigned long)a,
			       r[i].implicit_child, implicit);
			return false;
		}
	}
	return true;
}

void func_fix_init(struct func_fix *f, struct lb *lb, struct rodp_ctx *ctx,
		   uint32_t policy, size_t npages)
{
	bool implicit = fix_implicit();

	f->lb = lb;
	f->page = (size_t)sysconf(_SC_PAGESIZE);
	f->len = npages * f->page;
	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(ctx, policy), 0);
	f->buf = mmap(NULL, f->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(f->buf != MAP_FAILED);
	f->loc = aligned_alloc(f->page, f->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->loc);
	f->loc_mr = ibv_reg_mr(lb->pd, f->loc, f->len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->loc_mr);
	if (implicit)
		f->mr = ibv_reg_mr(lb->pd, NULL, SIZE_MAX,
				   IBV_ACCESS_ON_DEMAND | IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ);
	else
		f->mr = lb_reg_odp(lb, f->buf, f->len);
	if (!f->mr)
		printf("FAIL: %s ODP registration: %s\n",
		       implicit ? "implicit" : "explicit", strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->mr);
	CU_ASSERT_EQUAL_FATAL(func_dev_write(f, 0, npages, 1), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL_FATAL(func_check(f->buf, f->len, 1), 0);
	/*
	 * The device's faults made the children that rodp.ko must track (and
	 * show as such); an explicit MR's umem is its own region.
	 */
	CU_ASSERT_FATAL(fix_covered(ctx, f->buf, f->len, implicit));
}

void func_fix_fini(struct func_fix *f)
{
	CU_ASSERT_EQUAL(ibv_dereg_mr(f->mr), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(f->loc_mr), 0);
	munmap(f->buf, f->len);	/* parts may be gone already */
	free(f->loc);
}

int func_dev_write(struct func_fix *f, size_t first, size_t n, uint8_t seed)
{
	func_fill(f->loc, n * f->page, seed);
	return lb_rdma(f->lb, IBV_WR_RDMA_WRITE, f->loc, f->loc_mr->lkey,
		       n * f->page, (uintptr_t)f->buf + first * f->page,
		       f->mr->rkey);
}

int func_dev_read(struct func_fix *f, size_t first, size_t n)
{
	memset(f->loc, 0xee, n * f->page);
	return lb_rdma(f->lb, IBV_WR_RDMA_READ, f->loc, f->loc_mr->lkey,
		       n * f->page, (uintptr_t)f->buf + first * f->page,
		       f->mr->rkey);
}

/* ---- rodp.ko --------------------------------------------------------- */

const char *func_dev_name(void)
{
	const char *dev = getenv("RODP_DEV");

	return dev && *dev ? dev : "rxe0";
}

struct rodp_ctx *func_rodp_open(void)
{
	bool required = getenv("RODP_REQUIRE_MODULE") != NULL;
	struct rodp_ctx *ctx = rodp_open();

	if (ctx)
		return ctx;
	printf("%s: rodp_open: %s\n", required ? "FAIL" : "SKIP",
	       errno == ENODEV ? "rodp.ko is not loaded" : strerror(errno));
	exit(required ? 1 : RODP_TEST_SKIP);
}

/* Copies what rodp_get_regions() passes into the caller's array. */
struct region_copy {
	struct func_region *out;
	int max, n;
};

static int region_copy(const struct rodp_region_info *info, void *arg)
{
	struct region_copy *c = arg;
	struct func_region *r;
	uint32_t i;

	if (c->n++ >= c->max)
		return 0;
	r = &c->out[c->n - 1];
	memset(r, 0, sizeof(*r));
	r->id = info->id;
	r->pid = info->pid;
	r->addr = info->addr;
	r->length = info->length;
	r->state = info->state;
	r->bound = info->bound;
	r->lkey = info->lkey;
	r->implicit_child = info->implicit_child;
	for (i = 0; i < info->nr_ranges && i < FUNC_MAX_RANGES; i++) {
		r->range[i].start = info->ranges[i].start;
		r->range[i].length = info->ranges[i].length;
	}
	r->nranges = i;
	r->stats = info->stats;
	return 0;
}

int func_regions(struct rodp_ctx *ctx, pid_t pid, struct func_region *out,
		 int max)
{
	struct region_copy c = { .out = out, .max = max };
	int err;

	err = rodp_get_regions(ctx, pid, region_copy, &c);
	return err ? -err : c.n;
}

int func_region_at(struct rodp_ctx *ctx, void *addr, struct func_region *r)
{
	struct func_region all[64];
	int i, n;

	n = func_regions(ctx, getpid(), all, 64);
	if (n < 0)
		return n;
	for (i = 0; i < n && i < 64; i++) {
		if (all[i].addr == (uintptr_t)addr) {
			*r = all[i];
			return 0;
		}
	}
	return -ENOENT;
}

struct prefetch_req {
	uint64_t id;
	uint32_t flags;
};

static int prefetch_put(struct nl_msg *msg, void *arg)
{
	struct prefetch_req *p = arg;

	if (nla_put_u64(msg, RODP_A_REGION_ID, p->id) < 0 ||
	    nla_put_u32(msg, RODP_A_PREFETCH_FLAGS, p->flags) < 0)
		return EMSGSIZE;
	return 0;
}

int func_prefetch(struct rodp_ctx *ctx, uint64_t region_id, uint32_t flags)
{
	struct prefetch_req p = { .id = region_id, .flags = flags };

	return rodp_nl_request(ctx, RODP_CMD_PREFETCH, 0, prefetch_put, NULL,
			       &p);
}

struct trusted_query {
	uint64_t id;
	int trusted;
};

static int trusted_put(struct nl_msg *msg, void *arg)
{
	struct trusted_query *q = arg;

	return nla_put_u64(msg, RODP_A_REGION_ID, q->id) < 0 ? EMSGSIZE : 0;
}

static int trusted_parse(struct nlattr **tb, void *arg)
{
	struct trusted_query *q = arg;

	if (tb[RODP_A_DEVICE_TRUSTED])
		q->trusted = nla_get_u8(tb[RODP_A_DEVICE_TRUSTED]);
	return 0;
}

int func_region_trusted(struct rodp_ctx *ctx, uint64_t region_id)
{
	struct trusted_query q = { .id = region_id, .trusted = -ENODATA };
	int err;

	err = rodp_nl_request(ctx, RODP_CMD_REGION_GET, 0, trusted_put,
			      trusted_parse, &q);
	return err ? -err : q.trusted;
}

int func_rxe_is_rodps(void)
{
	char version[64] = "";
	FILE *f = fopen("/sys/module/rdma_rxe/version", "r");

	if (!f)
		return access("/sys/module/rdma_rxe", F_OK) ? -1 : 0;
	if (!fgets(version, sizeof(version), f))
		version[0] = 0;
	fclose(f);
	return !strncmp(version, "rodp.", 5);
}

void func_proc_stats(struct rodp_ctx *ctx, struct rodp_stats *s)
{
	int err = rodp_get_stats(ctx, getpid(), s, sizeof(*s));

	if (err) {
		printf("FAIL: rodp_get_stats(pid %d): %s %s\n", (int)getpid(),
		       strerror(err), rodp_last_error_msg());
		exit(1);
	}
}

/* ---- /proc ----------------------------------------------------------- */

int func_clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, "4", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

int func_soft_dirty_bits(const void *addr, size_t npages, bool *dirty)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t first = (uintptr_t)addr / page;
	uint64_t e[512];	/* pagemap entries, read this many at a time */
	size_t i, done, n;
	int fd, ret = 0;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -1;
	for (done = 0; done < npages && !ret; done += n) {
		n = npages - done < 512 ? npages - done : 512;
		if (pread(fd, e, n * sizeof(e[0]), (first + done) * sizeof(e[0])) !=
		    (ssize_t)(n * sizeof(e[0]))) {
			ret = -1;
			break;
		}
		for (i = 0; i < n; i++)
			dirty[done + i] = e[i] >> 55 & 1;
	}
	close(fd);
	return ret;
}

long func_soft_dirty_pages(void *addr, size_t len)
{
	long page = sysconf(_SC_PAGESIZE), n = (len + page - 1) / page;
	long i, count = 0;
	bool *dirty = calloc(n ? n : 1, sizeof(*dirty));

	if (!dirty)
		return -1;
	if (func_soft_dirty_bits(addr, n, dirty))
		count = -1;
	for (i = 0; count >= 0 && i < n; i++)
		count += dirty[i];
	free(dirty);
	return count;
}

void func_fill(void *p, size_t len, uint8_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

size_t func_check_from(const void *base, size_t off, size_t len,
		       uint8_t seed)
{
	const uint8_t *b = base;
	size_t i, wrong = 0;

	for (i = off; i < off + len; i++)
		if (b[i] != (uint8_t)(seed + i * 7 + (i >> 12)))
			wrong++;
	return wrong;
}

size_t func_check(const void *p, size_t len, uint8_t seed)
{
	return func_check_from(p, 0, len, seed);
}

void func_watch_fork(struct func_watch *w, size_t (*check)(void *arg),
		     void *arg)
{
	int fds[2];
	char c;

	CU_ASSERT_FATAL(pipe(fds) == 0);
	/* Or the child's exit flushes the parent's pending output again. */
	fflush(stdout);
	w->pid = fork();
	if (w->pid == 0) {
		size_t wrong;

		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(255);
		wrong = check(arg);
		if (wrong)
			fprintf(stderr, "fork child: %zu wrong in its copy\n",
				wrong);
		_exit(wrong > 254 ? 254 : (int)wrong);
	}
	CU_ASSERT_FATAL(w->pid > 0);
	close(fds[0]);
	w->go = fds[1];
}

int func_watch_join(struct func_watch *w)
{
	int status;

	CU_ASSERT_EQUAL(write(w->go, "g", 1), 1);
	close(w->go);
	CU_ASSERT_EQUAL_FATAL(waitpid(w->pid, &status, 0), w->pid);
	if (!WIFEXITED(status)) {
		printf("\n    fork child %d: did not exit (status %#x)",
		       (int)w->pid, status);
		return 256;
	}
	return WEXITSTATUS(status);
}

/* ---- NUMA ------------------------------------------------------------ */

unsigned long func_vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "re");
	unsigned long v, val = 0;
	char key[64];

	if (!f)
		return 0;
	while (fscanf(f, "%63s %lu", key, &v) == 2)
		if (!strcmp(key, name)) {
			val = v;
			break;
		}
	fclose(f);
	return val;
}

const char *func_numa_missing(void)
{
	FILE *f = fopen("/proc/sys/kernel/numa_balancing", "re");
	int mode = 0;

	if (f) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = 0;
		fclose(f);
	}
	if (mode <= 0)
		return "automatic NUMA balancing is off (kernel.numa_balancing)";
	if (access("/sys/devices/system/node/node0/cpu0", F_OK) ||
	    access("/sys/devices/system/node/node1/cpu1", F_OK))
		return "no CPU 0 on node 0 and CPU 1 on node 1 (tests/vm/run --numa gives them)";
	return NULL;
}
