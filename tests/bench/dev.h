/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * What the suite's helper programs share: opening the RDMA device named by
 * RODP_DEV (or the first one) and checking it can do ODP, and a clock.
 */
#ifndef RODP_BENCH_DEV_H
#define RODP_BENCH_DEV_H

#include <stddef.h>

#include <infiniband/verbs.h>

/* SIZE[K|M|G] arguments: tool_parse_size(), as the tools check them. */
#include "../../tools/common/num_parse.h"

#define EXIT_SKIP 77

/*
 * Opens the device and allocates a PD on it. Exits 77 with the reason
 * when there is no device or it cannot register ODP memory, since the
 * metric then cannot be measured here; 1 on other errors.
 */
struct ibv_pd *bench_open_pd(const char *prog);

double bench_seconds(void);

#endif
