// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: regions and the per-process interval trees.
 *
 * Indexes:
 *   rodp_procs  xarray, global tgid -> struct rodp_proc; its xa_lock
 *		 protects membership, and a proc in it always has ref > 0
 *		 (the last put erases it under the same lock).
 *   proc->tree  interval tree of the process's umem ranges (BIND lookups)
 *		 and proc->regions (dumps, id lookups), under proc->lock.
 *   rodp_umems  rhashtable, umem pointer -> region, for the invalidate
 *		 wrappers and the probes; RCU readers.
 *   rodp_ids    allocating xarray, region id -> region, for the requests
 *		 that name a region; RCU readers.
 *
 * Lock order: rodp_procs.xa_lock -> proc->lock -> region->lock, and
 * proc->lock -> rodp_ids.xa_lock. The attach probes take these from atomic
 * context; nobody sleeps under them.
 */
#include <linux/cred.h>
#include <linux/interval_tree_generic.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"
#include "rodp_trust.h"

/* The live sets' nodes: allocated under region->lock, so GFP_NOWAIT. */
static struct rodp_range *rodp_live_new_node(void)
{
	struct rodp_range *range;

	return kzalloc_obj(*range, GFP_NOWAIT | __GFP_NOWARN);
}

static void rodp_live_free_node(struct rodp_range *range)
{
	kfree(range);
}

#define RODP_LIVE_FUNCTIONS
#include "rodp_live.h"

static DEFINE_XARRAY(rodp_procs);

/* Serialises proc->policy changes with the reference they carry. */
static DEFINE_SPINLOCK(rodp_policy_lock);

/* Changes whenever a region is published or detached (dump consistency). */
static atomic_t rodp_gen = ATOMIC_INIT(1);

/*
 * Region ids: a region is in rodp_ids from rodp_region_publish() to
 * rodp_region_detach(), and holds its attachment reference all that time,
 * so a reader under RCU that finds it can take a reference with
 * refcount_inc_not_zero(). Ids are allocated cyclically from 1, after
 * @rodp_ids_next: one is used again only after 2^32 - 1 more regions.
 */
static DEFINE_XARRAY_ALLOC1(rodp_ids);
static u32 rodp_ids_next;		/* under rodp_ids.xa_lock */

static struct rhashtable rodp_umems;

/* The owner's notification callback; set by rodp_region_init(), constant. */
static void (*rodp_region_notify)(struct rodp_region *region, u8 cmd);
static const struct rhashtable_params rodp_umems_params = {
	.key_len = sizeof(struct ib_umem_odp *),
	.key_offset = offsetof(struct rodp_region, umem),
	.head_offset = offsetof(struct rodp_region, hnode),
	.automatic_shrinking = true,
};

#define RODP_IT_START(r) ((r)->it_start)
#define RODP_IT_LAST(r) ((r)->it_last)

INTERVAL_TREE_DEFINE(struct rodp_region, rb, unsigned long, it_subtree_last,
		     RODP_IT_START, RODP_IT_LAST, static, rodp_rtree)

/**
 * rodp_proc_get() - find, or create, the state of a process
 * @pid: the process's tgid struct pid
 * @create: create it when missing
 * @gfp: allocation flags for @create (GFP_NOWAIT from the probes)
 *
 * A proc whose struct pid is not @pid belongs to an earlier process with
 * the same tgid; it is replaced in the index (its regions keep it alive)
 * and loses its per-process policy, whose reference nothing else could
 * drop once it is out of the index.
 *
 * Context: may sleep only if @gfp allows.
 * Return: the proc with a reference, or NULL if it does not exist and
 * @create is false, or memory ran out.
 */
struct rodp_proc *rodp_proc_get(struct pid *pid, bool create, gfp_t gfp)
{
	pid_t tgid = pid_nr(pid);
	struct rodp_proc *proc, *new = NULL, *stale = NULL;
	struct task_struct *task;
	void *old;

	if (create) {
		new = kzalloc_obj(*new, gfp);
		if (!new)
			return NULL;
		new->tgid = tgid;
		new->pid = get_pid(pid);
		rcu_read_lock();
		task = pid_task(pid, PIDTYPE_TGID);
		/* task_euid() is gone in 7.3; task_cred_xxx() is in all. */
		new->uid = task ? task_cred_xxx(task, euid) : INVALID_UID;
		rcu_read_unlock();
		spin_lock_init(&new->lock);
		new->tree = RB_ROOT_CACHED;
		INIT_LIST_HEAD(&new->regions);
		new->policy = RODP_POLICY_DEFAULT;
		refcount_set(&new->ref, 1);
	}

	xa_lock(&rodp_procs);
retry:
	proc = xa_load(&rodp_procs, tgid);
	if (proc && proc->pid == pid) {
		refcount_inc(&proc->ref);
		goto out_unlock;
	}
	if (!new) {
		proc = NULL;
		goto out_unlock;
	}
	/*
	 * Replace exactly what we looked at. The store may drop the lock to
	 * allocate (a @gfp that can sleep, POLICY_SET's), and the create
	 * probe may insert this very process's proc meanwhile: a blind store
	 * would then push it out and its regions would escape the policy set
	 * on @new (DESIGN.md invariant 6). Look again instead.
	 */
	old = __xa_cmpxchg(&rodp_procs, tgid, proc, new, gfp);
	if (xa_is_err(old)) {
		proc = NULL;
		goto out_unlock;
	}
	if (old != proc)
		goto retry;
	/* In the index until now, so not yet freed: see rodp_proc_put(). */
	if (old && refcount_inc_not_zero(&((struct rodp_proc *)old)->ref))
		stale = old;
	proc = new;
	new = NULL;
out_unlock:
	xa_unlock(&rodp_procs);
	if (new) {
		put_pid(new->pid);
		kfree(new);
	}
	if (stale) {
		rodp_proc_set_policy(stale, RODP_POLICY_DEFAULT);
		rodp_proc_put(stale);
	}
	return proc;
}

/**
 * rodp_proc_put() - drop a reference to a proc
 * @proc: the proc
 *
 * Context: any; does not sleep.
 */
void rodp_proc_put(struct rodp_proc *proc)
{
	if (!refcount_dec_and_lock(&proc->ref, &rodp_procs.xa_lock))
		return;
	__xa_cmpxchg(&rodp_procs, proc->tgid, proc, NULL, 0);
	xa_unlock(&rodp_procs);
	WARN_ON_ONCE(proc->nr_regions);
	put_pid(proc->pid);
	kfree_rcu(proc, rcu);
}

/**
 * rodp_proc_policy() - a process's own policy
 * @proc: the proc
 *
 * Return: enum rodp_policy; RODP_POLICY_DEFAULT means the global one.
 */
unsigned int rodp_proc_policy(struct rodp_proc *proc)
{
	return READ_ONCE(proc->policy);
}

/**
 * rodp_proc_set_policy() - set a process's own policy
 * @proc: the proc
 * @policy: enum rodp_policy
 *
 * A policy other than RODP_POLICY_DEFAULT keeps @proc in the index after
 * its last region is released, until the policy goes back to default.
 *
 * Return: 0, or -EINVAL for an unknown policy.
 */
int rodp_proc_set_policy(struct rodp_proc *proc, unsigned int policy)
{
	bool put = false;
	unsigned int old;

	if (policy > RODP_POLICY_MAX)
		return -EINVAL;

	spin_lock(&rodp_policy_lock);
	old = proc->policy;
	WRITE_ONCE(proc->policy, policy);
	if (old == RODP_POLICY_DEFAULT && policy != RODP_POLICY_DEFAULT)
		refcount_inc(&proc->ref);
	else if (old != RODP_POLICY_DEFAULT && policy == RODP_POLICY_DEFAULT)
		put = true;
	spin_unlock(&rodp_policy_lock);

	if (put)
		rodp_proc_put(proc);
	return 0;
}

static void rodp_region_ntf_work(struct work_struct *work)
{
	struct rodp_region *region =
		container_of(work, struct rodp_region, ntf_work);
	unsigned long pending;
	bool dead, going;

	spin_lock(&region->lock);
	pending = region->ntf_pending;
	region->ntf_pending = 0;
	dead = region->state == RODP_REGION_DEAD;
	/*
	 * Once the release began the MR is going: a late message would
	 * reach its receivers after the MR's destruction returned, when
	 * the same buffer may be registered again and the library could
	 * take it for the new MR's (rodp_release_hook() flushes this work
	 * on both sides of setting @releasing).
	 */
	going = region->releasing;
	spin_unlock(&region->lock);

	/*
	 * The message carries the ranges as they are now, so one message
	 * says everything; its command names the latest change.
	 */
	if (!going) {
		if (dead)
			rodp_region_notify(region, RODP_CMD_REGION_DEAD_NTF);
		else if (pending & BIT(RODP_NTF_GROWN))
			rodp_region_notify(region, RODP_CMD_REGION_GROWN_NTF);
		else if (pending)
			rodp_region_notify(region, RODP_CMD_REGION_SHRUNK_NTF);
	}

	rodp_region_put(region);
}

/**
 * rodp_region_alloc() - allocate a region before it is wrapped
 * @gfp: allocation flags (GFP_NOWAIT from the probes)
 *
 * The region gets its one live range and its attachment reference; the
 * caller sets @proc, @slot and @access, then either publishes it with
 * rodp_region_publish() or frees it with rodp_region_put().
 *
 * Return: the region, or NULL when memory ran out.
 */
struct rodp_region *rodp_region_alloc(gfp_t gfp)
{
	struct rodp_region *region;
	struct rodp_range *range;

	region = kzalloc_obj(*region, gfp);
	if (!region)
		return NULL;
	range = kzalloc_obj(*range, gfp);
	if (!range) {
		kfree(region);
		return NULL;
	}
	spin_lock_init(&region->lock);
	/* The range is set when the umem is known, at publish. */
	rodp_live_init(&region->live, range, 0, 0);
	INIT_LIST_HEAD(&region->proc_node);
	RB_CLEAR_NODE(&region->rb);
	INIT_WORK(&region->ntf_work, rodp_region_ntf_work);
	init_waitqueue_head(&region->wq);
	mutex_init(&region->prefetch_lock);
	region->state = RODP_REGION_LIVE;
	refcount_set(&region->ref, 1);
	return region;
}

static void rodp_region_free(struct rodp_region *region)
{
	/* The last reference: no one reads or writes @binder any more. */
	rodp_portid_put(region->binder);
	rodp_live_destroy(&region->live);
	if (region->proc)
		rodp_proc_put(region->proc);
	mutex_destroy(&region->prefetch_lock);
	kfree_rcu(region, rcu);
}

static bool rodp_device_is_software(struct ib_device *ibdev)
{
	switch (ibdev->ops.driver_id) {
	case RDMA_DRIVER_RXE:
	case RDMA_DRIVER_SIW:
		return true;
	default:
		return false;
	}
}

/**
 * rodp_region_publish() - track a freshly created, wrapped umem
 * @region: from rodp_region_alloc(), with @proc, @slot and @access set
 * @umem: the umem ib_umem_odp_get() returned
 *
 * Context: any; does not sleep (called from the get return probe).
 * Return: 0, or the error of the umem index insert (-ENOMEM, -EBUSY,
 * -EEXIST) or of the id allocation (-ENOMEM, -EBUSY: every id in use); the
 * region is then not published and still owned by the caller.
 */
int rodp_region_publish(struct rodp_region *region, struct ib_umem_odp *umem)
{
	struct ib_device *ibdev = umem->umem.ibdev;
	struct rodp_proc *proc = region->proc;
	struct rodp_range *range;
	struct module *owner;
	u32 id;
	int ret;

	region->umem = umem;
	region->start = umem->umem.address;
	region->length = umem->umem.length;
	region->it_start = region->start;
	region->it_last = region->start + region->length - 1;
	region->kind = rodp_device_is_software(ibdev) ?
		       RODP_DEVICE_SOFTWARE : RODP_DEVICE_HARDWARE;
	region->virt_dma = ib_uses_virt_dma(ibdev);
	/* The device is registered, so its driver module is live. */
	owner = ibdev->ops.owner;
	region->wp_trusted = owner &&
			     rodp_driver_trusted(module_name(owner),
						 owner->version);
	rodp_trust_note_module(owner);
	strscpy(region->device, dev_name(&ibdev->dev), sizeof(region->device));
	range = list_first_entry(&region->live.ranges, struct rodp_range,
				 node);
	range->start = region->it_start;
	range->last = region->it_last;

	ret = rhashtable_lookup_insert_fast(&rodp_umems, &region->hnode,
					    rodp_umems_params);
	if (ret)
		return ret;

	spin_lock(&proc->lock);
	/*
	 * Under the lock, so that proc->regions stays in id order (until the
	 * ids wrap). Reserved first (a reserved slot reads as empty), stored
	 * once @id is set; the store into the reserved slot cannot fail.
	 */
	ret = xa_alloc_cyclic(&rodp_ids, &id, NULL, xa_limit_32b,
			      &rodp_ids_next, GFP_NOWAIT | __GFP_NOWARN);
	if (ret < 0) {
		spin_unlock(&proc->lock);
		rhashtable_remove_fast(&rodp_umems, &region->hnode,
				       rodp_umems_params);
		return ret;
	}
	region->id = id;
	xa_store(&rodp_ids, id, region, GFP_NOWAIT);
	rodp_rtree_insert(region, &proc->tree);
	list_add_tail(&region->proc_node, &proc->regions);
	proc->nr_regions++;
	spin_unlock(&proc->lock);

	atomic_inc(&rodp_gen);
	rodp_stat_add(region, RODP_STAT_UMEMS_CREATED, 1);
	rodp_stat_add(region, RODP_STAT_UMEMS_LIVE, 1);
	return 0;
}

/**
 * rodp_region_unhash() - forget the umem of a region being released
 * @region: a published region
 *
 * After this the wrappers and probes no longer find @region from its umem,
 * so a new umem at the same address can be tracked.
 *
 * Context: any; does not sleep.
 */
void rodp_region_unhash(struct rodp_region *region)
{
	rhashtable_remove_fast(&rodp_umems, &region->hnode, rodp_umems_params);
}

/**
 * rodp_region_detach() - take a released region out of its process
 * @region: a published, unhashed region whose umem is gone
 *
 * Context: any; does not sleep.
 */
void rodp_region_detach(struct rodp_region *region)
{
	struct rodp_proc *proc = region->proc;

	spin_lock(&proc->lock);
	rodp_rtree_remove(region, &proc->tree);
	list_del_init(&region->proc_node);
	proc->nr_regions--;
	spin_unlock(&proc->lock);
	xa_erase(&rodp_ids, region->id);

	atomic_inc(&rodp_gen);
	rodp_stat_add(region, RODP_STAT_UMEMS_RELEASED, 1);
	rodp_stat_add(region, RODP_STAT_UMEMS_LIVE, (u64)-1);
}

/**
 * rodp_region_find_umem() - the region of a umem, without a reference
 * @umem: the umem
 *
 * For the umem's own callbacks: the region stays valid while the umem's
 * notifier is inserted.
 *
 * Return: the region, or NULL if @umem is not tracked.
 */
struct rodp_region *rodp_region_find_umem(struct ib_umem_odp *umem)
{
	struct rodp_region *region;

	rcu_read_lock();
	region = rhashtable_lookup(&rodp_umems, &umem, rodp_umems_params);
	rcu_read_unlock();
	return region;
}

/**
 * rodp_region_get_umem() - the region of a umem, with a reference
 * @umem: the umem
 *
 * Return: the region, or NULL if @umem is not tracked.
 */
struct rodp_region *rodp_region_get_umem(struct ib_umem_odp *umem)
{
	struct rodp_region *region;

	rcu_read_lock();
	region = rhashtable_lookup(&rodp_umems, &umem, rodp_umems_params);
	if (region && !refcount_inc_not_zero(&region->ref))
		region = NULL;
	rcu_read_unlock();
	return region;
}

/**
 * rodp_region_get_id() - look a region up by id
 * @id: region id
 *
 * Context: any; does not sleep.
 * Return: the region with a reference, or NULL if no tracked region has
 * @id.
 */
struct rodp_region *rodp_region_get_id(u64 id)
{
	struct rodp_region *region;

	if (!id || id > U32_MAX)
		return NULL;
	rcu_read_lock();
	region = xa_load(&rodp_ids, id);
	if (region && !refcount_inc_not_zero(&region->ref))
		region = NULL;
	rcu_read_unlock();
	return region;
}

/**
 * rodp_region_get_bind() - the region REGION_BIND means
 * @proc: the caller's process
 * @addr: MR start address
 * @length: MR length, not zero
 *
 * Among the live regions of @proc that cover [@addr, @addr + @length), an
 * exact match beats a larger one, and an unbound one beats a bound one.
 *
 * Return: the region with a reference, or NULL if none covers the range.
 */
struct rodp_region *rodp_region_get_bind(struct rodp_proc *proc,
					 unsigned long addr,
					 unsigned long length)
{
	unsigned long last = addr + length - 1;
	struct rodp_region *region, *best = NULL;
	int score, best_score = -1;

	spin_lock(&proc->lock);
	for (region = rodp_rtree_iter_first(&proc->tree, addr, last); region;
	     region = rodp_rtree_iter_next(region, addr, last)) {
		if (region->it_start > addr || region->it_last < last ||
		    region->state != RODP_REGION_LIVE)
			continue;
		score = (region->it_start == addr && region->it_last == last) * 2 +
			!READ_ONCE(region->bound);
		if (score > best_score) {
			best = region;
			best_score = score;
		}
	}
	if (best)
		refcount_inc(&best->ref);
	spin_unlock(&proc->lock);
	return best;
}

/**
 * rodp_region_twins() - how many other regions look the same as @region
 * @region: the region, referenced by the caller
 *
 * Counts the other regions of @region's process, live or dead, that are
 * not implicit children and have the same range, access flags and
 * device. Notifications carry the count so that a listener that matches
 * them to its MRs by those fields knows when the match is exact (zero).
 *
 * Context: takes @region->proc->lock, so never with that lock held
 * (rodp_region_fill() may run under it in a dump).
 *
 * Return: the number of twins.
 */
u32 rodp_region_twins(struct rodp_region *region)
{
	struct rodp_proc *proc = region->proc;
	struct rodp_region *other;
	u32 twins = 0;

	spin_lock(&proc->lock);
	for (other = rodp_rtree_iter_first(&proc->tree, region->it_start,
					   region->it_last);
	     other;
	     other = rodp_rtree_iter_next(other, region->it_start,
					  region->it_last)) {
		if (other != region && !other->implicit_child &&
		    other->it_start == region->it_start &&
		    other->it_last == region->it_last &&
		    other->access == region->access &&
		    !strcmp(other->device, region->device))
			twins++;
	}
	spin_unlock(&proc->lock);
	return twins;
}

/**
 * rodp_region_put() - drop a reference to a region
 * @region: the region
 *
 * Context: any; does not sleep.
 */
void rodp_region_put(struct rodp_region *region)
{
	if (refcount_dec_and_test(&region->ref))
		rodp_region_free(region);
}

static void rodp_region_queue_ntf(struct rodp_region *region,
				  unsigned int what)
{
	lockdep_assert_held(&region->lock);
	region->ntf_pending |= BIT(what);
	refcount_inc(&region->ref);
	if (!queue_work(rodp_wq, &region->ntf_work))
		refcount_dec(&region->ref);
}

/**
 * rodp_region_shrink() - remove an unmapped range from the live set
 * @region: the region
 * @start: first unmapped byte, inside the region
 * @end: byte after the last unmapped one
 *
 * A region left with no live range is dead until rodp_region_grow().
 * Either change is notified from rodp_wq.
 *
 * Context: an invalidate callback; allocates with GFP_NOWAIT, and only to
 * split a range (rodp_live_remove()).
 */
void rodp_region_shrink(struct rodp_region *region, unsigned long start,
			unsigned long end)
{
	if (end <= start)
		return;

	spin_lock(&region->lock);
	switch (rodp_live_remove(&region->live, start, end - 1)) {
	case RODP_LIVE_EMPTY:
		region->state = RODP_REGION_DEAD;
		rodp_region_queue_ntf(region, RODP_NTF_DEAD);
		break;
	case RODP_LIVE_SHRUNK:
		rodp_region_queue_ntf(region, RODP_NTF_SHRUNK);
		break;
	default:
		break;
	}
	spin_unlock(&region->lock);
}

/**
 * rodp_region_grow() - add a range the device just mapped to the live set
 * @region: the region
 * @start: first mapped byte
 * @end: byte after the last mapped one
 *
 * ODP resolves addresses when it faults, so a range that was unmapped
 * (the region shrunk, or died) works again once something is mapped
 * there (mmap(MAP_FIXED), mremap() back) and the device faults or
 * prefetches it. The range is clipped to the region; a dead region
 * becomes live. Notified from rodp_wq.
 *
 * Context: the fault probe's return handler (atomic); allocates with
 * GFP_NOWAIT, only when the range touches no live range
 * (rodp_live_add()).
 */
void rodp_region_grow(struct rodp_region *region, unsigned long start,
		      unsigned long end)
{
	start = max(start, region->it_start);
	end = min(end, region->it_last + 1);
	if (end <= start)
		return;

	spin_lock(&region->lock);
	if (rodp_live_add(&region->live, start, end - 1) == RODP_LIVE_GREW) {
		region->state = RODP_REGION_LIVE;
		rodp_region_queue_ntf(region, RODP_NTF_GROWN);
	}
	spin_unlock(&region->lock);
}

/**
 * rodp_regions_gen() - generation of the set of regions
 *
 * Return: a value that changes whenever a region comes or goes.
 */
unsigned int rodp_regions_gen(void)
{
	return atomic_read(&rodp_gen);
}

/**
 * rodp_region_walk() - visit the regions in (tgid, id) order
 * @tgid: cursor: tgid of the last region visited; the walk starts there
 * @after_id: cursor: id of the last region visited in @tgid, 0 for none
 * @fn: called for each region, under its proc's lock (no sleeping); a
 *	non-zero return stops the walk without moving the cursor past it
 * @arg: for @fn
 *
 * Return: the non-zero value @fn stopped the walk with, or 0.
 */
int rodp_region_walk(unsigned long *tgid, u64 *after_id,
		     int (*fn)(struct rodp_region *region, void *arg),
		     void *arg)
{
	struct rodp_region *region;
	struct rodp_proc *proc;
	unsigned long t;
	int ret = 0;

	xa_lock(&rodp_procs);
	xa_for_each_start(&rodp_procs, t, proc, *tgid) {
		spin_lock(&proc->lock);
		list_for_each_entry(region, &proc->regions, proc_node) {
			if (t == *tgid && region->id <= *after_id)
				continue;
			ret = fn(region, arg);
			if (ret)
				break;
			*tgid = t;
			*after_id = region->id;
		}
		spin_unlock(&proc->lock);
		if (ret)
			break;
	}
	xa_unlock(&rodp_procs);
	return ret;
}

/**
 * rodp_region_unbind_portid() - forget a closed netlink socket
 * @portid: the socket's portid
 *
 * Regions bound by it stop sending it unicast notifications, so a later
 * socket that reuses the portid never receives them.
 *
 * Context: any; does not sleep.
 */
void rodp_region_unbind_portid(u32 portid)
{
	struct rodp_region *region;
	struct rodp_proc *proc;
	unsigned long tgid;

	/* Most sockets never bound a region: no walk for them. */
	if (!rodp_portid_maybe_held(portid))
		return;
	xa_lock(&rodp_procs);
	xa_for_each(&rodp_procs, tgid, proc) {
		spin_lock(&proc->lock);
		list_for_each_entry(region, &proc->regions, proc_node) {
			spin_lock(&region->lock);
			if (region->binder == portid) {
				region->binder = 0;
				rodp_portid_put(portid);
			}
			spin_unlock(&region->lock);
		}
		spin_unlock(&proc->lock);
	}
	xa_unlock(&rodp_procs);
}

/**
 * rodp_region_init() - set up the indexes
 * @notify: called from rodp_wq, where it may sleep, with the region (the
 *	caller holds a reference) and RODP_CMD_REGION_*_NTF when a region
 *	shrank, died or grew
 *
 * Return: 0, or the error of rhashtable_init().
 */
int rodp_region_init(void (*notify)(struct rodp_region *region, u8 cmd))
{
	rodp_region_notify = notify;
	return rhashtable_init(&rodp_umems, &rodp_umems_params);
}

/**
 * rodp_region_exit() - tear the indexes down
 *
 * Context: module exit: no region is left (each holds a module
 * reference), only processes kept by a per-process policy.
 */
void rodp_region_exit(void)
{
	struct rodp_proc *proc;
	unsigned long tgid;

	xa_for_each(&rodp_procs, tgid, proc) {
		WARN_ON_ONCE(proc->nr_regions);
		xa_erase(&rodp_procs, tgid);
		put_pid(proc->pid);
		kfree(proc);
	}
	xa_destroy(&rodp_procs);
	WARN_ON_ONCE(!xa_empty(&rodp_ids));
	xa_destroy(&rodp_ids);
	rhashtable_destroy(&rodp_umems);
}
