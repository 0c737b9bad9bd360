// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp-bench connections: librdmacm finds the device from the address,
 * connects an RC QP pair and carries each side's buffer address and rkey
 * in the connection's private data, so no extra message is needed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define CM_TIMEOUT_MS	5000

static const enum rodp_op odp_op[] = {
	[OP_WRITE] = RODP_OP_WRITE,
	[OP_READ] = RODP_OP_READ,
	[OP_SEND] = RODP_OP_SEND,
};

/* The next CM event, which must be @want; the event is acked. */
static int wait_event(struct rdma_event_channel *ec,
		      enum rdma_cm_event_type want, struct bench_wire *wire,
		      struct rdma_cm_id **id)
{
	struct rdma_cm_event *ev;

	if (rdma_get_cm_event(ec, &ev)) {
		perror("rodp-bench: rdma_get_cm_event");
		return -1;
	}
	if (ev->event != want) {
		fprintf(stderr, "rodp-bench: expected %s, got %s (status %d%s%s)\n",
			rdma_event_str(want), rdma_event_str(ev->event),
			ev->status, ev->status < 0 ? ": " : "",
			ev->status < 0 ? strerror(-ev->status) : "");
		rdma_ack_cm_event(ev);
		return -1;
	}
	if (wire) {
		if (ev->param.conn.private_data_len < sizeof(*wire)) {
			fprintf(stderr, "rodp-bench: the peer is not rodp-bench "
				"(no parameters in the connection)\n");
			rdma_ack_cm_event(ev);
			return -1;
		}
		memcpy(wire, ev->param.conn.private_data, sizeof(*wire));
	}
	if (id)
		*id = ev->id;
	rdma_ack_cm_event(ev);
	return 0;
}

static int check_wire(const struct bench_wire *w)
{
	if (w->magic != BENCH_MAGIC || w->version != BENCH_VERSION ||
	    w->op > OP_SEND || w->mem > MEM_ODP_PREFETCH) {
		fprintf(stderr, "rodp-bench: the peer speaks another protocol "
			"(magic %#x version %u)\n", w->magic, w->version);
		return -1;
	}
	return 0;
}

static void fill_wire(struct bench_wire *w, const struct bench_ep *ep,
		      const struct bench_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->magic = BENCH_MAGIC;
	w->version = BENCH_VERSION;
	w->op = o->op;
	w->mem = o->mem;
	w->addr = (uintptr_t)ep->buf;
	w->buf_size = ep->buf_size;
	w->max_msg = ep->max_msg;
	w->rkey = ep->mr->rkey;
	w->tx_depth = ep->depth;
}

int bench_mr_register(struct bench_ep *ep, const struct bench_opts *o)
{
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;

	if (o->mem != MEM_PINNED)
		access |= IBV_ACCESS_ON_DEMAND;
	ep->mr = ibv_reg_mr(ep->pd, ep->buf, ep->buf_size, access);
	if (!ep->mr) {
		fprintf(stderr, "rodp-bench: ibv_reg_mr(%zu bytes, %s): %s\n",
			ep->buf_size, bench_mem_name(o->mem), strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Fault the whole buffer in for device writes before traffic starts,
 * as an application would after registering. SGE lengths are 32-bit.
 */
int bench_prefetch(struct bench_ep *ep)
{
	size_t off, chunk;
	int err;

	for (off = 0; off < ep->buf_size; off += chunk) {
		struct ibv_sge sge;

		chunk = ep->buf_size - off;
		if (chunk > (1UL << 30))
			chunk = 1UL << 30;
		sge.addr = (uintptr_t)ep->buf + off;
		sge.length = chunk;
		sge.lkey = ep->mr->lkey;
		err = ibv_advise_mr(ep->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
		if (err) {
			fprintf(stderr, "rodp-bench: ibv_advise_mr(PREFETCH_WRITE): %s\n",
				strerror(err));
			return -1;
		}
	}
	return 0;
}

/*
 * --against-pinned: a second buffer, written like the first and pinned,
 * that bench_ep_swap() exchanges with the measured one between runs.
 */
static int alt_setup(struct bench_ep *ep)
{
	ep->alt_buf = mmap(NULL, ep->buf_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ep->alt_buf == MAP_FAILED) {
		ep->alt_buf = NULL;
		perror("rodp-bench: mmap");
		return -1;
	}
	memset(ep->alt_buf, 0x5a, ep->buf_size);
	ep->alt_mr = ibv_reg_mr(ep->pd, ep->alt_buf, ep->buf_size,
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_READ);
	if (!ep->alt_mr) {
		fprintf(stderr, "rodp-bench: ibv_reg_mr(%zu bytes, pinned): %s\n",
			ep->buf_size, strerror(errno));
		return -1;
	}
	return 0;
}

void bench_ep_swap(struct bench_ep *ep)
{
	void *buf = ep->buf;
	struct ibv_mr *mr = ep->mr;

	ep->buf = ep->alt_buf;
	ep->mr = ep->alt_mr;
	ep->alt_buf = buf;
	ep->alt_mr = mr;
}

/* PD, CQ, QP, buffer and MR on the device rdma_cm chose for ep->id. */
int bench_ep_setup(struct bench_ep *ep, const struct bench_opts *o)
{
	struct ibv_context *ctx = ep->id->verbs;
	const char *name = ibv_get_device_name(ctx->device);
	struct ibv_qp_init_attr qpa;
	enum rodp_odp_reason why;
	int err;

	if (o->dev && strcmp(o->dev, name)) {
		fprintf(stderr, "rodp-bench: the address is on %s, not on -d %s\n",
			name, o->dev);
		return -1;
	}
	if (o->mem != MEM_PINNED) {
		err = rodp_query_odp(ctx, RODP_TRANSPORT_RC, odp_op[o->op], &why);
		if (err) {
			fprintf(stderr, "rodp-bench: %s cannot serve RC %s from ODP memory: %s\n",
				name, bench_op_name(o->op), err == EOPNOTSUPP ?
				rodp_odp_reason_str(why) : strerror(err));
			return -1;
		}
	}

	ep->pd = ibv_alloc_pd(ctx);
	ep->cq = ep->pd ? ibv_create_cq(ctx, 2 * ep->depth + 8, NULL, NULL, 0)
			: NULL;
	if (!ep->cq) {
		fprintf(stderr, "rodp-bench: PD/CQ on %s: %s\n", name,
			strerror(errno));
		return -1;
	}
	memset(&qpa, 0, sizeof(qpa));
	qpa.send_cq = ep->cq;
	qpa.recv_cq = ep->cq;
	qpa.qp_type = IBV_QPT_RC;
	qpa.cap.max_send_wr = ep->depth;
	qpa.cap.max_recv_wr = ep->depth;
	qpa.cap.max_send_sge = 1;
	qpa.cap.max_recv_sge = 1;
	if (rdma_create_qp(ep->id, ep->pd, &qpa)) {
		fprintf(stderr, "rodp-bench: rdma_create_qp on %s: %s\n", name,
			strerror(errno));
		return -1;
	}

	/*
	 * The buffer is touched first so that, in every memory mode, what
	 * traffic measures is the device side of paging, not the first CPU
	 * fault of anonymous memory.
	 */
	ep->buf = mmap(NULL, ep->buf_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ep->buf == MAP_FAILED) {
		ep->buf = NULL;
		perror("rodp-bench: mmap");
		return -1;
	}
	memset(ep->buf, 0x5a, ep->buf_size);
	if (bench_mr_register(ep, o))
		return -1;
	if (o->mem == MEM_ODP_PREFETCH && bench_prefetch(ep))
		return -1;
	if (o->against_pinned)
		return alt_setup(ep);
	return 0;
}

void bench_ep_destroy(struct bench_ep *ep)
{
	if (ep->id && ep->id->qp)
		rdma_destroy_qp(ep->id);
	if (ep->mr)
		ibv_dereg_mr(ep->mr);
	if (ep->alt_mr)
		ibv_dereg_mr(ep->alt_mr);
	if (ep->alt_buf)
		munmap(ep->alt_buf, ep->buf_size);
	if (ep->cq)
		ibv_destroy_cq(ep->cq);
	if (ep->pd)
		ibv_dealloc_pd(ep->pd);
	if (ep->buf)
		munmap(ep->buf, ep->buf_size);
	if (ep->id)
		rdma_destroy_id(ep->id);
	memset(ep, 0, sizeof(*ep));
}

static struct addrinfo *resolve(const char *host, unsigned int port,
				bool passive)
{
	struct addrinfo hints = {
		.ai_family = AF_INET,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = passive ? AI_PASSIVE : 0,
	};
	struct addrinfo *res;
	char svc[16];
	int err;

	snprintf(svc, sizeof(svc), "%u", port);
	err = getaddrinfo(host, svc, &hints, &res);
	if (err) {
		fprintf(stderr, "rodp-bench: %s: %s\n", host ? host : "*",
			gai_strerror(err));
		return NULL;
	}
	return res;
}

static void conn_param(struct rdma_conn_param *p, struct bench_wire *w,
		       struct ibv_context *ctx)
{
	struct ibv_device_attr attr;
	int rd = 16;

	if (!ibv_query_device(ctx, &attr) && attr.max_qp_rd_atom < rd)
		rd = attr.max_qp_rd_atom;
	memset(p, 0, sizeof(*p));
	p->private_data = w;
	p->private_data_len = sizeof(*w);
	p->responder_resources = rd;
	p->initiator_depth = rd;
	p->retry_count = 7;
	p->rnr_retry_count = 7;		/* infinite: receives are reposted */
}

int bench_connect(struct bench_ep *ep, struct rdma_event_channel **ec,
		  const struct bench_opts *o)
{
	struct rdma_conn_param param;
	struct bench_wire mine, peer;
	struct addrinfo *dst;
	int ret = -1;

	dst = resolve(o->server, o->port, false);
	if (!dst)
		return -1;
	*ec = rdma_create_event_channel();
	if (!*ec || rdma_create_id(*ec, &ep->id, NULL, RDMA_PS_TCP)) {
		perror("rodp-bench: rdma_cm");
		goto out;
	}
	if (rdma_resolve_addr(ep->id, NULL, dst->ai_addr, CM_TIMEOUT_MS)) {
		fprintf(stderr, "rodp-bench: rdma_resolve_addr(%s): %s\n",
			o->server, strerror(errno));
		goto out;
	}
	if (wait_event(*ec, RDMA_CM_EVENT_ADDR_RESOLVED, NULL, NULL))
		goto out;
	if (rdma_resolve_route(ep->id, CM_TIMEOUT_MS) ||
	    wait_event(*ec, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL, NULL))
		goto out;
	if (bench_ep_setup(ep, o))
		goto out;
	fill_wire(&mine, ep, o);
	conn_param(&param, &mine, ep->id->verbs);
	if (rdma_connect(ep->id, &param)) {
		perror("rodp-bench: rdma_connect");
		goto out;
	}
	if (wait_event(*ec, RDMA_CM_EVENT_ESTABLISHED, &peer, NULL)) {
		fprintf(stderr, "rodp-bench: is a rodp-bench server running at %s port %u "
			"with the same --op?\n", o->server, o->port);
		goto out;
	}
	if (check_wire(&peer))
		goto out;
	if (peer.buf_size < ep->buf_size) {
		fprintf(stderr, "rodp-bench: the server's buffer is too small\n");
		goto out;
	}
	ep->peer_addr = peer.addr;
	ep->peer_rkey = peer.rkey;
	ret = 0;
out:
	freeaddrinfo(dst);
	return ret;
}

int bench_listen(struct rdma_cm_id **listen_id,
		 struct rdma_event_channel **ec, const struct bench_opts *o)
{
	struct addrinfo *src;
	int ret = -1;

	src = resolve(o->bind, o->port, true);
	if (!src)
		return -1;
	*ec = rdma_create_event_channel();
	if (!*ec || rdma_create_id(*ec, listen_id, NULL, RDMA_PS_TCP)) {
		perror("rodp-bench: rdma_cm");
		goto out;
	}
	if (rdma_bind_addr(*listen_id, src->ai_addr) ||
	    rdma_listen(*listen_id, 1)) {
		fprintf(stderr, "rodp-bench: listen on %s port %u: %s\n",
			o->bind ? o->bind : "*", o->port, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	freeaddrinfo(src);
	return ret;
}

/*
 * One client: the operation, buffer size and depth come from it, the
 * memory mode stays this side's own (each side registers its buffer).
 */
int bench_accept(struct rdma_cm_id *listen_id, struct rdma_event_channel *ec,
		 struct bench_ep *ep, struct bench_opts *o)
{
	struct rdma_conn_param param;
	struct bench_wire mine, peer;

	(void)listen_id;
	if (wait_event(ec, RDMA_CM_EVENT_CONNECT_REQUEST, &peer, &ep->id))
		return -1;
	if (check_wire(&peer)) {
		rdma_reject(ep->id, NULL, 0);
		return -1;
	}
	o->op = peer.op;
	ep->buf_size = peer.buf_size;
	ep->max_msg = peer.max_msg;
	ep->depth = peer.tx_depth;
	ep->peer_addr = peer.addr;
	ep->peer_rkey = peer.rkey;
	if (bench_ep_setup(ep, o)) {
		rdma_reject(ep->id, NULL, 0);
		return -1;
	}
	fill_wire(&mine, ep, o);
	conn_param(&param, &mine, ep->id->verbs);
	if (rdma_accept(ep->id, &param)) {
		perror("rodp-bench: rdma_accept");
		return -1;
	}
	return wait_event(ec, RDMA_CM_EVENT_ESTABLISHED, NULL, NULL);
}

static int post_recv(struct bench_ep *ep, unsigned long i)
{
	size_t slots = ep->buf_size / ep->max_msg;
	struct ibv_sge sge = {
		.addr = (uintptr_t)ep->buf + (i % slots) * ep->max_msg,
		.length = ep->max_msg,
		.lkey = ep->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return ibv_post_recv(ep->id->qp, &wr, &bad);
}

/*
 * The passive side: keep receives posted for SEND, serve RDMA WRITE and
 * READ by doing nothing, until the client disconnects.
 */
int bench_serve(struct bench_ep *ep, struct rdma_event_channel *ec,
		const struct bench_opts *o)
{
	struct rdma_cm_event *ev;
	unsigned long posted = 0;
	struct ibv_wc wc[16];
	int flags, n, i;

	if (o->op == OP_SEND)
		for (; posted < ep->depth; posted++)
			if (post_recv(ep, posted)) {
				perror("rodp-bench: ibv_post_recv");
				return -1;
			}
	flags = fcntl(ec->fd, F_GETFL);
	fcntl(ec->fd, F_SETFL, flags | O_NONBLOCK);
	for (;;) {
		n = ibv_poll_cq(ep->cq, 16, wc);
		for (i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				if (wc[i].status == IBV_WC_WR_FLUSH_ERR)
					continue;	/* disconnecting */
				fprintf(stderr, "rodp-bench: receive failed: %s\n",
					ibv_wc_status_str(wc[i].status));
				return -1;
			}
			if (post_recv(ep, posted++)) {
				perror("rodp-bench: ibv_post_recv");
				return -1;
			}
		}
		if (n)
			continue;
		if (rdma_get_cm_event(ec, &ev)) {
			if (errno == EAGAIN) {
				usleep(o->op == OP_SEND ? 50 : 1000);
				continue;
			}
			perror("rodp-bench: rdma_get_cm_event");
			return -1;
		}
		n = ev->event;
		rdma_ack_cm_event(ev);
		if (n == RDMA_CM_EVENT_DISCONNECTED)
			break;
	}
	fcntl(ec->fd, F_SETFL, flags);
	rdma_disconnect(ep->id);
	return 0;
}
