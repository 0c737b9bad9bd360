// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The measured loop, as perftest's bandwidth tests do it: keep tx_depth
 * operations outstanding, every one signaled, and time each completion.
 * Message i uses slot i of the buffer (modulo the slots that fit), on
 * both sides, so the whole buffer is exercised and churn hits live data.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define PROGRESS_EVERY_S	2.0

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int post_one(struct bench_ep *ep, const struct bench_opts *o,
		    size_t size, unsigned long i)
{
	size_t slot = (i % (ep->buf_size / size)) * size;
	struct ibv_sge sge = {
		.addr = (uintptr_t)ep->buf + slot,
		.length = size,
		.lkey = ep->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = i,
		.sg_list = &sge,
		.num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	switch (o->op) {
	case OP_WRITE:
		wr.opcode = IBV_WR_RDMA_WRITE;
		break;
	case OP_READ:
		wr.opcode = IBV_WR_RDMA_READ;
		break;
	case OP_SEND:
		wr.opcode = IBV_WR_SEND;
		break;
	}
	if (o->op != OP_SEND) {
		wr.wr.rdma.remote_addr = ep->peer_addr + slot;
		wr.wr.rdma.rkey = ep->peer_rkey;
	}
	return ibv_post_send(ep->id->qp, &wr, &bad);
}

/*
 * Peak: the best rate over any window of tx_depth consecutive
 * completions (a queue's worth), which is what a short burst reaches.
 */
static double peak_rate(const double *t, unsigned long n, unsigned int w)
{
	double best = 0, dt;
	unsigned long i;

	if (w >= n)
		w = n > 1 ? n - 1 : 1;
	for (i = 0; i + w < n; i++) {
		dt = t[i + w] - t[i];
		if (dt > 0 && w / dt > best)
			best = w / dt;
	}
	return best;
}

int bench_run_client(struct bench_ep *ep, const struct bench_opts *o,
		     size_t size, struct bench_result *r)
{
	unsigned long posted = 0, done = 0, n = o->iters;
	double start, last_note, now, *t;
	struct ibv_wc wc[16];
	int got, i, err;

	t = malloc(n * sizeof(*t));
	if (!t) {
		perror("rodp-bench");
		return -1;
	}
	start = last_note = bench_now();
	while (done < n) {
		while (posted < n && posted - done < ep->depth) {
			err = post_one(ep, o, size, posted);
			if (err) {
				fprintf(stderr, "rodp-bench: ibv_post_send: %s\n",
					strerror(err));
				goto fail;
			}
			posted++;
		}
		got = ibv_poll_cq(ep->cq, 16, wc);
		if (got < 0) {
			fprintf(stderr, "rodp-bench: ibv_poll_cq failed\n");
			goto fail;
		}
		if (!got)
			continue;
		now = bench_now();
		for (i = 0; i < got; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				fprintf(stderr, "rodp-bench: %s of %zu bytes, "
					"message %llu: %s (vendor error %#x)\n",
					bench_op_name(o->op), size,
					(unsigned long long)wc[i].wr_id,
					ibv_wc_status_str(wc[i].status),
					wc[i].vendor_err);
				goto fail;
			}
			t[done++] = now;
		}
		if (!o->quiet && now - last_note >= PROGRESS_EVERY_S) {
			fprintf(stderr, "# rodp-bench: %zu bytes: %lu/%lu iterations "
				"(%.0f%%), %.2f MB/sec so far\n", size, done, n,
				100.0 * done / n,
				done * (double)size / (now - start) / 1048576.0);
			last_note = now;
		}
	}

	r->bytes = size;
	r->iters = n;
	r->seconds = t[n - 1] - start;
	if (r->seconds <= 0)
		r->seconds = 1e-9;
	r->bw_avg = n * (double)size / r->seconds / 1048576.0;
	r->bw_peak = peak_rate(t, n, ep->depth) * size / 1048576.0;
	if (r->bw_peak < r->bw_avg)	/* too few messages for a window */
		r->bw_peak = r->bw_avg;
	r->msg_rate = n / r->seconds / 1e6;
	free(t);
	return 0;
fail:
	free(t);
	return -1;
}
