// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * implicitcost: what an implicit ODP MR costs against an explicit one of
 * the working set (issue 20), and against pinning it:
 *
 *   implicitcost [--rounds N] SIZE...   (SIZE with K, M or G, < 4G)
 *
 * Each round takes a fresh, never written mapping of SIZE per variant and
 * measures, in an order that rotates from round to round (drift in the
 * emulated machine hits every variant alike):
 *   pinned     ibv_reg_mr() of the mapping (pins, so faults every page in)
 *   odp, odp2  ibv_reg_mr() with IBV_ACCESS_ON_DEMAND of the mapping, then
 *              the first touch: a synchronous ibv_advise_mr() PREFETCH_WRITE
 *              of all of it, which faults every page in through the
 *              driver's ODP fault path (the same as a device access's);
 *              odp2 is odp again, the A/A control
 *   implicit   ibv_reg_mr(pd, NULL, SIZE_MAX, ...ON_DEMAND), then the same
 *              prefetch through it, which also makes rxe's 2 MiB children
 * One JSON object per line and round: {"bytes", "round", "order",
 * "pinned_reg_s", "odp_reg_s", "odp_touch_s", "odp2_reg_s",
 * "odp2_touch_s", "implicit_reg_s", "implicit_touch_s"}. Each size starts
 * with a warm-up round of every variant that is not printed: the first
 * round of a size pays one-off costs that belong to no variant (the
 * process's first registrations; in the guest, the first 64 MiB round's
 * explicit first touch once took 890 ms against 205-277 ms in the seven
 * rounds after it, cause not isolated: memory the guest had not used
 * since boot is one candidate).
 *
 * Exit 0, 1 on error, 2 on bad usage, 77 with the reason on stderr when
 * the metric cannot be measured here: no ODP device, no implicit ODP (the
 * distribution's rdma_rxe, or rodp's before rodp.6), or no ibv_advise_mr()
 * (rdma-core older than 65 on rxe). An rdma_rxe that says it is rodp.6 or
 * later (/sys/module/rdma_rxe/version) yet reports no implicit ODP is an
 * error (1), not a reason to skip: the performance suite runs on that
 * module and must not lose the metric silently.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../rxe_version.h"
#include "dev.h"

#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		IBV_ACCESS_REMOTE_READ)

enum variant { V_PINNED, V_ODP, V_ODP2, V_IMPLICIT, V_NUM };


struct cost {
	double reg, touch;
};


/* 0, or the errno of a failed synchronous prefetch of [buf, +len). */
static int touch(struct ibv_mr *mr, void *buf, size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf,
		.length = (uint32_t)len,
		.lkey = mr->lkey,
	};

	return ibv_advise_mr(mr->pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			     IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
}

/* One variant on a fresh mapping; exits on failure (77: not supported). */
static struct cost measure(struct ibv_pd *pd, enum variant v, size_t len)
{
	struct cost c = { 0, 0 };
	struct ibv_mr *mr;
	double t0;
	void *buf;
	int err;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("implicitcost: mmap");
		exit(1);
	}
	t0 = bench_seconds();
	if (v == V_IMPLICIT)
		mr = ibv_reg_mr(pd, NULL, SIZE_MAX,
				ACCESS | IBV_ACCESS_ON_DEMAND);
	else
		mr = ibv_reg_mr(pd, buf, len, ACCESS |
				(v == V_PINNED ? 0 : IBV_ACCESS_ON_DEMAND));
	c.reg = bench_seconds() - t0;
	if (!mr) {
		err = errno;
		fprintf(stderr, "implicitcost: %s registration: %s\n",
			v == V_IMPLICIT ? "implicit ODP" :
			v == V_PINNED ? "pinned" : "ODP", strerror(err));
		exit(1);	/* implicit ODP was checked: see main() */
	}
	if (v != V_PINNED) {
		t0 = bench_seconds();
		err = touch(mr, buf, len);
		c.touch = bench_seconds() - t0;
		if (err == EOPNOTSUPP) {
			fprintf(stderr, "implicitcost: SKIP: ibv_advise_mr answers EOPNOTSUPP (rdma-core older than 65 on rxe): no first touch to measure\n");
			exit(EXIT_SKIP);
		}
		if (err) {
			fprintf(stderr, "implicitcost: ibv_advise_mr prefetch of %zu bytes: %s\n",
				len, strerror(err));
			exit(1);
		}
	}
	if (ibv_dereg_mr(mr)) {
		fprintf(stderr, "implicitcost: ibv_dereg_mr failed\n");
		exit(1);
	}
	munmap(buf, len);
	return c;
}

/*
 * Returns when the device reports implicit ODP; else exits, saying why:
 * 77 on a driver without it, 1 on rodp's rdma_rxe rodp.6 or later, which
 * has it (kernel/rxe/patches/0006) and so must report it.
 */
static void require_implicit(struct ibv_pd *pd)
{
	const char *dev = ibv_get_device_name(pd->context->device);
	struct ibv_device_attr_ex attr;
	unsigned int rodp_ver;

	if (ibv_query_device_ex(pd->context, NULL, &attr)) {
		perror("implicitcost: ibv_query_device_ex");
		exit(1);
	}
	if (attr.odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT)
		return;
	rodp_ver = rodp_rxe_version();
	if (rodp_ver >= 6) {
		fprintf(stderr, "implicitcost: FAIL: %s reports no IBV_ODP_SUPPORT_IMPLICIT, yet the loaded rdma_rxe is rodp.%u, which has implicit ODP\n",
			dev, rodp_ver);
		exit(1);
	}
	fprintf(stderr, "implicitcost: SKIP: %s reports no IBV_ODP_SUPPORT_IMPLICIT: %s has no implicit ODP (load rodp's rdma_rxe, kernel/rxe, rodp.6 or later); nothing measured\n",
		dev, rodp_ver ? "the loaded rdma_rxe (a rodp build before rodp.6)" :
		"the loaded driver (not rodp's rdma_rxe: the distribution's?)");
	exit(EXIT_SKIP);
}

int main(int argc, char **argv)
{
	unsigned long rounds = 4, k;
	struct ibv_pd *pd;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--rounds")) {
		char *end;

		rounds = strtoul(argv[2], &end, 0);
		if (*end || !rounds) {
			fprintf(stderr, "implicitcost: bad round count '%s'\n",
				argv[2]);
			return 2;
		}
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: implicitcost [--rounds N] SIZE...\n");
		return 2;
	}
	for (int j = i; j < argc; j++) {
		size_t len;

		/* One SGE of the prefetch covers it: its length is 32 bits. */
		if (tool_parse_size(argv[j], &len) || len > UINT32_MAX) {
			fprintf(stderr, "implicitcost: bad size '%s' (1 byte to 4G - 1)\n",
				argv[j]);
			return 2;
		}
	}
	pd = bench_open_pd("implicitcost");
	require_implicit(pd);

	for (; i < argc; i++) {
		size_t len;

		tool_parse_size(argv[i], &len);
		for (int v = 0; v < V_NUM; v++)
			measure(pd, (enum variant)v, len);	/* warm-up */
		for (k = 0; k < rounds; k++) {
			struct cost c[V_NUM];
			char order[V_NUM + 1];
			int n;

			/* Rotate the order: round k starts at variant k. */
			for (n = 0; n < V_NUM; n++) {
				enum variant v = (enum variant)((k + n) % V_NUM);

				c[v] = measure(pd, v, len);
				order[n] = "PODI"[v];
			}
			order[V_NUM] = '\0';
			printf("{\"bytes\": %zu, \"round\": %lu, \"order\": \"%s\", "
			       "\"pinned_reg_s\": %.9f, "
			       "\"odp_reg_s\": %.9f, \"odp_touch_s\": %.9f, "
			       "\"odp2_reg_s\": %.9f, \"odp2_touch_s\": %.9f, "
			       "\"implicit_reg_s\": %.9f, \"implicit_touch_s\": %.9f}\n",
			       len, k, order, c[V_PINNED].reg,
			       c[V_ODP].reg, c[V_ODP].touch,
			       c[V_ODP2].reg, c[V_ODP2].touch,
			       c[V_IMPLICIT].reg, c[V_IMPLICIT].touch);
			fflush(stdout);
		}
	}
	return 0;
}
