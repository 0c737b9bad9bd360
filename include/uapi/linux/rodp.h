/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * rodp: event-aware RDMA On-Demand Paging, generic netlink ABI.
 *
 * Shared by rodp.ko (kernel/) and librodp (lib/); described as a YNL spec
 * in kernel/rodp.yaml. Version 1 grows only by adding attributes and
 * commands at the end of each enum; nothing is ever renumbered.
 *
 * Kernel addresses never cross this interface: a region is named by its
 * 64-bit id, its owner's tgid, its user virtual range and, once bound, the
 * MR's lkey.
 */
#ifndef _UAPI_LINUX_RODP_H
#define _UAPI_LINUX_RODP_H

#define RODP_FAMILY_NAME	"rodp"
#define RODP_FAMILY_VERSION	1

/* Multicast group for region-shrunk/region-dead notifications; admin only. */
#define RODP_MCGRP_EVENTS	"events"

/* RODP_CMD_EVENTS_SUBSCRIBE: listening sockets per process. */
#define RODP_LISTENERS_MAX	8

/* Policy modes (RODP_A_POLICY). */
enum rodp_policy {
	/* Per process only: follow the global mode. */
	RODP_POLICY_DEFAULT = 0,
	/* Use the mmu_notifier event to skip, downgrade or shrink. */
	RODP_POLICY_EVENT_AWARE,
	/* Pure pass-through to the driver; only count. */
	RODP_POLICY_STOCK,

	__RODP_POLICY_MAX,
	RODP_POLICY_MAX = __RODP_POLICY_MAX - 1
};

/* RODP_A_POLICY_SCOPE: which policy a POLICY_GET/SET addresses. */
enum rodp_policy_scope {
	RODP_POLICY_SCOPE_GLOBAL = 0,
	RODP_POLICY_SCOPE_PROCESS,	/* RODP_A_PID, or the caller's tgid */
};

/* RODP_A_DEVICE_KIND. */
enum rodp_device_kind {
	/* The device page table is the umem pfn list (rxe, siw). */
	RODP_DEVICE_SOFTWARE = 0,
	/* The device has its own page table (mlx5). */
	RODP_DEVICE_HARDWARE,
};

/* RODP_A_REGION_STATE. */
enum rodp_region_state {
	RODP_REGION_LIVE = 0,
	/*
	 * No live range now: every byte of the range was unmapped. ODP
	 * resolves addresses at fault time, so the MR works again once
	 * memory is mapped there (mmap(MAP_FIXED), mremap() back): the next
	 * device fault or prefetch into the range makes the region live again
	 * (RODP_CMD_REGION_GROWN_NTF). The process's exit does not kill its
	 * regions; they go when their MRs are destroyed.
	 */
	RODP_REGION_DEAD,
};

/* RODP_A_PREFETCH_FLAGS. */
#define RODP_PREFETCH_WRITE	(1U << 0)	/* map writable */
#define RODP_PREFETCH_NO_FAULT	(1U << 1)	/* snapshot present pages only */

/*
 * Counters, nested in RODP_A_STATS. All are u64 and monotonic except the
 * *_LIVE gauges. The same set is kept per region and summed per process and
 * globally; a counter that has no meaning at some level is omitted there.
 */
enum rodp_stat {
	RODP_STAT_UNSPEC,
	/* Invalidations received, one per mmu_notifier event type. */
	RODP_STAT_INVAL_UNMAP,
	RODP_STAT_INVAL_CLEAR,
	RODP_STAT_INVAL_PROTECTION_VMA,
	RODP_STAT_INVAL_PROTECTION_PAGE,
	RODP_STAT_INVAL_SOFT_DIRTY,
	RODP_STAT_INVAL_RELEASE,
	RODP_STAT_INVAL_MIGRATE,
	RODP_STAT_INVAL_EXCLUSIVE,
	/* Pages of the region covered by those invalidations. */
	RODP_STAT_INVAL_PAGES,
	/* What the policy did with them. */
	RODP_STAT_ACT_DELEGATED,
	RODP_STAT_ACT_SKIPPED,
	RODP_STAT_ACT_DOWNGRADED,
	RODP_STAT_ACT_SHRUNK,
	/*
	 * Downgrade wanted, or a skip that relies on the device honouring a
	 * missing write bit, but the pfn-list format is unknown or the driver
	 * is not known to check it (RODP_A_DEVICE_TRUSTED 0): delegated.
	 */
	RODP_STAT_ACT_FALLBACK,
	/*
	 * Faulting calls of ib_umem_odp_map_dma_and_lock() by the driver:
	 * its data path and its own advise_mr prefetch, which drivers serve
	 * with the same call (rxe even from the same work queue), so the ODP
	 * core cannot tell them apart. Snapshot (no-fault) calls are not
	 * counted.
	 */
	RODP_STAT_FAULT_CALLS,
	RODP_STAT_FAULT_PAGES,
	RODP_STAT_FAULT_ERRORS,
	/* RODP_CMD_PREFETCH requests, and the pages they mapped. */
	RODP_STAT_PREFETCH_CALLS,
	RODP_STAT_PREFETCH_PAGES,
	/* Global and per process only. */
	RODP_STAT_UMEMS_CREATED,
	RODP_STAT_UMEMS_RELEASED,
	RODP_STAT_UMEMS_LIVE,
	/* Global only: umems left unwrapped because the ops table was full. */
	RODP_STAT_WRAP_FULL,
	RODP_STAT_PAD,
	/*
	 * The skips of RODP_STAT_ACT_SKIPPED by cause: PROTECTION_VMA that
	 * revokes nothing the device maps (NUMA-balancing hints, protection
	 * changes that only add rights), SOFT_DIRTY with no page writable.
	 */
	RODP_STAT_SKIP_PROTECTION,
	RODP_STAT_SKIP_SOFT_DIRTY,
	/*
	 * Global only: calls of the creation (ib_umem_odp_get/alloc_child)
	 * and release probes that did not run (kretprobe instance pool empty,
	 * or recursion): a umem left untracked, or a release whose module
	 * reference stays (rmmod busy).
	 */
	RODP_STAT_ATTACH_MISSED,
	RODP_STAT_RELEASE_MISSED,
	/*
	 * Invalidations that may not sleep (mmu_notifier_range_blockable()
	 * false: the OOM reaper, process_mrelease()), also counted by event
	 * above. A driver refuses those it needs its lock for; the reaper
	 * then retries and gives up on the process's memory.
	 */
	RODP_STAT_INVAL_NONBLOCK,

	__RODP_STAT_MAX,
	RODP_STAT_MAX = __RODP_STAT_MAX - 1
};

/* A live range of a region, nested in RODP_A_REGION_RANGES. */
enum rodp_range_attr {
	RODP_RANGE_UNSPEC,
	RODP_RANGE_START,	/* u64, user virtual address */
	RODP_RANGE_LENGTH,	/* u64, bytes */
	RODP_RANGE_PAD,

	__RODP_RANGE_MAX,
	RODP_RANGE_MAX = __RODP_RANGE_MAX - 1
};

/* One attach point or called symbol, nested in RODP_A_PROBE. */
enum rodp_probe_attr {
	RODP_PROBE_UNSPEC,
	RODP_PROBE_SYMBOL,	/* string, the kernel function */
	/* string: "kretprobe", "ftrace" (the release redirect), "call" */
	RODP_PROBE_TYPE,
	/* u8: registered and enabled; for "call", the symbol was resolved */
	RODP_PROBE_ARMED,
	RODP_PROBE_MISSED,	/* u64, calls it did not see (kretprobes) */
	RODP_PROBE_PAD,

	__RODP_PROBE_MAX,
	RODP_PROBE_MAX = __RODP_PROBE_MAX - 1
};

enum rodp_attr {
	RODP_A_UNSPEC,
	RODP_A_REGION_ID,	/* u64 */
	RODP_A_PID,		/* u32, owner tgid */
	RODP_A_ADDR,		/* u64, user virtual address */
	RODP_A_LENGTH,		/* u64, bytes */
	RODP_A_ACCESS,		/* u32, IB_ACCESS_* of the umem */
	RODP_A_DEVICE,		/* string, ib device name */
	RODP_A_DEVICE_KIND,	/* u32, enum rodp_device_kind */
	RODP_A_LKEY,		/* u32 */
	RODP_A_REGION_STATE,	/* u32, enum rodp_region_state */
	RODP_A_REGION_RANGES,	/* nest of RODP_A_RANGE */
	RODP_A_RANGE,		/* nest of enum rodp_range_attr */
	RODP_A_STATS,		/* nest of enum rodp_stat */
	RODP_A_POLICY,		/* u32, enum rodp_policy */
	RODP_A_POLICY_SCOPE,	/* u32, enum rodp_policy_scope */
	RODP_A_PREFETCH_FLAGS,	/* u32, RODP_PREFETCH_* */
	RODP_A_PAD,
	/*
	 * u8, 1 when the region's device driver is known to refuse device
	 * writes through pfn-list entries without write permission (rodp's
	 * own rdma_rxe); only then does rodp downgrade or skip, elsewhere it
	 * delegates and counts RODP_STAT_ACT_FALLBACK.
	 */
	RODP_A_DEVICE_TRUSTED,
	/* RODP_CMD_STATUS_GET. */
	RODP_A_ATTACHED,	/* u8, 1 while attached to the ODP core */
	RODP_A_KPROBES_LIVE,	/* u8, 0 when kprobes are switched off */
	RODP_A_PROBE,		/* nest of enum rodp_probe_attr, repeated */
	/*
	 * string, MODULE_VERSION of the rdma_rxe rodp saw last ("" for none:
	 * the distribution's); absent when rodp has not seen one. With it,
	 * RODP_A_DEVICE_TRUSTED says whether rodp trusts that module.
	 */
	RODP_A_RXE_VERSION,
	/*
	 * u8, 1 when the region is a child of an implicit ODP MR (one of the
	 * umems its driver made with ib_umem_odp_alloc_child() as the device
	 * reached that part of the address space), 0 for an MR's own umem.
	 */
	RODP_A_IMPLICIT_CHILD,
	/*
	 * u32, in notifications: how many other regions of the owner, not
	 * implicit children, have the same range, access flags and device.
	 * A listener (RODP_CMD_EVENTS_SUBSCRIBE) that names its MRs by those
	 * fields matches exactly only when it is 0.
	 */
	RODP_A_TWINS,

	__RODP_A_MAX,
	RODP_A_MAX = __RODP_A_MAX - 1
};

enum rodp_cmd {
	RODP_CMD_UNSPEC,
	/* Global counters, or one process's sums with RODP_A_PID. */
	RODP_CMD_STATS_GET,
	/* One region by RODP_A_REGION_ID; dump: all visible, filter RODP_A_PID. */
	RODP_CMD_REGION_GET,
	/*
	 * Bind RODP_A_LKEY to the caller's region covering RODP_A_ADDR and
	 * RODP_A_LENGTH; the binding socket receives that region's
	 * notifications. Replies with the region.
	 */
	RODP_CMD_REGION_BIND,
	RODP_CMD_POLICY_GET,
	/* Admin only, except a process setting its own policy. */
	RODP_CMD_POLICY_SET,
	/*
	 * Fault in RODP_A_ADDR/RODP_A_LENGTH of region RODP_A_REGION_ID through
	 * ib_umem_odp_map_dma_and_lock(); for providers without advise_mr.
	 * Software devices only (EOPNOTSUPP elsewhere): a hardware driver
	 * fills its own page table in its own prefetch, which rodp cannot do.
	 */
	RODP_CMD_PREFETCH,
	/*
	 * Notifications: unicast to the binder and to RODP_MCGRP_EVENTS, each
	 * with the region's state and live ranges as they are when sent.
	 * Every notification of a region is queued on its receivers before
	 * the destruction of its MR returns; none is sent after.
	 */
	RODP_CMD_REGION_SHRUNK_NTF,
	RODP_CMD_REGION_DEAD_NTF,
	/*
	 * How rodp is attached: its probes and the symbols it calls, whether
	 * kprobes are live, the global counters (attach-missed,
	 * release-missed among them) and the rdma_rxe it saw.
	 */
	RODP_CMD_STATUS_GET,
	/*
	 * Notification: a device fault or prefetch mapped part of the range
	 * that was not live (after mmap(MAP_FIXED) or mremap() over a shrunk
	 * or dead region); a dead region is live again.
	 */
	RODP_CMD_REGION_GROWN_NTF,
	/*
	 * The sending socket receives, from now until it is closed, the
	 * notifications of every region of the caller's process except the
	 * children of implicit ODP MRs, bound or not, with no BIND per MR.
	 * No attributes. Up to RODP_LISTENERS_MAX sockets per process (each
	 * gets every notification; ENOSPC past it); subscribing again from
	 * the same socket is a no-op.
	 */
	RODP_CMD_EVENTS_SUBSCRIBE,

	__RODP_CMD_MAX,
	RODP_CMD_MAX = __RODP_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_RODP_H */
