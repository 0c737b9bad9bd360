// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: the wrapper mmu_interval_notifier_ops.
 *
 * ib_umem_odp_get() is made to insert its notifier with a slot's ops
 * instead of the driver's. The wrapper recovers the slot, and with it the
 * driver's ops, from its own ops pointer (container_of), so delegating
 * costs no lookup. The region (for counters, the device kind and the
 * policy) is found in rodp_umems under RCU.
 *
 * A driver that uses the two-pass form (invalidate_start/_finish) gets a
 * wrapper of the same form; a one-pass driver gets a one-pass wrapper. In
 * stock mode the wrapper only counts and calls the driver, so the driver
 * sees exactly the calls it would see without rodp.
 */
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/mmu_notifier.h>
#include <linux/spinlock.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"

/* Protects the binding of rodp_slots[] (orig, ops) and their users. */
static DEFINE_SPINLOCK(rodp_slots_lock);
static struct rodp_slot rodp_slots[RODP_NR_SLOTS];

/* One call of the wrapper, one-pass (@finish NULL) or first pass. */
struct rodp_call {
	struct mmu_interval_notifier *mni;
	const struct mmu_notifier_range *range;
	unsigned long cur_seq;
	struct mmu_interval_notifier_finish **finish;
};

static const struct rodp_slot *
rodp_mni_slot(const struct mmu_interval_notifier *mni)
{
	return container_of_const(mni->ops, struct rodp_slot, ops);
}

static bool rodp_delegate(const struct rodp_slot *slot, struct rodp_call *c)
{
#ifdef HAVE_MMU_INTERVAL_INVALIDATE_START
	if (c->finish)
		return slot->orig->invalidate_start(c->mni, c->range,
						    c->cur_seq, c->finish);
#endif
	return slot->orig->invalidate(c->mni, c->range, c->cur_seq);
}

static unsigned int rodp_region_policy(struct rodp_region *region)
{
	unsigned int policy = rodp_proc_policy(region->proc);

	return policy == RODP_POLICY_DEFAULT ? rodp_global_policy() : policy;
}

/*
 * exit_mmap() unmaps everything once the last user of the mm is gone:
 * nothing can map the range again, and the region is released when its
 * MR goes (the process's files are closed after its mm). Shrinking then
 * would only tell the owner that every region died.
 */
static bool rodp_mm_torn_down(struct mm_struct *mm)
{
	return !atomic_read(&mm->mm_users);
}

/*
 * The policy engine. Every decision that does not simply delegate is
 * taken under umem_mutex after mmu_interval_set_seq(), so a concurrent
 * ib_umem_odp_map_dma_and_lock() retries (DESIGN.md invariant 4).
 */
static bool rodp_invalidate_common(struct rodp_call *c)
{
	const struct mmu_notifier_range *range = c->range;
	const struct rodp_slot *slot = rodp_mni_slot(c->mni);
	struct ib_umem_odp *umem =
		container_of(c->mni, struct ib_umem_odp, notifier);
	bool blockable = mmu_notifier_range_blockable(range);
	unsigned int event = range->event;
	unsigned int kind = RODP_DEVICE_HARDWARE;
	unsigned int mode = RODP_POLICY_STOCK;
	struct rodp_region *region;
	unsigned long start, end;
	unsigned int revoked = RODP_REVOKE_READ;
	enum rodp_action act;
	bool writable = false;
	bool ret;

	start = max(ib_umem_start(umem), range->start);
	end = min(ib_umem_end(umem), range->end);

	/*
	 * The region outlives this call: it is freed only after
	 * ib_umem_odp_release() removed the notifier, which waits for
	 * callbacks in progress. NULL while the umem is being created or
	 * released: then only the global counters move and we delegate.
	 */
	region = rodp_region_find_umem(umem);
	if (region) {
		kind = region->kind;
		mode = rodp_region_policy(region);
	}

	rodp_stat_add(region, rodp_event_stat(event), 1);
	/*
	 * Only the OOM reaper and process_mrelease() (__oom_reap_task_mm())
	 * invalidate without being allowed to sleep; the drivers refuse
	 * those that need their lock, and the reaper retries or gives up.
	 */
	if (!blockable)
		rodp_stat_add(region, RODP_STAT_INVAL_NONBLOCK, 1);
	if (end > start)
		rodp_stat_add(region, RODP_STAT_INVAL_PAGES,
			      (end - start) >> PAGE_SHIFT);

	/*
	 * Under the mmap lock the notifier's caller holds (rodp_vma.c); the
	 * VMAs do not change before the driver's lock is taken below.
	 */
	if (rodp_policy_needs_vma(event, mode) && end > start)
		revoked = rodp_range_revokes(umem, range->mm, start, end);

	act = rodp_policy_decide(event, kind, false, revoked, mode);
	if (act == RODP_ACTION_SKIP && !rodp_policy_needs_pages(event, mode)) {
		/*
		 * Nothing revoked and nothing moved: the device's mappings
		 * stay valid, so a fault racing with this call need not
		 * retry (no mmu_interval_set_seq()), as for a notifier that
		 * does not cover the range.
		 */
		rodp_stat_add(region, RODP_STAT_ACT_SKIPPED, 1);
		rodp_stat_add(region, rodp_skip_stat(event), 1);
		return true;
	}
	if (!rodp_policy_needs_pages(event, mode) &&
	    act != RODP_ACTION_DOWNGRADE)
		goto delegate;

	/* Like the drivers' own callbacks: the lock may sleep. */
	if (!blockable)
		return false;

	mutex_lock(&umem->umem_mutex);
	mmu_interval_set_seq(c->mni, c->cur_seq);
	/* A driver that ignores the write bit can write any valid page. */
	if (rodp_policy_needs_pages(event, mode))
		writable = !rodp_wp_enforced(region) ||
			   rodp_umem_any_writable(umem, start, end);
	act = rodp_policy_decide(event, kind, writable, revoked, mode);
	switch (act) {
	case RODP_ACTION_SKIP:
		mutex_unlock(&umem->umem_mutex);
		rodp_stat_add(region, RODP_STAT_ACT_SKIPPED, 1);
		rodp_stat_add(region, rodp_skip_stat(event), 1);
		return true;
	case RODP_ACTION_DOWNGRADE:
		if (!rodp_can_downgrade(region)) {
			mutex_unlock(&umem->umem_mutex);
			rodp_stat_add(region, RODP_STAT_ACT_FALLBACK, 1);
			return rodp_delegate(slot, c);
		}
		rodp_umem_downgrade(umem, start, end);
		mutex_unlock(&umem->umem_mutex);
		rodp_stat_add(region, RODP_STAT_ACT_DOWNGRADED, 1);
		return true;
	default:
		mutex_unlock(&umem->umem_mutex);
		break;
	}

delegate:
	ret = rodp_delegate(slot, c);
	if (!ret)
		return false;
	if (act == RODP_ACTION_SHRINK && region &&
	    !rodp_mm_torn_down(range->mm)) {
		rodp_region_shrink(region, start, end);
		rodp_stat_add(region, RODP_STAT_ACT_SHRUNK, 1);
	} else {
		rodp_stat_add(region, RODP_STAT_ACT_DELEGATED, 1);
	}
	return true;
}

static bool rodp_invalidate(struct mmu_interval_notifier *mni,
			    const struct mmu_notifier_range *range,
			    unsigned long cur_seq)
{
	struct rodp_call c = {
		.mni = mni,
		.range = range,
		.cur_seq = cur_seq,
	};

	return rodp_invalidate_common(&c);
}

#ifdef HAVE_MMU_INTERVAL_INVALIDATE_START
static bool rodp_invalidate_start(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq,
				  struct mmu_interval_notifier_finish **finish)
{
	struct rodp_call c = {
		.mni = mni,
		.range = range,
		.cur_seq = cur_seq,
		.finish = finish,
	};

	return rodp_invalidate_common(&c);
}

/* Only reached when the driver's invalidate_start() asked for it. */
static void rodp_invalidate_finish(struct mmu_interval_notifier_finish *f)
{
	rodp_mni_slot(f->notifier)->orig->invalidate_finish(f);
}
#endif

static void rodp_slot_bind(struct rodp_slot *slot,
			   const struct mmu_interval_notifier_ops *orig)
{
	memset(&slot->ops, 0, sizeof(slot->ops));
#ifdef HAVE_MMU_INTERVAL_INVALIDATE_START
	if (orig->invalidate_start) {
		slot->ops.invalidate_start = rodp_invalidate_start;
		slot->ops.invalidate_finish = rodp_invalidate_finish;
	} else {
		slot->ops.invalidate = rodp_invalidate;
	}
#else
	slot->ops.invalidate = rodp_invalidate;
#endif
	slot->orig = orig;
}

/**
 * rodp_slot_get() - the wrapper slot for a driver's ops
 * @orig: the ops passed to ib_umem_odp_get()
 *
 * Reuses the slot already bound to @orig, else binds an unused one; a
 * slot without users is bound afresh.
 *
 * Context: any; takes rodp_slots_lock.
 * Return: the slot with one more user, or NULL when every slot is bound to
 * other ops that are still in use, or @orig is one of rodp's own wrappers.
 */
struct rodp_slot *rodp_slot_get(const struct mmu_interval_notifier_ops *orig)
{
	struct rodp_slot *slot = NULL;
	unsigned int i;

	BUILD_BUG_ON(RODP_EVENT_UNMAP != (int)MMU_NOTIFY_UNMAP);
	BUILD_BUG_ON(RODP_EVENT_CLEAR != (int)MMU_NOTIFY_CLEAR);
	BUILD_BUG_ON(RODP_EVENT_PROTECTION_VMA !=
		     (int)MMU_NOTIFY_PROTECTION_VMA);
	BUILD_BUG_ON(RODP_EVENT_PROTECTION_PAGE !=
		     (int)MMU_NOTIFY_PROTECTION_PAGE);
	BUILD_BUG_ON(RODP_EVENT_SOFT_DIRTY != (int)MMU_NOTIFY_SOFT_DIRTY);
	BUILD_BUG_ON(RODP_EVENT_RELEASE != (int)MMU_NOTIFY_RELEASE);
	BUILD_BUG_ON(RODP_EVENT_MIGRATE != (int)MMU_NOTIFY_MIGRATE);
	BUILD_BUG_ON(RODP_EVENT_EXCLUSIVE != (int)MMU_NOTIFY_EXCLUSIVE);

	/* A wrapper is never wrapped again. */
	for (i = 0; i < RODP_NR_SLOTS; i++)
		if (orig == &rodp_slots[i].ops)
			return NULL;

	spin_lock(&rodp_slots_lock);
	for (i = 0; i < RODP_NR_SLOTS; i++) {
		if (rodp_slots[i].orig == orig) {
			slot = &rodp_slots[i];
			break;
		}
		if (!slot && !rodp_slots[i].users)
			slot = &rodp_slots[i];
	}
	if (slot) {
		/*
		 * Bind again whenever nothing uses the slot, even for the
		 * same pointer: a new driver's ops may sit at the address of
		 * an unloaded one's and be of the other form (one pass or
		 * two).
		 */
		if (slot->orig != orig || !slot->users)
			rodp_slot_bind(slot, orig);
		slot->users++;
	}
	spin_unlock(&rodp_slots_lock);
	return slot;
}

/**
 * rodp_slot_put() - drop a user of a slot
 * @slot: from rodp_slot_get()
 *
 * Call only once no notifier of that user can call through @slot->ops
 * (after mmu_interval_notifier_remove(), or when the insert failed).
 *
 * Context: any; takes rodp_slots_lock.
 */
void rodp_slot_put(struct rodp_slot *slot)
{
	spin_lock(&rodp_slots_lock);
	WARN_ON_ONCE(!slot->users);
	slot->users--;
	spin_unlock(&rodp_slots_lock);
}
