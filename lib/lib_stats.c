// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The library's own counters and one MR's statistics (the library's view
 * plus rodp.ko's region counters). */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rodp_internal.h"

RODP_EXPORT int rodp_get_lib_stats(struct rodp_lib_stats *stats,
				   size_t stats_size)
{
	struct rodp_lib_stats snap;

	rodp_clear_error();
	if (!stats || !stats_size)
		return rodp_fail(EINVAL, "rodp_get_lib_stats: %s",
				 stats ? "stats_size is 0" : "stats is NULL");
	rodp_lib_counters_read(&snap);
	memcpy(stats, &snap,
	       stats_size < sizeof(snap) ? stats_size : sizeof(snap));
	return 0;
}

RODP_EXPORT int rodp_get_mr_stats(struct ibv_mr *mr,
				  struct rodp_mr_stats *stats,
				  size_t stats_size)
{
	struct rodp_region_info info;
	struct rodp_range *ranges = NULL;
	struct rodp_mr_stats st;
	struct rodp_mr_entry e;
	struct rodp_ctx *conn;
	int err;

	rodp_clear_error();
	if (!mr || !stats || !stats_size)
		return rodp_fail(EINVAL, "rodp_get_mr_stats: %s",
				 !mr ? "mr is NULL" : !stats ? "stats is NULL" :
				 "stats_size is 0");
	err = rodp_mr_lookup(mr, &e);
	if (err == EBADF)
		return rodp_fail(EBADF, "this MR belongs to the parent process");
	if (err)
		return rodp_fail(EINVAL, "this MR was not registered with "
				 "rodp_reg_mr() (or was deregistered)");

	memset(&st, 0, sizeof(st));
	st.region_id = e.region_id;
	st.fallback_errno = e.fallback_errno;
	st.prefetch_calls = e.prefetch_calls;
	st.prefetch_advise = e.prefetch_advise;
	st.prefetch_shim = e.prefetch_shim;
	st.prefetch_bytes = e.prefetch_bytes;
	st.prefetch_dead_bytes = e.prefetch_dead_bytes;

	err = 0;
	if ((e.flags & RODP_MR_ODP) && mr->length != SIZE_MAX) {
		/* Registered before rodp.ko was loaded: bind now. */
		if (!(e.flags & RODP_MR_BOUND))
			rodp_mr_late_bind(mr, &e);
		st.region_id = e.region_id;
		err = rodp_libconn(&conn);
		if (!err && !(e.flags & RODP_MR_BOUND))
			err = rodp_fail(ENOENT, "rodp.ko has no region bound "
					"to this MR");
		if (!err)
			err = rodp_region_get(conn, e.region_id, &info, &ranges);
		if (!err) {
			uint64_t live = 0;
			uint32_t i;

			for (i = 0; i < info.nr_ranges; i++)
				live += ranges[i].length;
			/* The kernel's word is the newest: prefetch plans
			 * on it from now on. */
			rodp_mr_set_live(mr, ranges, info.nr_ranges);
			st.state = info.state;
			st.live_bytes = live;
			st.live_ranges = info.nr_ranges;
			st.kernel = info.stats;
			e.flags |= RODP_MR_KERNEL_STATS;
		} else if (err == ENODEV) {
			/* Not an error of this call: the MR works without
			 * the module, and its library counters are here. */
			e.flags |= RODP_MR_NO_MODULE;
			err = 0;
			rodp_set_error("rodp.ko is not loaded: only the "
				       "library's counters are available");
		}
	}
	st.flags = e.flags;
	memcpy(stats, &st, stats_size < sizeof(st) ? stats_size : sizeof(st));
	return err;
}
