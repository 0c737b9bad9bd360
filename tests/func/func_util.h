/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Helpers shared by the functional tests of rodp.ko: an RC loopback pair
 * on one rxe device (the "peer" that does RDMA to the test's memory),
 * rodp.ko queries that the public library does not offer (region dump,
 * policy), and the /proc interfaces the invariants are checked through.
 */
#ifndef RODP_FUNC_UTIL_H
#define RODP_FUNC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <infiniband/verbs.h>
#include <linux/rodp.h>
#include <rodp/rodp.h>

/* Two RC QPs on one device connected to each other: qp[0] posts. */
struct lb {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	union ibv_gid gid;
	int gid_index;
	enum ibv_mtu mtu;
	uint64_t next_wr_id;
};

/*
 * 0, or -1 with a message on stderr. With RODP_REQUIRE_DEVICE=1 (set by
 * the guest harness once rxe0 is up) a failure prints "FAIL: ..." and
 * exits 1 instead: there the device must work.
 */
int lb_open(struct lb *lb, const char *dev);
void lb_close(struct lb *lb);

/*
 * One RDMA WRITE or READ between local [laddr, +len) of lkey and remote
 * raddr of rkey. Returns the completion's status (IBV_WC_SUCCESS is 0), or
 * -1 on a posting error or timeout. After an error the QPs are brought
 * back to RTS; a transfer that failed only because a QP was not ready
 * (flushed, retries exhausted, no completion) is tried again, at most
 * three times in all, and says so on stdout.
 */
int lb_rdma(struct lb *lb, enum ibv_wr_opcode op, void *laddr, uint32_t lkey,
	    size_t len, uint64_t raddr, uint32_t rkey);

/*
 * Brings both QPs back to RTS after an error completion, for callers that
 * post their own work requests: 0, or -1 with a message on stderr.
 */
int lb_recover(struct lb *lb);

/* An ODP MR with local and remote read/write access; NULL + errno. */
struct ibv_mr *lb_reg_odp(struct lb *lb, void *addr, size_t len);

/*
 * A test fixture: a fresh ODP region of its own mapping, and a pinned
 * local buffer of the same size at the other end of every transfer.
 */
struct func_fix {
	struct lb *lb;
	uint8_t *buf;		/* the ODP region */
	struct ibv_mr *mr;
	uint8_t *loc;		/* pinned */
	struct ibv_mr *loc_mr;
	size_t len, page;
};

/*
 * Sets the calling process's policy, maps and registers npages, and warms
 * them: the device writes every page (pattern of seed 1), so all are
 * mapped writable for it. CUnit-fatal on any failure. With
 * RODP_FUNC_MR=implicit in the environment the MR is an implicit ODP MR
 * (the whole address space), and a region of rodp.ko (one of rxe's
 * children) must cover the mapping once warmed.
 */
void func_fix_init(struct func_fix *f, struct lb *lb, struct rodp_ctx *ctx,
		   uint32_t policy, size_t npages);
/* Deregisters both MRs and unmaps what is left of the region. */
void func_fix_fini(struct func_fix *f);

/*
 * Device access to pages [first, first + n) of the region: a write of the
 * pattern of seed, or a read into loc (filled with 0xee first). The
 * completion status, as lb_rdma().
 */
int func_dev_write(struct func_fix *f, size_t first, size_t n, uint8_t seed);
int func_dev_read(struct func_fix *f, size_t first, size_t n);

/* The device named by RODP_DEV, or rxe0. */
const char *func_dev_name(void);

/*
 * rodp_open() for a test: on failure prints why and exits 77 (SKIP), or 1
 * when RODP_REQUIRE_MODULE is set (in the guest, where rodp.ko must be).
 */
struct rodp_ctx *func_rodp_open(void);

/*
 * A region as RODP_CMD_REGION_GET reports it. FUNC_MAX_RANGES holds every
 * range of the stress's 64-page regions (at most 32 disjoint ones): with
 * 16, a fragmented live set hid its last pages from the stress's check,
 * whose model then missed a page the device had faulted in again.
 */
#define FUNC_MAX_RANGES 40
struct func_region {
	uint64_t id;
	uint32_t pid;
	uint64_t addr, length;
	uint32_t state;
	bool bound;
	uint32_t lkey;
	bool implicit_child;	/* a child of an implicit ODP MR */
	unsigned int nranges;
	struct {
		uint64_t start, length;
	} range[FUNC_MAX_RANGES];
	struct rodp_stats stats;
};

/*
 * The regions visible to the caller, of process pid (0: all), copied from
 * rodp_get_regions() into out[max]. Returns the number found (may exceed
 * max), or -errno.
 */
int func_regions(struct rodp_ctx *ctx, pid_t pid, struct func_region *out,
		 int max);

/* The caller's region starting at addr: 0, or -errno (-ENOENT). */
int func_region_at(struct rodp_ctx *ctx, void *addr, struct func_region *r);

/* ---- NUMA (tests/vm/run --numa) ---- */

/* A line "name N" of /proc/vmstat, or 0 when it is missing. */
unsigned long func_vmstat(const char *name);

/*
 * Why the NUMA tests cannot run here (automatic NUMA balancing off, or
 * not CPU 0 on node 0 and CPU 1 on node 1), or NULL when they can.
 */
const char *func_numa_missing(void);

/*
 * RODP_CMD_PREFETCH of a whole region by its id, which librodp offers only
 * by MR: 0 or a positive errno.
 */
int func_prefetch(struct rodp_ctx *ctx, uint64_t region_id, uint32_t flags);

/*
 * RODP_A_DEVICE_TRUSTED of a region (REGION_GET by id): 0 or 1, or a
 * negative errno (-ENODATA when the reply lacks the attribute).
 */
int func_region_trusted(struct rodp_ctx *ctx, uint64_t region_id);

/*
 * Whether the loaded rdma_rxe is rodp's own build (kernel/rxe, patch 0006:
 * /sys/module/rdma_rxe/version starts with "rodp."): 1, 0, or -1 when
 * rdma_rxe is not loaded.
 */
int func_rxe_is_rodps(void);

/* The calling process's sums; exits the test on error. */
void func_proc_stats(struct rodp_ctx *ctx, struct rodp_stats *s);

/* Clears the soft-dirty bits of the calling process (clear_refs 4). */
int func_clear_soft_dirty(void);

/*
 * The soft-dirty bit (55 in /proc/self/pagemap) of each of the npages
 * pages from addr into dirty[]: 0, or -1 with errno on error.
 */
int func_soft_dirty_bits(const void *addr, size_t npages, bool *dirty);

/* Counts the pages of [addr, +len) that are soft-dirty; -1 on error. */
long func_soft_dirty_pages(void *addr, size_t len);

/* Fills len bytes with a pattern derived from seed. */
void func_fill(void *p, size_t len, uint8_t seed);
/* Bytes of p that differ from the pattern of seed. */
size_t func_check(const void *p, size_t len, uint8_t seed);
/* The same for [base + off, +len) of a buffer filled from base. */
size_t func_check_from(const void *base, size_t off, size_t len,
		       uint8_t seed);

/*
 * A fork child that checks its own copy of memory when told to, for the
 * tests of what fork() must keep out of a child (DESIGN.md invariant 1)
 * or let into it (shared memory). func_watch_fork() forks; the child
 * waits for a byte on a pipe, then runs check(arg) on its own view and
 * exits with the count check returned (what it found wrong; 0: all as
 * expected), capped at 254. Meanwhile the parent does what the child must
 * (not) see; func_watch_join() then sends the byte and reaps the child.
 * CUnit-fatal when pipe(), fork() or waitpid() fails.
 */
struct func_watch {
	pid_t pid;
	int go;		/* the write end of the child's pipe */
};

void func_watch_fork(struct func_watch *w, size_t (*check)(void *arg),
		     void *arg);
/*
 * Lets the child check and reaps it: its count (0 to 254), 255 when it
 * never got the byte, 256 when it did not exit (a signal killed it).
 */
int func_watch_join(struct func_watch *w);

#endif /* RODP_FUNC_UTIL_H */
