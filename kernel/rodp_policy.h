/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rodp: the event policy, as a pure function.
 *
 * This header is included by rodp.ko and, unchanged, by the host unit test
 * tests/unit/test_policy.c. It therefore uses only plain integer and bool
 * types and includes nothing but the uapi header; a userspace includer
 * provides bool (<stdbool.h>).
 *
 * The table it implements is the one in DESIGN.md ("The event policy"):
 *
 *   event            software device         hardware device
 *   UNMAP            delegate, then shrink   delegate, then shrink
 *   CLEAR, RELEASE, MIGRATE, EXCLUSIVE
 *                    delegate                delegate
 *   PROTECTION_VMA   by what the VMAs of the range now revoke from the
 *                    device's mappings (rodp_vma_revokes()):
 *     nothing        skip                    skip
 *     write          downgrade               delegate
 *     read           delegate                delegate
 *   PROTECTION_PAGE  downgrade               delegate
 *   SOFT_DIRTY       writable ? downgrade    writable ? delegate
 *                             : skip                  : skip
 *
 * In stock mode every event is delegated and nothing else happens.
 *
 * PROTECTION_VMA comes from change_protection() (mm/mprotect.c, and
 * hugetlb_change_protection() for hugetlb VMAs) and from PAGEMAP_SCAN's
 * write-protect (fs/proc/task_mmu.c). Its callers hold the mmap lock
 * (mprotect for write, with the VMA's new flags already set; NUMA
 * balancing's change_prot_numa(), userfaultfd write-protect and
 * PAGEMAP_SCAN for read), so the wrapper reads the VMAs' flags as they
 * are once the change is done. A NUMA-balancing hint makes the PTEs
 * PROT_NONE but leaves the VMA as it was: nothing is revoked from anyone,
 * the page stays where it is (a later migration sends its own
 * invalidation), so the device may keep its mappings.
 */
#ifndef _RODP_POLICY_H
#define _RODP_POLICY_H

#include <uapi/linux/rodp.h>

/*
 * The mmu_notifier events, with the values of enum mmu_notifier_event
 * (include/linux/mmu_notifier.h). rodp_ops.c checks at build time that the
 * two enums agree.
 */
enum rodp_event {
	RODP_EVENT_UNMAP = 0,
	RODP_EVENT_CLEAR,
	RODP_EVENT_PROTECTION_VMA,
	RODP_EVENT_PROTECTION_PAGE,
	RODP_EVENT_SOFT_DIRTY,
	RODP_EVENT_RELEASE,
	RODP_EVENT_MIGRATE,
	RODP_EVENT_EXCLUSIVE,
	RODP_NR_EVENTS
};

/*
 * What a PROTECTION_VMA invalidation takes away from the device's
 * mappings of a range, ordered: when a range covers several VMAs, the
 * strictest (largest) wins.
 */
enum rodp_revoke {
	/* The VMAs still allow all the device may map. */
	RODP_REVOKE_NONE = 0,
	/* Reads still allowed, writes not (mprotect read-only, uffd-wp). */
	RODP_REVOKE_WRITE,
	/* Reads not allowed (PROT_NONE), or no VMA (a hole). */
	RODP_REVOKE_READ,
};

/* What the wrapper does with one invalidation of one region. */
enum rodp_action {
	/* Call the driver's own callback; nothing else. */
	RODP_ACTION_DELEGATE = 0,
	/* Do not call the driver: its mappings stay valid. */
	RODP_ACTION_SKIP,
	/* Drop the write permission of mapped pages, keep them readable. */
	RODP_ACTION_DOWNGRADE,
	/* Delegate, then remove the range from the region's live set. */
	RODP_ACTION_SHRINK,
};

/**
 * rodp_policy_needs_pages() - does the decision depend on the pages?
 * @event: enum rodp_event
 * @mode: RODP_POLICY_EVENT_AWARE or RODP_POLICY_STOCK
 *
 * When this returns true the caller must take the umem's umem_mutex, call
 * mmu_interval_set_seq() and compute @any_writable for rodp_policy_decide()
 * under that lock; otherwise @any_writable is ignored and may be false.
 *
 * Return: true if rodp_policy_decide() reads @any_writable for @event.
 */
static inline bool rodp_policy_needs_pages(unsigned int event,
					   unsigned int mode)
{
	return mode != RODP_POLICY_STOCK && event == RODP_EVENT_SOFT_DIRTY;
}

/**
 * rodp_policy_needs_vma() - does the decision depend on the VMAs?
 * @event: enum rodp_event
 * @mode: RODP_POLICY_EVENT_AWARE or RODP_POLICY_STOCK
 *
 * When this returns true the caller computes @revoked for
 * rodp_policy_decide() from the VMAs of the range, under the mmap lock
 * that the notifier's caller holds; otherwise @revoked is ignored.
 *
 * Return: true if rodp_policy_decide() reads @revoked for @event.
 */
static inline bool rodp_policy_needs_vma(unsigned int event,
					 unsigned int mode)
{
	return mode != RODP_POLICY_STOCK && event == RODP_EVENT_PROTECTION_VMA;
}

/**
 * rodp_vma_revokes() - what one VMA revokes from the device's mappings
 * @vm_read: the VMA allows reads (VM_READ)
 * @vm_write: the VMA allows writes (VM_WRITE)
 * @uffd_wp: the VMA is registered for userfaultfd write-protect
 *	(userfaultfd_wp(): classic or PAGEMAP_SCAN's async mode); its PTEs
 *	may be write-protected whatever @vm_write says
 * @dev_write: the device may map pages writable (the umem's access)
 *
 * Pure: no side effect, no global state.
 *
 * Return: the enum rodp_revoke of a VMA with these flags.
 */
static inline enum rodp_revoke rodp_vma_revokes(bool vm_read, bool vm_write,
						bool uffd_wp, bool dev_write)
{
	if (!vm_read)
		return RODP_REVOKE_READ;
	if (dev_write && (!vm_write || uffd_wp))
		return RODP_REVOKE_WRITE;
	return RODP_REVOKE_NONE;
}

/**
 * rodp_policy_decide() - the event policy
 * @event: enum rodp_event; unknown values are delegated
 * @kind: enum rodp_device_kind of the region's device
 * @any_writable: some page of the range is mapped writable in the umem
 * @revoked: PROTECTION_VMA only: the enum rodp_revoke of the range (the
 *	strictest over its VMAs)
 * @mode: the effective enum rodp_policy (never RODP_POLICY_DEFAULT; a
 *	value other than RODP_POLICY_STOCK is taken as event-aware)
 *
 * Pure: no side effect, no global state.
 *
 * Return: the enum rodp_action to take.
 */
static inline enum rodp_action rodp_policy_decide(unsigned int event,
						  unsigned int kind,
						  bool any_writable,
						  unsigned int revoked,
						  unsigned int mode)
{
	bool software = kind == RODP_DEVICE_SOFTWARE;

	if (mode == RODP_POLICY_STOCK)
		return RODP_ACTION_DELEGATE;

	switch (event) {
	case RODP_EVENT_UNMAP:
		return RODP_ACTION_SHRINK;
	case RODP_EVENT_PROTECTION_PAGE:
		return software ? RODP_ACTION_DOWNGRADE : RODP_ACTION_DELEGATE;
	case RODP_EVENT_SOFT_DIRTY:
		if (!any_writable)
			return RODP_ACTION_SKIP;
		return software ? RODP_ACTION_DOWNGRADE : RODP_ACTION_DELEGATE;
	case RODP_EVENT_PROTECTION_VMA:
		if (revoked == RODP_REVOKE_NONE)
			return RODP_ACTION_SKIP;
		if (revoked == RODP_REVOKE_WRITE && software)
			return RODP_ACTION_DOWNGRADE;
		return RODP_ACTION_DELEGATE;
	case RODP_EVENT_CLEAR:
	case RODP_EVENT_RELEASE:
	case RODP_EVENT_MIGRATE:
	case RODP_EVENT_EXCLUSIVE:
	default:
		return RODP_ACTION_DELEGATE;
	}
}

/**
 * rodp_event_stat() - the counter of one event type
 * @event: enum rodp_event
 *
 * Return: the enum rodp_stat counting @event, or RODP_STAT_UNSPEC for an
 * event rodp does not know.
 */
static inline unsigned int rodp_event_stat(unsigned int event)
{
	if (event >= RODP_NR_EVENTS)
		return RODP_STAT_UNSPEC;
	return RODP_STAT_INVAL_UNMAP + event;
}

/**
 * rodp_skip_stat() - the counter of a skip's cause
 * @event: enum rodp_event of an invalidation rodp_policy_decide() skipped
 *
 * Return: RODP_STAT_SKIP_PROTECTION for PROTECTION_VMA (nothing revoked:
 * NUMA-balancing hints above all), RODP_STAT_SKIP_SOFT_DIRTY for
 * SOFT_DIRTY, RODP_STAT_UNSPEC (counted nowhere) for any other event.
 */
static inline unsigned int rodp_skip_stat(unsigned int event)
{
	switch (event) {
	case RODP_EVENT_PROTECTION_VMA:
		return RODP_STAT_SKIP_PROTECTION;
	case RODP_EVENT_SOFT_DIRTY:
		return RODP_STAT_SKIP_SOFT_DIRTY;
	default:
		return RODP_STAT_UNSPEC;
	}
}

#endif /* _RODP_POLICY_H */
