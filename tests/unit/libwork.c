// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * libwork: librodp's own work per call, with no device and no kernel, for
 * an instruction count under callgrind (L1 in tests/bench measures the
 * same calls against raw verbs on rxe, where TCG makes every instruction
 * of the library show):
 *
 *   make -C tests/unit libwork
 *   valgrind --tool=callgrind tests/unit/libwork [N]
 *   callgrind_annotate --inclusive=yes callgrind.out.PID | grep -E 'do_(reg|prefetch)'
 *
 * do_reg() is N rodp_reg_mr() + rodp_dereg_mr() pairs of a 64 KiB ODP MR,
 * do_prefetch() N rodp_prefetch_mr() of 4 KiB of one MR, rodp.ko absent
 * (no connection). The verbs calls are stand-ins (fake_verbs.c, as in
 * test_reg_lazy): the library is linked statically, so its
 * ibv_reg_mr_iova2() and ibv_dereg_mr() resolve to them; the device's
 * capabilities come through rodp_caps_query and advise_mr through the
 * verbs context. Divide each function's inclusive count by N.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "../../lib/rodp_internal.h"
#include "fake_verbs.h"

#define ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		IBV_ACCESS_REMOTE_READ)

static char buf[65536] __attribute__((aligned(4096)));

static int stub_advise(struct ibv_pd *p, enum ibv_advise_mr_advice advice,
		       uint32_t flags, struct ibv_sge *sg, uint32_t n)
{
	(void)p;
	(void)advice;
	(void)flags;
	(void)sg;
	(void)n;
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "libwork: %s: %s\n", what, rodp_last_error_msg());
	exit(1);
}

__attribute__((noinline)) static void do_reg(long n)
{
	for (long i = 0; i < n; i++) {
		struct ibv_mr *mr = rodp_reg_mr(&fake_pd, buf, sizeof(buf), ACCESS,
						0);

		if (!mr)
			die("rodp_reg_mr");
		if (rodp_dereg_mr(mr))
			die("rodp_dereg_mr");
	}
}

__attribute__((noinline)) static void do_prefetch(struct ibv_mr *mr, long n)
{
	for (long i = 0; i < n; i++)
		if (rodp_prefetch_mr(mr, buf, 4096, RODP_PREFETCH_F_WRITE))
			die("rodp_prefetch_mr");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	struct ibv_mr *mr;

	if (n <= 0) {
		fprintf(stderr, "usage: libwork [N > 0]\n");
		return 2;
	}
	fake_verbs_init();
	fake_vctx.advise_mr = stub_advise;
	rodp_caps_query = fake_odp_rc_query;

	do_reg(n);
	mr = rodp_reg_mr(&fake_pd, buf, sizeof(buf), ACCESS, 0);
	if (!mr)
		die("rodp_reg_mr");
	do_prefetch(mr, n);
	rodp_dereg_mr(mr);
	printf("libwork: %ld registration pairs, %ld prefetches\n", n, n);
	return 0;
}
