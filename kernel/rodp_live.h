/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rodp: a region's live set, as pure functions.
 *
 * Included by rodp_region.c and, unchanged, by the host unit test
 * tests/unit/test_live_set.c. The includer provides struct list_head and
 * its helpers (<linux/list.h>), bool, min() and max(). The types are
 * always declared; the functions only for an includer that defines
 * RODP_LIVE_FUNCTIONS and, before including, rodp_live_new_node() (a
 * zeroed struct rodp_range or NULL; it must not sleep: the callers hold a
 * spinlock) and rodp_live_free_node().
 *
 * The live set is what the process had mapped of a region's range when
 * rodp last looked: an UNMAP removes its part, a device fault or prefetch
 * that mapped part of the range adds it back (ODP resolves addresses at
 * fault time, so the range can be mapped again by mmap(MAP_FIXED) or
 * mremap()). It may hold bytes that are no longer mapped; it never leaves
 * out a byte the device was given: without memory for a node it
 * over-approximates.
 */
#ifndef _RODP_LIVE_TYPES_H
#define _RODP_LIVE_TYPES_H

/* A live range [start, last], on rodp_live.ranges. */
struct rodp_range {
	struct list_head node;
	unsigned long start;
	unsigned long last;
};

/**
 * struct rodp_live - the live ranges of a region
 * @ranges: struct rodp_range, sorted, disjoint and not touching
 * @spare: one unused node, or NULL. Never NULL while @ranges is empty (the
 *	last node removed is kept here), so an empty set can always grow
 *	again without allocating.
 *
 * The caller serialises every call on one set (rodp: region->lock).
 */
struct rodp_live {
	struct list_head ranges;
	struct rodp_range *spare;
};

/* What a call changed. */
enum rodp_live_change {
	RODP_LIVE_SAME,		/* nothing */
	RODP_LIVE_SHRUNK,	/* ranges left, fewer bytes */
	RODP_LIVE_EMPTY,	/* no range left */
	RODP_LIVE_GREW,		/* more bytes (maybe from empty) */
};

#endif /* _RODP_LIVE_TYPES_H */

#if defined(RODP_LIVE_FUNCTIONS) && !defined(_RODP_LIVE_FUNCTIONS_H)
#define _RODP_LIVE_FUNCTIONS_H

/* An empty set that covers [start, last] with @first, from its owner. */
static inline void rodp_live_init(struct rodp_live *l, struct rodp_range *first,
				  unsigned long start, unsigned long last)
{
	INIT_LIST_HEAD(&l->ranges);
	l->spare = NULL;
	first->start = start;
	first->last = last;
	list_add(&first->node, &l->ranges);
}

/* Frees every node; the set must not be used after. */
static inline void rodp_live_destroy(struct rodp_live *l)
{
	struct rodp_range *range, *tmp;

	list_for_each_entry_safe(range, tmp, &l->ranges, node)
		rodp_live_free_node(range);
	if (l->spare)
		rodp_live_free_node(l->spare);
	INIT_LIST_HEAD(&l->ranges);
	l->spare = NULL;
}

/* Takes @range off the set; keeps it as the spare if there is none. */
static inline void rodp_live_drop(struct rodp_live *l, struct rodp_range *range)
{
	list_del(&range->node);
	if (!l->spare)
		l->spare = range;
	else
		rodp_live_free_node(range);
}

/* A node for the set: the spare, else a new one (may be NULL). */
static inline struct rodp_range *rodp_live_take(struct rodp_live *l)
{
	struct rodp_range *range = l->spare;

	if (range) {
		l->spare = NULL;
		return range;
	}
	return rodp_live_new_node();
}

/**
 * rodp_live_remove() - take [@start, @last] off the set
 * @l: the set
 * @start: first byte
 * @last: last byte, not below @start
 *
 * Only a range split in two needs a node, the spare or a new one; without
 * one the range stays whole (over-approximates).
 *
 * Return: RODP_LIVE_SAME, RODP_LIVE_SHRUNK or RODP_LIVE_EMPTY.
 */
static inline enum rodp_live_change
rodp_live_remove(struct rodp_live *l, unsigned long start, unsigned long last)
{
	struct rodp_range *range, *tmp, *split;
	bool changed = false;

	list_for_each_entry_safe(range, tmp, &l->ranges, node) {
		if (range->last < start || range->start > last)
			continue;
		if (range->start >= start && range->last <= last) {
			rodp_live_drop(l, range);
		} else if (range->start < start && range->last > last) {
			split = rodp_live_take(l);
			if (!split)
				continue;
			split->start = last + 1;
			split->last = range->last;
			range->last = start - 1;
			/* After @range: the walk goes on from @tmp. */
			list_add(&split->node, &range->node);
		} else if (range->start < start) {
			range->last = start - 1;
		} else {
			range->start = last + 1;
		}
		changed = true;
	}
	if (!changed)
		return RODP_LIVE_SAME;
	return list_empty(&l->ranges) ? RODP_LIVE_EMPTY : RODP_LIVE_SHRUNK;
}

/**
 * rodp_live_add() - add [@start, @last] to the set
 * @l: the set
 * @start: first byte
 * @last: last byte, not below @start, below ULONG_MAX
 *
 * Merged with the ranges it overlaps or touches. Only a range that
 * touches none needs a node, the spare or a new one; without one the set
 * becomes a single range from its first byte to its last (over-
 * approximates). An empty set always has its spare.
 *
 * Return: RODP_LIVE_SAME (already all live) or RODP_LIVE_GREW.
 */
static inline enum rodp_live_change
rodp_live_add(struct rodp_live *l, unsigned long start, unsigned long last)
{
	struct rodp_range *range, *tmp, *merged = NULL;
	struct list_head *before = &l->ranges;

	list_for_each_entry_safe(range, tmp, &l->ranges, node) {
		if (range->last + 1 < start)
			continue;
		if (range->start > last + 1) {
			before = &range->node;
			break;
		}
		if (!merged) {
			/* The common case: a fault inside the live set. */
			if (range->start <= start && range->last >= last)
				return RODP_LIVE_SAME;
			merged = range;
			merged->start = min(range->start, start);
			merged->last = max(range->last, last);
		} else {
			merged->last = max(merged->last, range->last);
			rodp_live_drop(l, range);
		}
	}
	if (merged)
		return RODP_LIVE_GREW;

	merged = rodp_live_take(l);
	if (merged) {
		merged->start = start;
		merged->last = last;
		list_add_tail(&merged->node, before);
		return RODP_LIVE_GREW;
	}
	/* Not empty: an empty set has its spare. */
	merged = list_first_entry(&l->ranges, struct rodp_range, node);
	merged->start = min(merged->start, start);
	merged->last = max(list_last_entry(&l->ranges, struct rodp_range,
					   node)->last, last);
	while (!list_is_singular(&l->ranges))
		rodp_live_drop(l, list_last_entry(&l->ranges,
						  struct rodp_range, node));
	return RODP_LIVE_GREW;
}

#endif /* RODP_LIVE_FUNCTIONS */
