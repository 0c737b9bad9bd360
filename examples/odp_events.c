/* An ODP memory region with librodp: register, prefetch, watch it shrink. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rodp/rodp.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "rxe0";
	const size_t len = 1 << 20, page = 4096;
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *dev = NULL;
	struct rodp_mr_stats st;
	struct rodp_event ev;
	struct ibv_mr *mr;
	struct ibv_pd *pd;
	char *buf;
	int i, fd;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			dev = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!dev || !(pd = ibv_alloc_pd(dev))) {
		fprintf(stderr, "cannot open %s\n", name);
		return 1;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;

	/* 1. An ODP MR: no pinning, pages fault in on first device use. */
	mr = rodp_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
			 RODP_REG_ODP_REQUIRED);
	if (!mr) {
		fprintf(stderr, "rodp_reg_mr: %s: %s\n", strerror(errno),
			rodp_last_error_msg());
		return 1;
	}

	/* 2. Fault the first half in now rather than on the first packet. */
	if ((errno = rodp_prefetch_mr(mr, buf, len / 2,
				      RODP_PREFETCH_F_WRITE)))
		fprintf(stderr, "rodp_prefetch_mr: %s: %s\n", strerror(errno),
			rodp_last_error_msg());

	/* 3. Unmap a page in the middle: rodp.ko shrinks the region and
	 *    tells us (only when rodp.ko is loaded). */
	fd = rodp_get_event_fd(NULL);
	munmap(buf + len / 2, page);
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) == 1 &&
		    !rodp_get_event(NULL, &ev, sizeof(ev)))
			printf("event: region %llu %s, %llu bytes live in %u ranges\n",
			       (unsigned long long)ev.region_id,
			       ev.type == RODP_EVENT_REGION_DEAD ? "dead" : "shrunk",
			       (unsigned long long)ev.live_bytes, ev.live_ranges);
	} else {
		printf("no events: %s\n", strerror(errno));
	}

	/* 4. What the library and rodp.ko counted for this MR. */
	errno = rodp_get_mr_stats(mr, &st, sizeof(st));
	printf("prefetch calls %llu (advise_mr %llu, rodp.ko %llu)\n",
	       (unsigned long long)st.prefetch_calls,
	       (unsigned long long)st.prefetch_advise,
	       (unsigned long long)st.prefetch_shim);
	if (!errno && (st.flags & RODP_MR_KERNEL_STATS))
		printf("kernel: %llu faulted pages, %llu unmap invalidations\n",
		       (unsigned long long)st.kernel.fault_pages,
		       (unsigned long long)st.kernel.inval[RODP_INVAL_UNMAP]);
	else
		printf("kernel statistics: %s\n", rodp_last_error_msg());

	rodp_dereg_mr(mr);
	munmap(buf, len);
	ibv_dealloc_pd(pd);
	ibv_close_device(dev);
	return 0;
}
