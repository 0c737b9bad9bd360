// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: counters, kept per region and summed per process and globally.
 *
 * Every counter is an atomic64_t: the invalidate wrappers and the attach
 * probes update them without a lock, in any context. Each event is added
 * to all three levels at once, so a process's and the global sums include
 * regions that were released since.
 */
#include <linux/atomic.h>
#include <net/netlink.h>

#include "rodp.h"

/* Global counters; atomic, no lock. */
struct rodp_counters rodp_global_stats;

/**
 * rodp_stat_add() - count an event of a region
 * @region: the region, or NULL when the umem is not tracked (then only the
 *	global counter moves)
 * @stat: enum rodp_stat
 * @n: amount to add
 *
 * Context: any; does not sleep.
 */
void rodp_stat_add(struct rodp_region *region, unsigned int stat, u64 n)
{
	if (stat == RODP_STAT_UNSPEC || stat >= __RODP_STAT_MAX)
		return;
	atomic64_add(n, &rodp_global_stats.val[stat]);
	if (!region)
		return;
	atomic64_add(n, &region->stats.val[stat]);
	atomic64_add(n, &region->proc->stats.val[stat]);
}

/**
 * rodp_stat_global_add() - move a global-only counter or gauge
 * @stat: enum rodp_stat
 * @n: amount to add, negative for a gauge going down
 *
 * Context: any; does not sleep.
 */
void rodp_stat_global_add(unsigned int stat, s64 n)
{
	if (stat == RODP_STAT_UNSPEC || stat >= __RODP_STAT_MAX)
		return;
	atomic64_add(n, &rodp_global_stats.val[stat]);
}

static bool rodp_stat_at_level(unsigned int stat, bool region_level,
			       bool global_level)
{
	switch (stat) {
	case RODP_STAT_UNSPEC:
	case RODP_STAT_PAD:
		return false;
	case RODP_STAT_UMEMS_CREATED:
	case RODP_STAT_UMEMS_RELEASED:
	case RODP_STAT_UMEMS_LIVE:
		return !region_level;
	case RODP_STAT_WRAP_FULL:
	case RODP_STAT_ATTACH_MISSED:
	case RODP_STAT_RELEASE_MISSED:
		return global_level;
	default:
		return true;
	}
}

/**
 * rodp_stats_put() - put a RODP_A_STATS nest
 * @skb: message being built
 * @c: the counters
 * @region_level: @c belongs to a region (no umem counters)
 * @global_level: @c is the global set (adds the global-only counters)
 *
 * Context: process; with @global_level takes rodp_attach_lock.
 * Return: 0, or -EMSGSIZE when @skb is full (nothing of the nest is left).
 */
int rodp_stats_put(struct sk_buff *skb, struct rodp_counters *c,
		   bool region_level, bool global_level)
{
	struct nlattr *nest;
	unsigned int i;
	u64 v;

	nest = nla_nest_start(skb, RODP_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = RODP_STAT_UNSPEC + 1; i < __RODP_STAT_MAX; i++) {
		if (!rodp_stat_at_level(i, region_level, global_level))
			continue;
		v = atomic64_read(&c->val[i]);
		if (global_level)
			v += rodp_probes_missed(i);
		if (nla_put_u64_64bit(skb, i, v, RODP_STAT_PAD))
			goto out_cancel_nest;
	}
	nla_nest_end(skb, nest);
	return 0;

out_cancel_nest:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
