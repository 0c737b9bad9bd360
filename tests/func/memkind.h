/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Shared by the tests of the memory kinds real programs register
 * (test_thp, test_shared_mem, test_pageout): an ODP MR over memory the
 * test mapped itself (THP, shared, file-backed), device transfers at any
 * byte offset with a pattern unique per byte position and seed, a shadow
 * copy of what the memory must hold, and rodp.ko's counters of the region.
 */
#ifndef RODP_MEMKIND_H
#define RODP_MEMKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "func_util.h"

/* The loopback pair, rodp, and a pinned buffer at the peer's end. */
struct mk {
	struct lb lb;
	struct rodp_ctx *rodp;
	uint8_t *loc;
	struct ibv_mr *loc_mr;
	size_t loc_len;
};

/* Memory the test mapped, its ODP MR, and what it must hold. */
struct mk_area {
	uint8_t *buf;
	size_t len;
	struct ibv_mr *mr;
	uint8_t *shadow;
};

/*
 * Opens rxe, rodp and a pinned buffer of loc_len bytes. A missing device
 * prints "NAME: SKIP: ..." and exits 77, a missing rodp.ko is as
 * func_rodp_open(); any other failure exits 1.
 */
void mk_open(struct mk *m, const char *name, size_t loc_len);
void mk_close(struct mk *m);

/* "stock" or "event-aware". */
const char *mk_policy_name(uint32_t policy);

/* Byte at position pos of the pattern of seed. */
uint8_t mk_pat(size_t pos, uint8_t seed);
/* Fills [p, +len) with the pattern of seed from position pos. */
void mk_fill(uint8_t *p, size_t pos, size_t len, uint8_t seed);

/*
 * Takes buf/len as the area (shadow copied from its bytes) and registers
 * an ODP MR over it. CUnit-fatal on failure.
 */
void mk_area_reg(struct mk *m, struct mk_area *a, void *buf, size_t len);
/* Deregisters the MR and frees the shadow (the mapping is the caller's). */
void mk_area_dereg(struct mk_area *a);

/*
 * Device RDMA WRITE of the pattern of seed (at the area's positions) to
 * [off, +len): the completion status; the shadow follows on success.
 */
int mk_write(struct mk *m, struct mk_area *a, size_t off, size_t len,
	     uint8_t seed);
/*
 * Device RDMA READ of [off, +len) into the pinned buffer (0xee first):
 * the completion status; *wrong gets the bytes that differ from the
 * shadow (len when the read failed).
 */
int mk_read(struct mk *m, struct mk_area *a, size_t off, size_t len,
	    size_t *wrong);
/* CPU write of the pattern of seed to [off, +len); the shadow follows. */
void mk_cpu_write(struct mk_area *a, size_t off, size_t len, uint8_t seed);
/* Bytes of [off, +len) of the memory that differ from the shadow. */
size_t mk_diff(const struct mk_area *a, size_t off, size_t len);
/* The same for another view of the area (a file read, a child's map). */
size_t mk_diff_buf(const struct mk_area *a, const uint8_t *view, size_t off,
		   size_t len);

/* rodp.ko's counters of the caller's region at addr; CUnit-fatal. */
void mk_stats(struct mk *m, const void *addr, struct rodp_stats *s);
/* Prints the deltas of the counters that tell the policies apart. */
void mk_print_delta(const char *what, const struct rodp_stats *b,
		    const struct rodp_stats *a);

/* kB of AnonHugePages (PMD-mapped THP) of the VMA holding addr, or -1. */
long mk_thp_kb(const void *addr);
/* A private anonymous mapping of len bytes aligned to align; NULL. */
void *mk_map_aligned(size_t len, size_t align);

/* Pages of [addr, +npages) that pagemap says are swapped out, or -1. */
long mk_swapped_pages(const void *addr, size_t npages);

/* Runs a shell command, printing it and its status on failure. */
int mk_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* RODP_MEMKIND_H */
