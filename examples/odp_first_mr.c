// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A first ODP memory region, watched by rodp.
 *
 * Asks librodp whether the device can serve RC RDMA WRITE from ODP memory
 * (and why not, if it cannot), registers an ODP MR over a fresh mapping,
 * and prints rodp.ko's global counters before and after.
 *
 *   odp_first_mr [DEVICE] [MiB]        (defaults: rxe0, 64)
 *
 * Build: cc odp_first_mr.c $(pkg-config --cflags --libs librodp)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rodp/rodp.h>

static struct ibv_context *open_device(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

static void show(const char *when, const struct rodp_stats *s)
{
	printf("%-22s umems created %llu, live %llu, released %llu\n", when,
	       (unsigned long long)s->umems_created,
	       (unsigned long long)s->umems_live,
	       (unsigned long long)s->umems_released);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "rxe0";
	size_t len = (size_t)(argc > 2 ? atoi(argv[2]) : 64) << 20;
	struct rodp_stats before, after;
	enum rodp_odp_reason why;
	struct ibv_context *ctx;
	struct rodp_ctx *rodp;
	struct ibv_mr *mr;
	struct ibv_pd *pd;
	void *buf;
	int err;

	ctx = open_device(dev);
	if (!ctx) {
		fprintf(stderr, "no RDMA device %s\n", dev);
		return 1;
	}
	err = rodp_query_odp(ctx, RODP_TRANSPORT_RC, RODP_OP_WRITE, &why);
	if (err) {
		fprintf(stderr, "%s cannot serve RC RDMA WRITE from ODP memory: %s\n",
			dev, err == EOPNOTSUPP ? rodp_odp_reason_str(why) : strerror(err));
		return 1;
	}
	printf("%s: RC RDMA WRITE from ODP memory: %s\n", dev,
	       rodp_odp_reason_str(why));

	rodp = rodp_open();
	if (!rodp) {
		fprintf(stderr, "rodp: %s\n", errno == ENODEV ?
			"rodp.ko is not loaded (modprobe rodp)" : strerror(errno));
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pd || buf == MAP_FAILED) {
		perror("pd/mmap");
		return 1;
	}

	err = rodp_get_stats(rodp, 0, &before, sizeof(before));
	if (err) {
		fprintf(stderr, "rodp_get_stats: %s\n", strerror(err));
		return 1;
	}
	show("before registering:", &before);

	/* No page is touched or pinned: ODP faults them in on first use. */
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_ON_DEMAND |
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		perror("ibv_reg_mr(IBV_ACCESS_ON_DEMAND)");
		return 1;
	}
	printf("registered %zu MiB ODP MR, lkey %#x\n", len >> 20, mr->lkey);

	err = rodp_get_stats(rodp, 0, &after, sizeof(after));
	if (err) {
		fprintf(stderr, "rodp_get_stats: %s\n", strerror(err));
		return 1;
	}
	show("after registering:", &after);

	ibv_dereg_mr(mr);
	munmap(buf, len);
	ibv_dealloc_pd(pd);
	rodp_close(rodp);
	ibv_close_device(ctx);
	return after.umems_created == before.umems_created + 1 ? 0 : 1;
}
