/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rodp: what rodp trusts a device's driver with, as pure functions.
 *
 * Included by rodp.ko and, unchanged, by the host unit test
 * tests/unit/test_trust.c; the includer provides bool, strcmp() and
 * strncmp() (<linux/string.h> or <string.h>).
 *
 * Downgrade (and skip) on a software device rely on its driver refusing a
 * device write through a pfn-list entry that lacks HMM_PFN_WRITE. rdma_rxe
 * does (rxe_check_pagefault() in Debian's 7.2.13 drivers/infiniband/sw/rxe/
 * rxe_odp.c asks for HMM_PFN_WRITE on a write), but the 7.1-era one tested
 * only HMM_PFN_VALID, and an in-tree module carries no version that would
 * tell the two apart. rodp therefore trusts only the rdma_rxe it builds
 * itself (kernel/rxe, patch 0006: MODULE_VERSION("rodp.N")), whose
 * sources are the checked 7.2/7.3 ones; any other driver gets the stock
 * behaviour for those events, counted as RODP_STAT_ACT_FALLBACK.
 *
 * rodp's own PREFETCH calls ib_umem_odp_map_dma_and_lock() and nothing
 * else. That is all a software device's own prefetch does (rxe's
 * rxe_ib_advise_mr_prefetch() calls exactly that, then unlocks); a
 * hardware driver (mlx5) also fills its device page table in its own
 * code, which rodp cannot do, so there PREFETCH is refused.
 */
#ifndef _RODP_TRUST_H
#define _RODP_TRUST_H

#include <uapi/linux/rodp.h>

#define RODP_TRUSTED_MODULE		"rdma_rxe"
#define RODP_TRUSTED_VERSION_PREFIX	"rodp."

/**
 * rodp_driver_trusted() - does a driver check HMM_PFN_WRITE?
 * @module: name of the module that owns the device (ib_device_ops.owner),
 *	or NULL for a built-in driver
 * @version: that module's MODULE_VERSION, or NULL when it has none
 *
 * Return: true only for rodp's own rdma_rxe build.
 */
static inline bool rodp_driver_trusted(const char *module,
				       const char *version)
{
	return module && version && !strcmp(module, RODP_TRUSTED_MODULE) &&
	       !strncmp(version, RODP_TRUSTED_VERSION_PREFIX,
			sizeof(RODP_TRUSTED_VERSION_PREFIX) - 1);
}

/**
 * rodp_prefetch_offered() - may rodp prefetch on this kind of device?
 * @kind: enum rodp_device_kind
 *
 * Return: true for a software device, whose own prefetch is exactly
 * ib_umem_odp_map_dma_and_lock().
 */
static inline bool rodp_prefetch_offered(unsigned int kind)
{
	return kind == RODP_DEVICE_SOFTWARE;
}

#endif /* _RODP_TRUST_H */
