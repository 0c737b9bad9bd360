/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The version of rodp's own rdma_rxe build (kernel/rxe): the N of the
 * "rodp.N" that /sys/module/rdma_rxe/version carries, so a test can tell
 * "this driver lacks the feature" (a skip) from "rodp's driver, which has
 * it, does not show it" (a failure). Shared by tests/func and tests/bench.
 */
#ifndef RODP_TESTS_RXE_VERSION_H
#define RODP_TESTS_RXE_VERSION_H

#include <stdio.h>

/* N of the loaded rdma_rxe's "rodp.N", 0 for another build or none. */
static inline unsigned int rodp_rxe_version(void)
{
	FILE *f = fopen("/sys/module/rdma_rxe/version", "r");
	unsigned int n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "rodp.%u", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

#endif
