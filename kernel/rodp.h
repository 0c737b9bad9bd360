/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rodp: event-aware RDMA On-Demand Paging shim, internal header.
 *
 * Object model and lifetimes (details next to each structure):
 *
 *   rodp_slot    one per distinct driver mmu_interval_notifier_ops; static.
 *   rodp_proc    one per owner tgid; in rodp_procs (xarray, key global tgid).
 *   rodp_region  one per wrapped ODP umem; in its proc's interval tree and
 *		  list, and in rodp_umems (rhashtable, key umem pointer).
 *
 * Contexts: the attach probes run with preemption disabled (kprobe and
 * rethook handlers) and may not sleep or take a mutex, so everything they
 * touch is protected by spinlocks or RCU, and they allocate with
 * GFP_NOWAIT. The invalidate wrappers run inside mmu_notifier
 * invalidate_range_start: they may sleep only when the range is blockable
 * and must never allocate with reclaim (lockdep: fs_reclaim ->
 * mmu_notifier_invalidate_range_start).
 */
#ifndef _RODP_H
#define _RODP_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <rdma/ib_verbs.h>

#include "rodp_live.h"
#include "rodp_policy.h"

struct ib_umem_odp;
struct pid;
struct sk_buff;

#define RODP_NR_SLOTS	8

/* kzalloc_obj() arrived in 7.0; the same call on older kernels. */
#ifndef kzalloc_obj
#define kzalloc_obj(P, gfp) kzalloc(sizeof(P), gfp)
#endif
#ifndef kmalloc_obj
#define kmalloc_obj(P, gfp) kmalloc(sizeof(P), gfp)
#endif

/* A set of counters, indexed by enum rodp_stat. */
struct rodp_counters {
	atomic64_t val[__RODP_STAT_MAX];
};

/**
 * struct rodp_slot - one wrapper for one original ops
 * @ops: the wrapper ops installed in wrapped notifiers; the wrapper finds
 *	its slot, and so the original, with container_of() on this member
 * @orig: the driver's ops
 * @users: wrapped umems whose notifier points at @ops
 *
 * The table is static. @ops and @orig are written only under
 * rodp_slots_lock while @users is zero, i.e. while no notifier can call
 * through @ops; mmu_interval_notifier_insert() orders those writes before
 * the first callback. @users is changed under rodp_slots_lock.
 */
struct rodp_slot {
	struct mmu_interval_notifier_ops ops;
	const struct mmu_interval_notifier_ops *orig;
	unsigned int users;
};

/**
 * struct rodp_proc - the regions of one process
 * @tgid: global tgid, the key in rodp_procs; constant
 * @pid: the process's struct pid (holds a reference); constant
 * @uid: effective uid of the process when @proc was created; constant
 * @lock: protects @tree, @regions and @nr_regions
 * @tree: interval tree of the regions' umem ranges
 * @regions: the regions in id order (ids are allocated cyclically under
 *	@lock, so append keeps the order until they wrap)
 * @nr_regions: number of regions on @regions
 * @policy: the process's enum rodp_policy; READ_ONCE/WRITE_ONCE, written
 *	under rodp_policy_lock
 * @stats: sums over the process's regions, released ones included
 * @ref: one per region, one while @policy is not RODP_POLICY_DEFAULT, one
 *	per temporary user. At zero the proc leaves rodp_procs (under its
 *	xa_lock) and is freed after an RCU grace period.
 * @rcu: for kfree_rcu()
 */
struct rodp_proc {
	pid_t tgid;
	struct pid *pid;
	kuid_t uid;
	spinlock_t lock;		/* see @lock above */
	struct rb_root_cached tree;
	struct list_head regions;
	unsigned int nr_regions;
	unsigned int policy;
	struct rodp_counters stats;
	refcount_t ref;
	struct rcu_head rcu;
};

/**
 * struct rodp_region - one tracked ODP umem
 * @id: from rodp_ids, unique among tracked regions, reused only after
 *	2^32 - 1 more regions; set before the region can be found
 *	(published), constant after
 * @proc: the owner; holds a reference; constant
 * @slot: the wrapper slot the umem uses; constant
 * @start: the umem's user virtual address; constant
 * @length: the umem's length in bytes; constant
 * @access: IB_ACCESS_* flags passed to ib_umem_odp_get(); constant
 * @kind: enum rodp_device_kind; constant
 * @virt_dma: the device uses virtual DMA (its pfn list has no DMA state);
 *	constant
 * @wp_trusted: the device's driver is known to refuse a device write
 *	through a pfn-list entry without HMM_PFN_WRITE (rodp_driver_trusted());
 *	constant
 * @implicit_child: the umem is a child of an implicit ODP MR
 *	(ib_umem_odp_alloc_child()), not an MR's own; constant
 * @device: ib device name at registration; constant
 * @umem: the umem, also the key in rodp_umems; constant. Dereferenced
 *	only by callers that pin the umem: its own invalidate and fault
 *	callbacks, or an @inflight holder that saw !@releasing under @lock.
 * @rb: node in @proc->tree, under @proc->lock
 * @it_start: interval tree start, @start
 * @it_last: interval tree last, @start + @length - 1
 * @it_subtree_last: interval tree augmentation
 * @proc_node: on @proc->regions, under @proc->lock
 * @hnode: in rodp_umems while the umem is wrapped and not released
 * @lock: protects @live, @state, @bound, @lkey, @binder, @releasing and
 *	@ntf_pending
 * @live: the live ranges (rodp_live.h): an UNMAP removes its part, a
 *	device fault or prefetch that mapped part of the umem adds it back
 * @state: enum rodp_region_state: RODP_REGION_DEAD exactly while @live
 *	has no range
 * @releasing: ib_umem_odp_release() was entered; no new @inflight users,
 *	and @ntf_work sends nothing more (every notification of a region is
 *	queued on its receivers before its MR's destruction returns)
 * @bound: @lkey and @binder are valid
 * @lkey: MR lkey given by REGION_BIND
 * @binder: netlink portid of the binding socket, 0 if none; held in
 *	rodp_portid.c while set (dropped when cleared, and at free)
 * @ntf_pending: RODP_NTF_* bits not yet sent by @ntf_work
 * @ntf_work: sends the notifications, on rodp_wq
 * @inflight: rodp prefetches using @umem; release waits for zero on @wq
 * @wq: see @inflight
 * @prefetch_lock: serialises rodp prefetches of this region (sleeping)
 * @prefetcher: task running a rodp prefetch, read by the fault probe to
 *	tell prefetches from faults; written under @prefetch_lock
 * @release_armed: the release return probe will drop the attach references
 * @stats: this region's counters
 * @ref: one for the attachment (from creation until the release probe
 *	returns), one per queued @ntf_work, one per temporary user
 * @rcu: for kfree_rcu()
 */
struct rodp_region {
	u64 id;
	struct rodp_proc *proc;
	struct rodp_slot *slot;
	unsigned long start;
	unsigned long length;
	u32 access;
	u8 kind;
	bool virt_dma;
	bool wp_trusted;
	bool implicit_child;
	char device[IB_DEVICE_NAME_MAX];

	struct ib_umem_odp *umem;

	struct rb_node rb;
	unsigned long it_start;
	unsigned long it_last;
	unsigned long it_subtree_last;
	struct list_head proc_node;
	struct rhash_head hnode;

	spinlock_t lock;		/* see @lock above */
	struct rodp_live live;
	u8 state;
	bool releasing;
	bool bound;
	u32 lkey;
	u32 binder;
	unsigned long ntf_pending;
	struct work_struct ntf_work;

	atomic_t inflight;
	wait_queue_head_t wq;
	struct mutex prefetch_lock;	/* see @prefetch_lock above */
	struct task_struct *prefetcher;
	bool release_armed;

	struct rodp_counters stats;
	refcount_t ref;
	struct rcu_head rcu;
};

#define RODP_NTF_SHRUNK	0
#define RODP_NTF_DEAD	1
#define RODP_NTF_GROWN	2

/* rodp_main.c */
extern struct workqueue_struct *rodp_wq;
unsigned int rodp_global_policy(void);
void rodp_set_global_policy(unsigned int policy);

/* rodp_stats.c */
extern struct rodp_counters rodp_global_stats;
void rodp_stat_add(struct rodp_region *region, unsigned int stat, u64 n);
void rodp_stat_global_add(unsigned int stat, s64 n);
int rodp_stats_put(struct sk_buff *skb, struct rodp_counters *c,
		   bool region_level, bool global_level);

/* rodp_ops.c */
struct rodp_slot *rodp_slot_get(const struct mmu_interval_notifier_ops *orig);
void rodp_slot_put(struct rodp_slot *slot);

/* rodp_region.c */
int rodp_region_init(void (*notify)(struct rodp_region *region, u8 cmd));
void rodp_region_exit(void);
struct rodp_proc *rodp_proc_get(struct pid *pid, bool create, gfp_t gfp);
void rodp_proc_put(struct rodp_proc *proc);
unsigned int rodp_proc_policy(struct rodp_proc *proc);
int rodp_proc_set_policy(struct rodp_proc *proc, unsigned int policy);
struct rodp_region *rodp_region_alloc(gfp_t gfp);
int rodp_region_publish(struct rodp_region *region, struct ib_umem_odp *umem);
void rodp_region_unhash(struct rodp_region *region);
void rodp_region_detach(struct rodp_region *region);
struct rodp_region *rodp_region_find_umem(struct ib_umem_odp *umem);
struct rodp_region *rodp_region_get_umem(struct ib_umem_odp *umem);
struct rodp_region *rodp_region_get_id(u64 id);
struct rodp_region *rodp_region_get_bind(struct rodp_proc *proc,
					 unsigned long addr,
					 unsigned long length);
void rodp_region_put(struct rodp_region *region);
u32 rodp_region_twins(struct rodp_region *region);
void rodp_region_unbind_portid(u32 portid);
int rodp_region_walk(unsigned long *tgid, u64 *after_id,
		     int (*fn)(struct rodp_region *region, void *arg),
		     void *arg);
unsigned int rodp_regions_gen(void);
void rodp_region_shrink(struct rodp_region *region, unsigned long start,
			unsigned long end);
void rodp_region_grow(struct rodp_region *region, unsigned long start,
		      unsigned long end);

/* rodp_downgrade.c */
bool rodp_umem_any_writable(struct ib_umem_odp *umem, unsigned long start,
			    unsigned long end);
void rodp_umem_downgrade(struct ib_umem_odp *umem, unsigned long start,
			 unsigned long end);
bool rodp_can_downgrade(struct rodp_region *region);
bool rodp_wp_enforced(struct rodp_region *region);

/* rodp_vma.c */
unsigned int rodp_range_revokes(struct ib_umem_odp *umem, struct mm_struct *mm,
				unsigned long start, unsigned long end);

/* rodp_attach.c */
int rodp_attach(void);
void rodp_detach(void);
u64 rodp_probes_missed(unsigned int stat);

/* rodp_trust.c */
struct module;
void rodp_trust_note_module(const struct module *mod);
void rodp_trust_forget_module(const struct module *mod);
bool rodp_trust_rxe(char *version, size_t len, bool *trusted);

/* rodp_attach.c: what RODP_CMD_STATUS_GET reports */
#define RODP_NR_PROBE_STATES	7

struct rodp_probe_state {
	const char *symbol;
	const char *type;	/* "kretprobe", "ftrace" or "call" */
	bool armed;		/* registered; for "call": resolved */
	u64 missed;		/* kretprobes only */
};

struct rodp_attach_state {
	bool attached;
	bool kprobes_live;	/* a test kprobe fired: not switched off */
	unsigned int nr;
	struct rodp_probe_state probe[RODP_NR_PROBE_STATES];
};

void rodp_attach_state(struct rodp_attach_state *st);

/* rodp_netlink.c */
int rodp_netlink_init(void);
void rodp_netlink_exit(void);
void rodp_netlink_notify(struct rodp_region *region, u8 cmd);

/* rodp_portid.c */
void rodp_portid_hold(u32 portid);
void rodp_portid_put(u32 portid);
bool rodp_portid_maybe_held(u32 portid);

/* rodp_prefetch (in rodp_attach.c, it needs the release barrier) */
long rodp_prefetch(struct rodp_region *region, u64 addr, u64 length,
		   u32 flags);

#endif /* _RODP_H */
