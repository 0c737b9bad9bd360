// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Prefetch: fault an ODP MR into the device's page table before traffic,
 * after the CPU dropped its pages.
 *
 * Registers an ODP MR with rodp_reg_mr(), discards its pages with
 * madvise(MADV_DONTNEED) (which invalidates the device mappings too), then
 * prefetches it back with rodp_prefetch_mr() and prints the MR's own
 * counters from rodp.ko before and after: how many pages prefetch mapped,
 * and by which path (ibv_advise_mr or rodp.ko's own prefetch command).
 *
 *   odp_prefetch [DEVICE] [MiB]        (defaults: rxe0, 16)
 *
 * Build: cc odp_prefetch.c $(pkg-config --cflags --libs librodp)
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

static int show(const char *when, struct ibv_mr *mr)
{
	struct rodp_mr_stats st;
	int err = rodp_get_mr_stats(mr, &st, sizeof(st));

	if (err) {
		fprintf(stderr, "rodp_get_mr_stats: %s\n", strerror(err));
		return -1;
	}
	if (!(st.flags & RODP_MR_KERNEL_STATS)) {
		printf("%-26s (no rodp.ko counters: is rodp.ko loaded?)\n", when);
		return 0;
	}
	/*
	 * Pages the device mapped: rodp.ko counts a provider's advise_mr
	 * prefetch among its faults today, its own prefetch separately.
	 */
	printf("%-26s clear %llu, mapped pages %llu (prefetch calls: advise %llu, rodp.ko %llu)\n",
	       when, (unsigned long long)st.kernel.inval[RODP_INVAL_CLEAR],
	       (unsigned long long)(st.kernel.fault_pages +
				    st.kernel.prefetch_pages),
	       (unsigned long long)st.prefetch_advise,
	       (unsigned long long)st.prefetch_shim);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "rxe0";
	size_t len = (size_t)(argc > 2 ? atoi(argv[2]) : 16) << 20;
	struct ibv_context *ctx;
	struct ibv_mr *mr;
	struct ibv_pd *pd;
	void *buf;
	int err;

	ctx = open_device(dev);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd) {
		fprintf(stderr, "no RDMA device %s\n", dev);
		return 1;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(buf, 1, len);	/* the application's data, CPU side */

	/* ODP or nothing: the error says why a device cannot. */
	mr = rodp_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
			 RODP_REG_ODP_REQUIRED);
	if (!mr) {
		fprintf(stderr, "rodp_reg_mr: %s: %s\n", strerror(errno),
			rodp_last_error_msg());
		return 1;
	}
	printf("registered %zu MiB ODP MR on %s, lkey %#x\n", len >> 20, dev,
	       mr->lkey);
	if (show("after registering:", mr))
		return 1;

	/* The CPU drops the pages: the device's mappings go with them. */
	madvise(buf, len, MADV_DONTNEED);
	if (show("after MADV_DONTNEED:", mr))
		return 1;

	/* Map everything back, writable, before the first transfer. */
	err = rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE);
	if (err) {
		fprintf(stderr, "rodp_prefetch_mr: %s\n", strerror(err));
		return 1;
	}
	if (show("after rodp_prefetch_mr:", mr))
		return 1;

	rodp_dereg_mr(mr);
	munmap(buf, len);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return 0;
}
