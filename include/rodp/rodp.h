/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * librodp: event-aware RDMA On-Demand Paging for libibverbs applications.
 *
 * Conventions are those of libibverbs: calls that return a pointer return
 * NULL and set errno; calls that return int return 0 or a positive errno
 * value (the one exception, rodp_get_event_fd(), returns a descriptor or
 * -1 and errno, like open(2)). Every call is thread-safe.
 *
 * Two kinds of calls:
 *  - registration and prefetch (rodp_reg_mr() ...) need no rodp_ctx and no
 *    rodp.ko: they work on plain libibverbs objects. When rodp.ko is
 *    loaded the library binds every ODP MR to the module's region through
 *    one process-wide netlink socket of its own (opened on first use), so
 *    per-MR statistics and munmap events work;
 *  - calls that only the module can answer take a struct rodp_ctx from
 *    rodp_open() (which fails with ENODEV when rodp.ko is not loaded).
 *
 * Per-MR state lives in a table keyed by the struct ibv_mr pointer under a
 * mutex. rodp_dereg_mr() frees it. An application that calls
 * ibv_dereg_mr() directly is safe: the stale entry is recognised (its lkey
 * and handle no longer match) and reclaimed when the pointer is reused by a
 * later registration or looked up by a later call; until then it costs a
 * few dozen bytes. The MR pointer itself must of course not be used after
 * ibv_dereg_mr(), exactly as with libibverbs.
 *
 * After fork(2) the child starts with an empty library state: it may call
 * every function on objects it creates itself (rodp_open() again,
 * ibv_open_device() again, rodp_reg_mr() ...). A rodp_ctx or an MR
 * inherited from the parent is refused with EBADF and never touched, so the
 * child cannot disturb the parent's netlink socket or deregister the
 * parent's MR.
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
	RODP_INVAL_COUNT,	/* causes this header knows; may grow */
};

/*
 * Slots of struct rodp_stats.inval: fixed by the ABI, never
 * RODP_INVAL_COUNT, so that a cause added to the enum (a new kernel
 * mmu_notifier_event) never moves the fields after the array. A cause
 * beyond the slots is counted in no slot of this struct.
 */
#define RODP_INVAL_SLOTS 8

/*
 * rodp.ko's counters. Grows only at the end; callers pass sizeof(struct
 * rodp_stats) as they compiled it and get the fields that fit.
 */
struct rodp_stats {
	uint64_t inval[RODP_INVAL_SLOTS];	/* by enum rodp_inval cause */
	uint64_t inval_pages;		/* region pages they covered */
	uint64_t delegated;		/* passed to the driver unchanged */
	uint64_t skipped;		/* nothing to do for the device */
	uint64_t downgraded;		/* write permission dropped only */
	uint64_t shrunk;		/* range left the region (munmap) */
	uint64_t fallback;		/* downgrade impossible, delegated */
	uint64_t fault_calls;		/* driver faults, advise_mr included */
	uint64_t fault_pages;		/* in PAGE_SIZE pages, as all here */
	uint64_t fault_errors;
	uint64_t prefetch_calls;	/* rodp.ko prefetch requests */
	uint64_t prefetch_pages;
	uint64_t umems_created;		/* ODP umems seen (global, process) */
	uint64_t umems_released;
	uint64_t umems_live;
	uint64_t wrap_full;		/* umems left unwrapped (global) */
	/* skipped by cause: PROTECTION_VMA that revokes nothing from the
	 * device (NUMA-balancing hints), SOFT_DIRTY with no page writable. */
	uint64_t skip_protection;
	uint64_t skip_soft_dirty;
	uint64_t attach_missed;		/* creation probe missed (global) */
	uint64_t release_missed;	/* release probe missed (global) */
	/* invalidations that may not sleep (OOM reaper), also in inval[] */
	uint64_t inval_nonblock;
	/* Room for later counters, so that rodp_stats can be embedded in
	 * struct rodp_mr_stats and rodp_region_info and still grow. */
	uint64_t reserved[11];
};

/*
 * Reads rodp.ko's counters: global ones when pid is 0, else the sums of
 * process pid's regions. Fills the first stats_size bytes of *stats.
 * Returns 0, EINVAL, ENOENT (no rodp state for process pid, or another
 * user's process), EBADF (ctx inherited across fork), ENODEV (rodp.ko went
 * away) or another errno.
 */
int rodp_get_stats(struct rodp_ctx *ctx, pid_t pid, struct rodp_stats *stats,
		   size_t stats_size);


/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */
/* rodp_last_error_msg() (declared above) also carries the library's own
 * explanation of the calling thread's last failed call, e.g. why ODP was
 * refused. */

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

/* rodp_reg_mr() flags: exactly one mode. */
enum rodp_reg_flags {
	/* ODP or nothing: fail with EOPNOTSUPP and a message saying why. */
	RODP_REG_ODP_REQUIRED = 0,
	/* ODP when the device can, else an ordinary pinned MR (and say so
	 * in its statistics: RODP_MR_PINNED_FALLBACK). */
	RODP_REG_ODP_PREFERRED = 1 << 0,
	/* Implicit ODP over the whole address space: addr NULL, length
	 * SIZE_MAX. ENOTSUP where the device has none (rxe). */
	RODP_REG_ODP_IMPLICIT = 1 << 1,
};

/*
 * A drop-in for ibv_reg_mr(): same arguments plus flags; IBV_ACCESS_ON_DEMAND
 * is added by the library. Returns a real struct ibv_mr usable in every
 * verb, or NULL and errno: EINVAL (bad argument), EOPNOTSUPP/ENOTSUP (no ODP
 * for this device, the transport RC, or an operation access implies; see
 * rodp_last_error_msg()), or ibv_reg_mr()'s errno. ODP support is checked
 * for RC with the operations access asks for (REMOTE_WRITE: write,
 * REMOTE_READ: read, REMOTE_ATOMIC: atomic, LOCAL_WRITE: recv).
 */
struct ibv_mr *rodp_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			   unsigned int access, unsigned int flags);

enum rodp_reg_mr_attr_mask {
	RODP_REG_MR_ATTR_IOVA = 1 << 0,	/* iova is valid (ibv_reg_mr_iova) */
};

/* Growable input for rodp_reg_mr_ex(): set comp_mask for optional fields. */
struct rodp_reg_mr_attr {
	uint32_t comp_mask;	/* enum rodp_reg_mr_attr_mask */
	uint32_t flags;		/* enum rodp_reg_flags */
	void *addr;
	size_t length;
	unsigned int access;	/* IBV_ACCESS_* */
	uint64_t iova;		/* with RODP_REG_MR_ATTR_IOVA */
};

/* rodp_reg_mr() with an IOVA; EOPNOTSUPP for an unknown comp_mask bit. */
struct ibv_mr *rodp_reg_mr_ex(struct ibv_pd *pd,
			      const struct rodp_reg_mr_attr *attr);

/*
 * Deregisters mr (any MR: one not made by librodp goes straight to
 * ibv_dereg_mr()) and frees the library's state. 0, EINVAL (NULL), EBADF
 * (an MR inherited across fork), or ibv_dereg_mr()'s errno (state kept).
 */
int rodp_dereg_mr(struct ibv_mr *mr);

/* 1 if mr was registered by librodp with ODP, else 0. */
int rodp_mr_is_odp(struct ibv_mr *mr);

/* ------------------------------------------------------------------ */
/* Prefetch                                                            */
/* ------------------------------------------------------------------ */

enum rodp_prefetch_flags {
	RODP_PREFETCH_F_WRITE = 1 << 0,		/* map writable */
	RODP_PREFETCH_F_NO_FAULT = 1 << 1,	/* map present pages only */
	RODP_PREFETCH_F_ASYNC = 1 << 2,		/* do not wait for it */
};

/*
 * Faults [addr, addr + length) of ODP MR mr into the device's page table.
 * Ranges rodp.ko reports unmapped are skipped; the rest goes to
 * ibv_advise_mr() in batches of SGEs, or to rodp.ko's RODP_CMD_PREFETCH
 * when the provider answers EOPNOTSUPP or RODP_PREFETCH_FALLBACK=1 is set
 * in the environment. 0 on success (also for a pinned MR: nothing to do),
 * EINVAL, EBADF (inherited MR), EFAULT (no byte of the range is mapped any
 * more), EPERM (write prefetch of a read-only MR), EOPNOTSUPP (no path can
 * prefetch: provider refuses and rodp.ko is absent), or the errno of the
 * path used.
 */
int rodp_prefetch_mr(struct ibv_mr *mr, void *addr, size_t length,
		     unsigned int flags);

/*
 * rodp_prefetch_mr() of a list of ranges of one MR, as ibv_advise_mr()
 * takes them: every SGE's lkey must be mr->lkey, its length non-zero and
 * its range inside mr; at most 4096 SGEs. Same results, plus EINVAL for
 * a bad list. Since RODP_1.1.
 */
int rodp_prefetch_mr_sg(struct ibv_mr *mr, const struct ibv_sge *sg_list,
			uint32_t num_sge, unsigned int flags);

/* ------------------------------------------------------------------ */
/* Per-MR and library statistics                                       */
/* ------------------------------------------------------------------ */

/* A region's state (same values as rodp.ko's RODP_REGION_*). */
enum rodp_state {
	RODP_STATE_LIVE = 0,
	RODP_STATE_DEAD = 1,	/* every byte was unmapped */
};

/* struct rodp_mr_stats.flags */
enum rodp_mr_stats_flags {
	RODP_MR_ODP = 1 << 0,		/* the MR is ODP */
	RODP_MR_PINNED_FALLBACK = 1 << 1, /* ODP_PREFERRED fell back */
	RODP_MR_BOUND = 1 << 2,		/* bound to a rodp.ko region */
	RODP_MR_KERNEL_STATS = 1 << 3,	/* .kernel and .state are valid */
	RODP_MR_NO_MODULE = 1 << 4,	/* rodp.ko is not loaded: only the
					 * library's fields are filled */
};

/*
 * One MR's statistics. Grows only at the end; pass sizeof as compiled.
 */
struct rodp_mr_stats {
	uint32_t flags;			/* enum rodp_mr_stats_flags */
	uint32_t state;			/* enum rodp_state */
	uint64_t region_id;		/* rodp.ko's region, 0 if unbound */
	uint64_t live_bytes;		/* bytes still mapped (kernel) */
	uint32_t live_ranges;		/* number of live ranges (kernel) */
	int32_t fallback_errno;		/* why ODP was refused, if fallback */
	/* library side */
	uint64_t prefetch_calls;	/* rodp_prefetch_mr() calls */
	uint64_t prefetch_advise;	/* ... served by ibv_advise_mr() */
	uint64_t prefetch_shim;		/* ... served by RODP_CMD_PREFETCH */
	uint64_t prefetch_bytes;	/* bytes asked for and live */
	uint64_t prefetch_dead_bytes;	/* bytes skipped as unmapped */
	/* rodp.ko's counters for this region (region level) */
	struct rodp_stats kernel;
};

/*
 * Fills the first stats_size bytes of *stats for mr. 0; EINVAL; EBADF
 * (inherited MR). Without rodp.ko it returns 0 with the library's fields
 * filled, RODP_MR_NO_MODULE set and RODP_MR_KERNEL_STATS clear. A pinned
 * MR returns 0 without kernel counters.
 */
int rodp_get_mr_stats(struct ibv_mr *mr, struct rodp_mr_stats *stats,
		      size_t stats_size);

/* The library's own counters for this process. Grows only at the end. */
struct rodp_lib_stats {
	uint64_t reg_calls;		/* rodp_reg_mr(_ex) calls */
	uint64_t reg_odp;		/* ODP MRs made */
	uint64_t reg_pinned_fallback;	/* ODP_PREFERRED fell back to pinned */
	uint64_t reg_failed;
	uint64_t dereg_calls;
	uint64_t bind_ok;		/* MRs bound to a rodp.ko region */
	uint64_t bind_failed;		/* module absent or no region */
	uint64_t prefetch_calls;
	uint64_t prefetch_advise;	/* calls served by ibv_advise_mr() */
	uint64_t prefetch_shim;		/* calls served by rodp.ko */
	uint64_t prefetch_fallback;	/* advise said EOPNOTSUPP: shim used */
	uint64_t prefetch_forced;	/* shim forced by RODP_PREFETCH_FALLBACK */
	uint64_t prefetch_sges;		/* SGEs passed to ibv_advise_mr() */
	uint64_t prefetch_dead_bytes;	/* bytes skipped as unmapped */
	uint64_t prefetch_errors;
	uint64_t events;		/* events returned by rodp_get_event() */
	uint64_t events_lost;		/* netlink overruns seen */
	uint64_t mrs_tracked;		/* gauge: MRs in the table */
	uint64_t stale_reclaimed;	/* entries of MRs freed by ibv_dereg_mr */
	uint64_t bind_mismatch;		/* rodp.ko offered another MR's region
					 * (device, range or access differ):
					 * refused */
};

/* Fills the first stats_size bytes of *stats. 0 or EINVAL. */
int rodp_get_lib_stats(struct rodp_lib_stats *stats, size_t stats_size);

/* ------------------------------------------------------------------ */
/* Policy                                                              */
/* ------------------------------------------------------------------ */

/* Same values as rodp.ko's RODP_POLICY_* (include/uapi/linux/rodp.h). */
enum rodp_policy_mode {
	RODP_POLICY_MODE_DEFAULT = 0,	/* process: follow the global mode */
	RODP_POLICY_MODE_EVENT_AWARE = 1,
	RODP_POLICY_MODE_STOCK = 2,
};

/* The calling process's policy. 0, EINVAL, ENODEV, EBADF, or an errno. */
int rodp_set_policy(struct rodp_ctx *ctx, enum rodp_policy_mode policy);
int rodp_get_policy(struct rodp_ctx *ctx, enum rodp_policy_mode *policy);
/* Another process's (pid 0: the caller); setting another's needs
 * CAP_NET_ADMIN (EPERM). ESRCH when no such process exists. */
int rodp_set_process_policy(struct rodp_ctx *ctx, pid_t pid,
			    enum rodp_policy_mode policy);
int rodp_get_process_policy(struct rodp_ctx *ctx, pid_t pid,
			    enum rodp_policy_mode *policy);
/* The global mode (never DEFAULT); setting it needs CAP_NET_ADMIN. */
int rodp_set_global_policy(struct rodp_ctx *ctx, enum rodp_policy_mode policy);
int rodp_get_global_policy(struct rodp_ctx *ctx, enum rodp_policy_mode *policy);
/* "default", "event-aware", "stock"; "unknown" otherwise. Never NULL. */
const char *rodp_policy_str(enum rodp_policy_mode policy);

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

enum rodp_event_type {
	RODP_EVENT_REGION_SHRUNK = 1,	/* part of an MR was unmapped */
	RODP_EVENT_REGION_DEAD,		/* all of it: none of it is live */
	/* Since RODP_1.2: events of this context were dropped here (its
	 * queue was full, or the kernel's socket overran); .lost says how
	 * many (at least), the other fields are zero. Consumers of older
	 * releases ignore types they do not know. */
	RODP_EVENT_LOST,
	/* a device fault or prefetch mapped part of it again (after
	 * mmap(MAP_FIXED) or mremap() back); a dead MR is live again */
	RODP_EVENT_REGION_GROWN,
};

/* One event. Grows only at the end; pass sizeof as compiled. */
struct rodp_event {
	uint32_t type;			/* enum rodp_event_type */
	uint32_t state;			/* enum rodp_state */
	uint64_t region_id;
	struct ibv_mr *mr;		/* this process's MR, NULL if unknown */
	uint32_t lkey;
	uint32_t pid;
	uint64_t addr;			/* the MR's range */
	uint64_t length;
	uint64_t live_bytes;		/* still mapped */
	uint32_t live_ranges;
	uint32_t reserved;
	uint64_t lost;			/* RODP_EVENT_LOST: events dropped */
};

/*
 * A descriptor that polls readable (POLLIN, epoll) while an event is
 * pending for ctx. Each context subscribes for itself (its first call
 * here or to rodp_get_event()) and gets every event of this process's MRs
 * from then on, in its own queue: an application and a library in one
 * process do not take each other's events. ctx NULL is the library's own
 * subscriber. The descriptor is the library's (do not close it); it lives
 * until rodp_close(ctx). -1 and errno ENODEV when rodp.ko is not loaded.
 */
int rodp_get_event_fd(struct rodp_ctx *ctx);

/*
 * Takes the next event without blocking: 0 and *event filled (its first
 * event_size bytes), EAGAIN when none is pending, EINVAL, ENODEV.
 */
int rodp_get_event(struct rodp_ctx *ctx, struct rodp_event *event,
		   size_t event_size);

/* ------------------------------------------------------------------ */
/* Regions (for tools)                                                 */
/* ------------------------------------------------------------------ */

/* A region's device kind (same values as rodp.ko's RODP_DEVICE_*). */
enum rodp_device_kind_pub {
	RODP_KIND_SOFTWARE = 0,	/* device page table is the pfn list: rxe */
	RODP_KIND_HARDWARE = 1,	/* own page table: mlx5 */
};

struct rodp_range {
	uint64_t start;
	uint64_t length;
};

/* One region of rodp.ko, as passed to a rodp_region_cb. */
struct rodp_region_info {
	uint64_t id;
	uint32_t pid;
	uint32_t access;		/* IB_ACCESS_* of the umem */
	uint64_t addr;
	uint64_t length;
	char device[64];
	uint32_t device_kind;		/* RODP_KIND_* */
	uint32_t lkey;			/* valid when bound */
	uint32_t bound;
	uint32_t state;			/* enum rodp_state */
	uint32_t nr_ranges;
	const struct rodp_range *ranges; /* live ranges, nr_ranges of them */
	struct rodp_stats stats;	/* region-level counters */
	/*
	 * 1 when the region is a child of an implicit ODP MR (one of the
	 * umems the driver makes as the device reaches a part of the address
	 * space; its MR is the implicit one), 0 for an MR's own. Fields
	 * are only ever appended: the library owns this struct, a caller
	 * only reads it.
	 */
	uint32_t implicit_child;
};

/* Called once per region; valid only during the call. Non-zero stops. */
typedef int (*rodp_region_cb)(const struct rodp_region_info *info,
			      void *arg);

/*
 * Calls cb for every region of process pid (0: every region the caller
 * may see), after the whole dump was read and with no library lock held,
 * so cb may call the library (on ctx too). 0, EINVAL, ENODEV, EAGAIN (the
 * kernel's list changed during the dump; cb was not called: ask again),
 * ENOMEM, or an errno.
 */
int rodp_get_regions(struct rodp_ctx *ctx, pid_t pid, rodp_region_cb cb,
		     void *arg);

#ifdef __cplusplus
}
#endif

#endif /* RODP_RODP_H */
