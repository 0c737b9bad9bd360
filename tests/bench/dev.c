// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rodp/rodp.h>

#include "dev.h"

double bench_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct ibv_pd *bench_open_pd(const char *prog)
{
	const char *want = getenv("RODP_DEV");
	struct ibv_device **list, *dev = NULL;
	enum rodp_odp_reason reason;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int i, n, err;

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n && !dev; i++)
		if (!want || !*want || !strcmp(ibv_get_device_name(list[i]), want))
			dev = list[i];
	if (!dev) {
		fprintf(stderr, "%s: SKIP: no RDMA device%s%s\n", prog,
			want ? " named " : "", want ? want : "");
		exit(EXIT_SKIP);
	}
	ctx = ibv_open_device(dev);
	ibv_free_device_list(list);
	if (!ctx) {
		perror("ibv_open_device");
		exit(1);
	}
	err = rodp_query_odp(ctx, RODP_TRANSPORT_RC, RODP_OP_WRITE, &reason);
	if (err == EOPNOTSUPP) {
		fprintf(stderr, "%s: SKIP: %s has no ODP: %s\n", prog,
			ibv_get_device_name(ctx->device), rodp_odp_reason_str(reason));
		exit(EXIT_SKIP);
	}
	if (err) {
		fprintf(stderr, "%s: rodp_query_odp: %s\n", prog, strerror(err));
		exit(1);
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		perror("ibv_alloc_pd");
		exit(1);
	}
	return pd;
}
