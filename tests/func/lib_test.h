/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Shared set-up of the test_lib_* guest programs: the device named by
 * RODP_DEV (default rxe0), a PD on it, and a rodp context. Exits 77 when
 * there is no device (1 with RODP_REQUIRE_DEVICE=1, which the guest
 * harness sets once rxe0 is up), and 77 (or 1 with RODP_REQUIRE_MODULE=1)
 * without rodp.ko. */
#ifndef RODP_LIB_TEST_H
#define RODP_LIB_TEST_H

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rodp/rodp.h>

#include "../cunit_run.h"

static struct ibv_context *dev_ctx;
static struct ibv_pd *pd;
static struct rodp_ctx *rodp;
static const char *dev_name;

static inline struct ibv_context *lt_open_device(const char *name)
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

/* A fresh anonymous mapping (ODP regions die with their mapping). */
static inline void *lt_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Sets (on) or clears RODP_PREFETCH_FALLBACK: librodp reads it when it
 * loads and again at every rodp_open() (rodp_prefetch_mr(3)). */
static inline void lt_prefetch_fallback(int on)
{
	if (on)
		setenv("RODP_PREFETCH_FALLBACK", "1", 1);
	else
		unsetenv("RODP_PREFETCH_FALLBACK");
	rodp_close(rodp_open());
}

/* Returns an exit code for main() when set-up fails, else -1. */
static inline int lt_setup(int need_module)
{
	dev_name = getenv("RODP_DEV") ? getenv("RODP_DEV") : "rxe0";
	dev_ctx = lt_open_device(dev_name);
	if (!dev_ctx) {
		const char *req = getenv("RODP_REQUIRE_DEVICE");
		int required = req && !strcmp(req, "1");

		printf("%s: no RDMA device %s%s\n", required ? "FAIL" : "SKIP",
		       dev_name, required ? " (RODP_REQUIRE_DEVICE=1)" : "");
		return required ? 1 : RODP_TEST_SKIP;
	}
	pd = ibv_alloc_pd(dev_ctx);
	if (!pd) {
		printf("FAIL: ibv_alloc_pd on %s: %s\n", dev_name,
		       strerror(errno));
		return 1;
	}
	if (!need_module)
		return -1;
	rodp = rodp_open();
	if (!rodp) {
		printf("%s: rodp_open: %s (%s)\n",
		       getenv("RODP_REQUIRE_MODULE") ? "FAIL" : "SKIP",
		       strerror(errno), rodp_last_error_msg());
		return getenv("RODP_REQUIRE_MODULE") ? 1 : RODP_TEST_SKIP;
	}
	return -1;
}

static inline void lt_teardown(void)
{
	rodp_close(rodp);
	ibv_dealloc_pd(pd);
	ibv_close_device(dev_ctx);
}

#define LT_RUN(suite, tests, need_module)				\
	do {								\
		int rc_ = lt_setup(need_module);			\
		if (rc_ >= 0)						\
			return rc_;					\
		rc_ = rodp_cunit_run(suite, NULL, NULL, tests,		\
				     sizeof(tests) / sizeof(tests[0]));	\
		lt_teardown();						\
		return rc_;						\
	} while (0)

#define LT_RW (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
	       IBV_ACCESS_REMOTE_READ)

/*
 * Whether ibv_advise_mr() reaches the device, asked of libibverbs itself
 * once: 1 it does (rdma-core 65 on rxe), 0 EOPNOTSUPP (rdma-core 56, as in
 * Debian trixie: librodp then prefetches through rodp.ko), and any other
 * answer fails the running test.
 */
static inline int lt_advise_works(void)
{
	static int works = -1;
	struct ibv_mr *mr;
	struct ibv_sge sge;
	char *buf;
	int err = EINVAL;

	if (works >= 0)
		return works;
	buf = lt_map(4096UL);
	mr = buf ? ibv_reg_mr(pd, buf, 4096UL, LT_RW | IBV_ACCESS_ON_DEMAND) :
		   NULL;
	if (mr) {
		sge = (struct ibv_sge){ (uintptr_t)buf, 4096UL, mr->lkey };
		err = ibv_advise_mr(pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
				    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
		ibv_dereg_mr(mr);
	}
	if (buf)
		munmap(buf, 4096UL);
	CU_ASSERT(err == 0 || err == EOPNOTSUPP);
	works = !err;
	printf("\n    ibv_advise_mr on %s: %s\n", dev_name,
	       works ? "works" : strerror(err));
	return works;
}

#endif /* RODP_LIB_TEST_H */
