/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * librodp: event-aware RDMA On-Demand Paging for libibverbs applications.
 *
 * Conventions are those of libibverbs: calls that return a pointer return
 * NULL and set errno; calls that return int return 0 or a positive errno
 * value. Every call is thread-safe.
 */
#ifndef RODP_RODP_H
#define RODP_RODP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <infiniband/verbs.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* ODP capabilities                                                    */
/* ------------------------------------------------------------------ */

enum rodp_transport {
	RODP_TRANSPORT_RC,
	RODP_TRANSPORT_UC,
	RODP_TRANSPORT_UD,
	RODP_TRANSPORT_XRC,
};

enum rodp_op {
	RODP_OP_SEND,
	RODP_OP_RECV,
	RODP_OP_WRITE,
	RODP_OP_READ,
	RODP_OP_ATOMIC,
	RODP_OP_SRQ_RECV,
	RODP_OP_FLUSH,
	RODP_OP_ATOMIC_WRITE,
};

/* Why ODP can or cannot serve a transport and operation. */
enum rodp_odp_reason {
	RODP_ODP_SUPPORTED = 0,
	/* The device has no On-Demand Paging at all. */
	RODP_ODP_NO_DEVICE_SUPPORT,
	/* The device has ODP, but not for this transport. */
	RODP_ODP_NO_TRANSPORT_SUPPORT,
	/* The transport has ODP, but not for this operation. */
	RODP_ODP_NO_OP_SUPPORT,
	/* The libibverbs librodp was built with cannot express this query. */
	RODP_ODP_LIBRARY_TOO_OLD,
	/* This operation does not exist on this transport. */
	RODP_ODP_INVALID_COMBINATION,
};

/*
 * Returns 0 when an ODP memory region on ctx's device can serve op over
 * transport; EOPNOTSUPP when it cannot (*reason says why); EINVAL for a bad
 * argument; or the errno of ibv_query_device_ex(). reason may be NULL.
 */
int rodp_query_odp(struct ibv_context *ctx, enum rodp_transport transport,
		   enum rodp_op op, enum rodp_odp_reason *reason);

/* A one-line English explanation of reason; never NULL. */
const char *rodp_odp_reason_str(enum rodp_odp_reason reason);

/* ------------------------------------------------------------------ */
/* Connection to rodp.ko                                               */
/* ------------------------------------------------------------------ */

struct rodp_ctx;

/*
 * Connects to rodp.ko over generic netlink. NULL and errno on failure:
 * ENODEV when the module is not loaded, EPROTO when it speaks another ABI
 * version, ENOMEM.
 */
struct rodp_ctx *rodp_open(void);
void rodp_close(struct rodp_ctx *ctx);

/*
 * The error message rodp.ko attached to the calling thread's last failed
 * request (netlink extended ACK), or "" when it gave none.
 */
const char *rodp_last_error_msg(void);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

/* Invalidation causes, as the kernel's mmu_notifier_event names them. */
enum rodp_inval {
	RODP_INVAL_UNMAP,
	RODP_INVAL_CLEAR,
	RODP_INVAL_PROTECTION_VMA,
	RODP_INVAL_PROTECTION_PAGE,
	RODP_INVAL_SOFT_DIRTY,
	RODP_INVAL_RELEASE,
	RODP_INVAL_MIGRATE,
	RODP_INVAL_EXCLUSIVE,
	RODP_INVAL_COUNT,
};

/*
 * rodp.ko's counters. Grows only at the end; callers pass sizeof(struct
 * rodp_stats) as they compiled it and get the fields that fit.
 */
struct rodp_stats {
	uint64_t inval[RODP_INVAL_COUNT];	/* invalidations by cause */
	uint64_t inval_pages;		/* region pages they covered */
	uint64_t delegated;		/* passed to the driver unchanged */
	uint64_t skipped;		/* nothing to do for the device */
	uint64_t downgraded;		/* write permission dropped only */
	uint64_t shrunk;		/* range left the region (munmap) */
	uint64_t fallback;		/* downgrade impossible, delegated */
	uint64_t fault_calls;		/* data-path page faults */
	uint64_t fault_pages;
	uint64_t fault_errors;
	uint64_t prefetch_calls;	/* advise_mr or rodp prefetch */
	uint64_t prefetch_pages;
	uint64_t umems_created;		/* ODP umems seen (global, process) */
	uint64_t umems_released;
	uint64_t umems_live;
	uint64_t wrap_full;		/* umems left unwrapped (global) */
};

/*
 * Reads rodp.ko's counters: global ones when pid is 0, else the sums of
 * process pid's regions. Fills the first stats_size bytes of *stats.
 * Returns 0, EINVAL, ESRCH (no such process known to rodp), EPERM (another
 * user's process), ENODEV (rodp.ko went away) or another errno.
 */
int rodp_get_stats(struct rodp_ctx *ctx, pid_t pid, struct rodp_stats *stats,
		   size_t stats_size);

#ifdef __cplusplus
}
#endif

#endif /* RODP_RODP_H */
