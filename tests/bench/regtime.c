// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * regtime: M3 of the performance suite, the time ibv_reg_mr() takes for a
 * pinned and for an ODP registration of the same buffer, alternated
 * A B, B A, ... so drift in the (emulated) machine hits both alike.
 *
 *   regtime [--pairs N] [--untouched] SIZE...   (SIZE with K, M or G)
 *
 * One JSON object per line and pair: {"bytes", "pair", "order",
 * "pinned_s", "odp_s"}. By default the buffer is written before
 * registration, so a pinned registration pins resident pages and does not
 * fault them in, and rxe's ODP registration finds every page resident
 * (rxe_odp_init_pages() maps what is resident at registration). With
 * --untouched every registration gets a fresh, never written mapping:
 * pinning must fault each page in, ODP maps nothing.
 * Exit 0, 1 on error, 2 on bad usage, 77 when no ODP device is there.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dev.h"

#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		IBV_ACCESS_REMOTE_READ)


static bool untouched_mode;

/*
 * Seconds one registration takes; the MR is released untimed. In
 * --untouched mode buf is ignored and a fresh mapping is registered.
 */
static double time_reg(struct ibv_pd *pd, void *buf, size_t len, int access)
{
	void *fresh = NULL;
	struct ibv_mr *mr;
	double t0, t;

	if (untouched_mode) {
		fresh = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fresh == MAP_FAILED) {
			perror("regtime: mmap");
			exit(1);
		}
		buf = fresh;
	}

	t0 = bench_seconds();
	mr = ibv_reg_mr(pd, buf, len, access);
	t = bench_seconds() - t0;
	if (!mr) {
		fprintf(stderr, "regtime: ibv_reg_mr of %zu bytes (%s): %s\n", len,
			access & IBV_ACCESS_ON_DEMAND ? "ODP" : "pinned",
			strerror(errno));
		exit(1);
	}
	if (ibv_dereg_mr(mr)) {
		fprintf(stderr, "regtime: ibv_dereg_mr failed\n");
		exit(1);
	}
	if (fresh)
		munmap(fresh, len);
	return t;
}

int main(int argc, char **argv)
{
	unsigned long pairs = 4, k;
	bool untouched = false;
	struct ibv_pd *pd;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--pairs")) {
		char *end;

		pairs = strtoul(argv[2], &end, 0);
		if (*end || !pairs) {
			fprintf(stderr, "regtime: bad pair count '%s'\n", argv[2]);
			return 2;
		}
		i = 3;
	}
	if (i < argc && !strcmp(argv[i], "--untouched")) {
		untouched = true;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: regtime [--pairs N] [--untouched] SIZE...\n");
		return 2;
	}
	for (int j = i; j < argc; j++) {
		size_t len;

		if (tool_parse_size(argv[j], &len)) {
			fprintf(stderr, "regtime: bad size '%s'\n", argv[j]);
			return 2;
		}
	}
	pd = bench_open_pd("regtime");

	for (; i < argc; i++) {
		size_t len;
		void *buf;

		tool_parse_size(argv[i], &len);
		untouched_mode = untouched;
		if (untouched) {
			buf = NULL;
			goto measure;
		}
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			fprintf(stderr, "regtime: mmap of %zu bytes: %s\n", len,
				strerror(errno));
			return 1;
		}
		memset(buf, 0x5a, len);
measure:
		for (k = 0; k < pairs; k++) {
			double pinned, odp;

			if (k % 2 == 0) {
				pinned = time_reg(pd, buf, len, ACCESS);
				odp = time_reg(pd, buf, len,
					       ACCESS | IBV_ACCESS_ON_DEMAND);
			} else {
				odp = time_reg(pd, buf, len,
					       ACCESS | IBV_ACCESS_ON_DEMAND);
				pinned = time_reg(pd, buf, len, ACCESS);
			}
			printf("{\"bytes\": %zu, \"pair\": %lu, \"order\": \"%s\", "
			       "\"pinned_s\": %.9f, \"odp_s\": %.9f}\n", len, k,
			       k % 2 ? "BA" : "AB", pinned, odp);
			fflush(stdout);
		}
		if (buf)
			munmap(buf, len);
	}
	return 0;
}
