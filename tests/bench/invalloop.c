// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * invalloop: M7 of the performance suite. An invalidation-heavy loop over
 * an ODP-registered buffer whose events rodp.ko delegates to the driver:
 * every iteration writes each page, then drops them all with
 * madvise(MADV_DONTNEED) ("dontneed") or maps fresh memory over them with
 * MAP_FIXED, an munmap and an mmap in one step ("remap"). The suite times
 * it with rodp.ko loaded and not loaded; the difference is the shim.
 *
 *   invalloop dontneed|remap [ITERATIONS [BUFFER_BYTES]]
 *
 * Prints one JSON object: kind, iterations, buffer_bytes, seconds and,
 * when rodp.ko is loaded, this process's invalidation counters ("rodp",
 * else null), so the run shows its events really went through rodp.
 * Exit 0, 1 on error, 2 on bad usage, 77 when no ODP device is there.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rodp/rodp.h>

#include "dev.h"

static void print_rodp(void)
{
	struct rodp_stats s;
	struct rodp_ctx *ctx;
	uint64_t inval = 0;
	int i, err;

	ctx = rodp_open();
	if (!ctx) {
		printf("null");
		return;
	}
	err = rodp_get_stats(ctx, getpid(), &s, sizeof(s));
	rodp_close(ctx);
	if (err) {
		printf("null");
		return;
	}
	for (i = 0; i < RODP_INVAL_COUNT; i++)
		inval += s.inval[i];
	printf("{\"inval\": %llu, \"delegated\": %llu, \"skipped\": %llu, "
	       "\"downgraded\": %llu, \"shrunk\": %llu}",
	       (unsigned long long)inval, (unsigned long long)s.delegated,
	       (unsigned long long)s.skipped, (unsigned long long)s.downgraded,
	       (unsigned long long)s.shrunk);
}

int main(int argc, char **argv)
{
	unsigned long iters = 2000, it;
	size_t len = 256 << 10, page = sysconf(_SC_PAGESIZE), off;
	int remap;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	char *buf, *end;
	double t0, t;

	if (argc < 2 || argc > 4 ||
	    (strcmp(argv[1], "dontneed") && strcmp(argv[1], "remap"))) {
		fprintf(stderr, "usage: invalloop dontneed|remap [ITERATIONS [BUFFER_BYTES]]\n");
		return 2;
	}
	remap = !strcmp(argv[1], "remap");
	if (argc > 2) {
		iters = strtoul(argv[2], &end, 0);
		if (*end || !iters) {
			fprintf(stderr, "invalloop: bad iteration count '%s'\n", argv[2]);
			return 2;
		}
	}
	if (argc > 3) {
		len = strtoul(argv[3], &end, 0);
		if (*end || !len || len % page) {
			fprintf(stderr, "invalloop: bad buffer size '%s' (pages)\n",
				argv[3]);
			return 2;
		}
	}
	pd = bench_open_pd("invalloop");
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("invalloop: mmap");
		return 1;
	}
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			IBV_ACCESS_ON_DEMAND);
	if (!mr) {
		perror("invalloop: ibv_reg_mr (ODP)");
		return 1;
	}

	t0 = bench_seconds();
	for (it = 0; it < iters; it++) {
		for (off = 0; off < len; off += page)
			buf[off] = (char)it;
		if (remap) {
			if (mmap(buf, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
				 MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
				perror("invalloop: mmap MAP_FIXED");
				return 1;
			}
		} else if (madvise(buf, len, MADV_DONTNEED)) {
			perror("invalloop: madvise");
			return 1;
		}
	}
	t = bench_seconds() - t0;

	printf("{\"kind\": \"%s\", \"iterations\": %lu, \"buffer_bytes\": %zu, "
	       "\"seconds\": %.9f, \"rodp\": ", argv[1], iters, len, t);
	print_rodp();
	printf("}\n");
	ibv_dereg_mr(mr);
	return 0;
}
