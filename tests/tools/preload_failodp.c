// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A test stand-in for a device or kernel that refuses ODP registrations:
 * loaded after librodp-preload in LD_PRELOAD, it is the "next" definition
 * the interposer calls, fails every registration that asks for
 * IBV_ACCESS_ON_DEMAND with EINVAL and passes the others to libibverbs.
 * check-preload-programs uses it to show the interposer's pinned retry.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>

#include <infiniband/verbs.h>

#undef ibv_reg_mr

struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			  int access)
{
	struct ibv_mr *(*real)(struct ibv_pd *, void *, size_t, int);

	if (access & IBV_ACCESS_ON_DEMAND) {
		errno = EINVAL;
		return NULL;
	}
	real = dlvsym(RTLD_NEXT, "ibv_reg_mr", "IBVERBS_1.1");
	return real(pd, addr, length, access);
}

struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length,
				uint64_t iova, unsigned int access)
{
	struct ibv_mr *(*real)(struct ibv_pd *, void *, size_t, uint64_t,
			       unsigned int);

	if (access & IBV_ACCESS_ON_DEMAND) {
		errno = EINVAL;
		return NULL;
	}
	real = dlvsym(RTLD_NEXT, "ibv_reg_mr_iova2", "IBVERBS_1.8");
	return real(pd, addr, length, iova, access);
}
