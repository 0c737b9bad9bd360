// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp.ko's counters, global or summed over one process's regions. */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "rodp_internal.h"

_Static_assert(RODP_INVAL_COUNT <= RODP_INVAL_SLOTS,
	       "a new invalidation cause needs a slot of its own in "
	       "struct rodp_stats, past its current fields");
_Static_assert(offsetof(struct rodp_stats, inval_pages) == 8 * 8,
	       "struct rodp_stats changed its RODP_1.0 layout");

/* Where each kernel counter lands in struct rodp_stats. */
static const size_t rodp_stat_offset[RODP_STAT_MAX + 1] = {
#define INVAL(s, e) [s] = offsetof(struct rodp_stats, inval) + (e) * sizeof(uint64_t)
	INVAL(RODP_STAT_INVAL_UNMAP, RODP_INVAL_UNMAP),
	INVAL(RODP_STAT_INVAL_CLEAR, RODP_INVAL_CLEAR),
	INVAL(RODP_STAT_INVAL_PROTECTION_VMA, RODP_INVAL_PROTECTION_VMA),
	INVAL(RODP_STAT_INVAL_PROTECTION_PAGE, RODP_INVAL_PROTECTION_PAGE),
	INVAL(RODP_STAT_INVAL_SOFT_DIRTY, RODP_INVAL_SOFT_DIRTY),
	INVAL(RODP_STAT_INVAL_RELEASE, RODP_INVAL_RELEASE),
	INVAL(RODP_STAT_INVAL_MIGRATE, RODP_INVAL_MIGRATE),
	INVAL(RODP_STAT_INVAL_EXCLUSIVE, RODP_INVAL_EXCLUSIVE),
#undef INVAL
	[RODP_STAT_INVAL_PAGES] = offsetof(struct rodp_stats, inval_pages),
	[RODP_STAT_ACT_DELEGATED] = offsetof(struct rodp_stats, delegated),
	[RODP_STAT_ACT_SKIPPED] = offsetof(struct rodp_stats, skipped),
	[RODP_STAT_ACT_DOWNGRADED] = offsetof(struct rodp_stats, downgraded),
	[RODP_STAT_ACT_SHRUNK] = offsetof(struct rodp_stats, shrunk),
	[RODP_STAT_ACT_FALLBACK] = offsetof(struct rodp_stats, fallback),
	[RODP_STAT_FAULT_CALLS] = offsetof(struct rodp_stats, fault_calls),
	[RODP_STAT_FAULT_PAGES] = offsetof(struct rodp_stats, fault_pages),
	[RODP_STAT_FAULT_ERRORS] = offsetof(struct rodp_stats, fault_errors),
	[RODP_STAT_PREFETCH_CALLS] = offsetof(struct rodp_stats, prefetch_calls),
	[RODP_STAT_PREFETCH_PAGES] = offsetof(struct rodp_stats, prefetch_pages),
	[RODP_STAT_UMEMS_CREATED] = offsetof(struct rodp_stats, umems_created),
	[RODP_STAT_UMEMS_RELEASED] = offsetof(struct rodp_stats, umems_released),
	[RODP_STAT_UMEMS_LIVE] = offsetof(struct rodp_stats, umems_live),
	[RODP_STAT_WRAP_FULL] = offsetof(struct rodp_stats, wrap_full),
	[RODP_STAT_SKIP_PROTECTION] = offsetof(struct rodp_stats,
					       skip_protection),
	[RODP_STAT_SKIP_SOFT_DIRTY] = offsetof(struct rodp_stats,
					       skip_soft_dirty),
	[RODP_STAT_ATTACH_MISSED] = offsetof(struct rodp_stats, attach_missed),
	[RODP_STAT_RELEASE_MISSED] = offsetof(struct rodp_stats, release_missed),
	[RODP_STAT_INVAL_NONBLOCK] = offsetof(struct rodp_stats, inval_nonblock),
};

int rodp_stats_from_nest(struct nlattr *nest, struct rodp_stats *stats)
{
	struct nlattr *a;
	int rem;

	memset(stats, 0, sizeof(*stats));
	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);
		uint64_t v;

		/* Counters this library does not know yet are skipped. */
		if (type <= RODP_STAT_UNSPEC || type > RODP_STAT_MAX ||
		    type == RODP_STAT_PAD)
			continue;
		if (nla_len(a) != sizeof(uint64_t))
			return EPROTO;
		v = nla_get_u64(a);
		memcpy((char *)stats + rodp_stat_offset[type], &v, sizeof(v));
	}
	return 0;
}

struct stats_req {
	pid_t pid;
	struct rodp_stats stats;
	int seen;
};

static int stats_put(struct nl_msg *msg, void *arg)
{
	struct stats_req *req = arg;

	if (req->pid && nla_put_u32(msg, RODP_A_PID, (uint32_t)req->pid) < 0)
		return EMSGSIZE;
	return 0;
}

static int stats_parse(struct nlattr **tb, void *arg)
{
	struct stats_req *req = arg;

	if (!tb[RODP_A_STATS])
		return EPROTO;
	req->seen = 1;
	return rodp_stats_from_nest(tb[RODP_A_STATS], &req->stats);
}

RODP_EXPORT int rodp_get_stats(struct rodp_ctx *ctx, pid_t pid,
			       struct rodp_stats *stats, size_t stats_size)
{
	struct stats_req req = { .pid = pid };
	int err;

	rodp_clear_error();
	if (!stats || !stats_size)
		return rodp_fail(EINVAL, "rodp_get_stats: %s",
				 stats ? "stats_size is 0" : "stats is NULL");
	if (pid < 0)
		return rodp_fail(EINVAL, "rodp_get_stats: negative pid %d",
				 (int)pid);
	err = rodp_nl_request(ctx, RODP_CMD_STATS_GET, 0, stats_put,
			      stats_parse, &req);
	if (err)
		return err;
	if (!req.seen)
		return rodp_fail(EPROTO, "rodp.ko's statistics reply has no "
				 "counters");
	memcpy(stats, &req.stats,
	       stats_size < sizeof(req.stats) ? stats_size : sizeof(req.stats));
	return 0;
}
