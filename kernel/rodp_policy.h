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
 *   CLEAR, PROTECTION_VMA, RELEASE, MIGRATE, EXCLUSIVE
 *                    delegate                delegate
 *   PROTECTION_PAGE  downgrade               delegate
 *   SOFT_DIRTY       writable ? downgrade    writable ? delegate
 *                             : skip                  : skip
 *
 * In stock mode every event is delegated and nothing else happens.
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
 * rodp_policy_decide() - the event policy
 * @event: enum rodp_event; unknown values are delegated
 * @kind: enum rodp_device_kind of the region's device
 * @any_writable: some page of the range is mapped writable in the umem
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
	case RODP_EVENT_CLEAR:
	case RODP_EVENT_PROTECTION_VMA:
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

#endif /* _RODP_POLICY_H */
