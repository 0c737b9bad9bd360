// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * What the event-aware policy saves, on one ODP MR.
 *
 * Two RC queue pairs on the same device, connected to each other
 * (loopback), RDMA READ a warm ODP buffer; then the process clears its
 * soft-dirty bits (as CRIU or a live-migration tracker does) and the
 * device reads the buffer again. Under the `stock` policy every page is
 * faulted in again; under `event-aware` none is. The MR's own rodp
 * counters show it.
 *
 *   odp_churn [DEVICE] [MiB]        (defaults: rxe0, 16)
 *
 * Needs rodp.ko; the device needs a RoCE v2 GID with an IPv4 address.
 * Build: cc odp_churn.c $(pkg-config --cflags --libs librodp)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rodp/rodp.h>

#define CHUNK (1U << 20)

struct loop {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	union ibv_gid gid;
	int gid_index;
};

static int open_loop(struct loop *l, const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_qp_init_attr qa = {
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_port_attr pa;
	struct ibv_gid_entry e;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			l->ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!l->ctx || ibv_query_port(l->ctx, 1, &pa))
		return -1;
	/* The RoCE v2 GID that carries an IPv4 address (::ffff:a.b.c.d). */
	l->gid_index = -1;
	for (i = 0; i < pa.gid_tbl_len && l->gid_index < 0; i++)
		if (!ibv_query_gid_ex(l->ctx, 1, i, &e, 0) &&
		    e.gid_type == IBV_GID_TYPE_ROCE_V2 &&
		    e.gid.raw[10] == 0xff && e.gid.raw[11] == 0xff) {
			l->gid = e.gid;
			l->gid_index = i;
		}
	l->pd = ibv_alloc_pd(l->ctx);
	l->cq = ibv_create_cq(l->ctx, 8, NULL, NULL, 0);
	if (l->gid_index < 0 || !l->pd || !l->cq)
		return -1;
	qa.send_cq = qa.recv_cq = l->cq;
	for (i = 0; i < 2; i++) {
		l->qp[i] = ibv_create_qp(l->pd, &qa);
		if (!l->qp[i])
			return -1;
	}
	/* Each QP's peer is the other one: RESET -> INIT -> RTR -> RTS. */
	for (i = 0; i < 2; i++) {
		struct ibv_qp_attr a = {
			.qp_state = IBV_QPS_INIT, .port_num = 1,
			.qp_access_flags = IBV_ACCESS_REMOTE_READ |
					   IBV_ACCESS_REMOTE_WRITE,
		};

		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE |
				  IBV_QP_PKEY_INDEX | IBV_QP_PORT |
				  IBV_QP_ACCESS_FLAGS))
			return -1;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		a.path_mtu = IBV_MTU_1024;
		a.dest_qp_num = l->qp[!i]->qp_num;
		a.max_dest_rd_atomic = 1;
		a.min_rnr_timer = 1;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = l->gid;
		a.ah_attr.grh.sgid_index = l->gid_index;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.port_num = 1;
		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE | IBV_QP_AV |
				  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				  IBV_QP_MIN_RNR_TIMER))
			return -1;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 1;
		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
				  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
			return -1;
	}
	return 0;
}

/* The device reads the whole ODP buffer, 1 MiB per RDMA READ. */
static int read_pass(struct loop *l, struct ibv_mr *odp, struct ibv_mr *dst)
{
	size_t off;

	for (off = 0; off < odp->length; off += CHUNK) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)dst->addr, .length = CHUNK,
			.lkey = dst->lkey,
		};
		struct ibv_send_wr wr = {
			.sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_READ,
			.send_flags = IBV_SEND_SIGNALED,
			.wr.rdma = {
				.remote_addr = (uintptr_t)odp->addr + off,
				.rkey = odp->rkey,
			},
		}, *bad;
		struct ibv_wc wc;
		int n;

		if (ibv_post_send(l->qp[0], &wr, &bad))
			return -1;
		while ((n = ibv_poll_cq(l->cq, 1, &wc)) == 0)
			;
		if (n < 0 || wc.status != IBV_WC_SUCCESS) {
			fprintf(stderr, "RDMA READ: %s\n",
				n < 0 ? "poll failed" :
				ibv_wc_status_str(wc.status));
			return -1;
		}
	}
	return 0;
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	int ok = fd >= 0 && write(fd, "4", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* One round under policy; prints what the second pass faulted. */
static int round_under(struct rodp_ctx *rodp, struct loop *l,
		       enum rodp_policy_mode policy, size_t len,
		       struct ibv_mr *dst)
{
	struct rodp_mr_stats before, after;
	struct ibv_mr *mr;
	void *buf;
	int err;

	err = rodp_set_policy(rodp, policy);
	if (err) {
		fprintf(stderr, "rodp_set_policy: %s\n", strerror(err));
		return -1;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -1;
	memset(buf, 0x5a, len);
	mr = rodp_reg_mr(l->pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_READ, RODP_REG_ODP_REQUIRED);
	if (!mr) {
		fprintf(stderr, "rodp_reg_mr: %s\n", strerror(errno));
		return -1;
	}
	/* Warm: after this pass every page is mapped for the device. */
	if (read_pass(l, mr, dst))
		return -1;

	err = rodp_get_mr_stats(mr, &before, sizeof(before));
	if (!err && clear_soft_dirty())
		err = errno;
	if (!err && read_pass(l, mr, dst))
		err = EIO;
	if (!err)
		err = rodp_get_mr_stats(mr, &after, sizeof(after));
	if (err) {
		fprintf(stderr, "round under %s: %s\n", rodp_policy_str(policy),
			strerror(err));
		return -1;
	}
	printf("%-12s soft-dirty invalidations %llu, downgraded %llu, delegated %llu -> pages faulted again %llu of %zu\n",
	       rodp_policy_str(policy),
	       (unsigned long long)(after.kernel.inval[RODP_INVAL_SOFT_DIRTY] -
				    before.kernel.inval[RODP_INVAL_SOFT_DIRTY]),
	       (unsigned long long)(after.kernel.downgraded -
				    before.kernel.downgraded),
	       (unsigned long long)(after.kernel.delegated -
				    before.kernel.delegated),
	       (unsigned long long)(after.kernel.fault_pages -
				    before.kernel.fault_pages),
	       len / (size_t)sysconf(_SC_PAGESIZE));
	rodp_dereg_mr(mr);
	munmap(buf, len);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "rxe0";
	size_t len = (size_t)(argc > 2 ? atoi(argv[2]) : 16) << 20;
	struct loop l = { 0 };
	struct rodp_ctx *rodp;
	struct ibv_mr *dst;
	void *dst_buf;

	if (len < CHUNK) {
		fprintf(stderr, "usage: odp_churn [DEVICE] [MiB >= 1]\n");
		return 2;
	}
	if (open_loop(&l, dev)) {
		fprintf(stderr, "%s: cannot set up a loopback QP pair: %s\n",
			dev, strerror(errno));
		return 1;
	}
	rodp = rodp_open();
	if (!rodp) {
		fprintf(stderr, "rodp_open: %s\n", errno == ENODEV ?
			"rodp.ko is not loaded" : strerror(errno));
		return 1;
	}
	dst_buf = malloc(CHUNK);
	dst = dst_buf ? ibv_reg_mr(l.pd, dst_buf, CHUNK,
				   IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!dst)
		return 1;
	if (round_under(rodp, &l, RODP_POLICY_MODE_STOCK, len, dst) ||
	    round_under(rodp, &l, RODP_POLICY_MODE_EVENT_AWARE, len, dst))
		return 1;
	return 0;
}
