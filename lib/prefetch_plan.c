// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Which segments of a prefetch request go to the device: the live part of
 * the range, cut into SGEs short enough for struct ibv_sge's 32-bit
 * length. Pure, so the unit tests can cover every edge. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "rodp_internal.h"

static int range_cmp(const void *a, const void *b)
{
	const struct rodp_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Emits [s, e) cut into max_seg pieces; returns the new count. */
static size_t emit(uint64_t s, uint64_t e, uint64_t max_seg,
		   struct rodp_range *out, size_t out_max, size_t n)
{
	while (s < e) {
		uint64_t len = e - s < max_seg ? e - s : max_seg;

		if (n < out_max) {
			out[n].start = s;
			out[n].length = len;
		}
		n++;
		s += len;
	}
	return n;
}

size_t rodp_prefetch_plan(uint64_t start, uint64_t len,
			  const struct rodp_range *live, size_t nlive,
			  uint64_t max_seg, struct rodp_range *out,
			  size_t out_max, uint64_t *dead_bytes)
{
	uint64_t end = start + len, covered = 0, cursor = start;
	struct rodp_range *sorted;
	size_t i, n = 0;

	if (end < start)	/* the caller validates; be safe anyway */
		end = UINT64_MAX;
	if (!max_seg)
		max_seg = RODP_SGE_MAX_LEN;
	if (!live) {
		*dead_bytes = 0;
		return emit(start, end, max_seg, out, out_max, 0);
	}

	/* The kernel keeps ranges in list order; sort a copy. On ENOMEM
	 * prefetch everything: the device path refuses unmapped pages
	 * itself, skipping is only an optimisation. */
	sorted = malloc(nlive ? nlive * sizeof(*sorted) : 1);
	if (!sorted) {
		*dead_bytes = 0;
		return emit(start, end, max_seg, out, out_max, 0);
	}
	memcpy(sorted, live, nlive * sizeof(*sorted));
	qsort(sorted, nlive, sizeof(*sorted), range_cmp);

	for (i = 0; i < nlive; i++) {
		uint64_t s = sorted[i].start;
		uint64_t e = s + sorted[i].length;

		if (e < s)
			e = UINT64_MAX;
		/* Overlapping ranges (never sent by rodp.ko) count once. */
		if (s < cursor)
			s = cursor;
		if (s < start)
			s = start;
		if (e > end)
			e = end;
		if (s >= e)
			continue;
		n = emit(s, e, max_seg, out, out_max, n);
		covered += e - s;
		cursor = e;
	}
	free(sorted);
	*dead_bytes = (end - start) - covered;
	return n;
}
