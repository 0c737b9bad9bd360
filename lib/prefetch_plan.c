// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Which segments of a prefetch request go to the device: the live part of
 * the range, cut into SGEs short enough for struct ibv_sge's 32-bit
 * length. Pure, so the unit tests can cover every edge.
 *
 * The live ranges are kept normalised (sorted, disjoint) by the MR table
 * when an event or a kernel reply changes them, so planning on the
 * prefetch path neither allocates nor sorts: a binary search finds the
 * first live range, and the segment count is arithmetic, never a loop
 * over a huge length. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "rodp_internal.h"

static int range_cmp(const void *a, const void *b)
{
	const struct rodp_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* End of r, saturated at the top of the address space. */
static uint64_t range_end(const struct rodp_range *r)
{
	uint64_t e = r->start + r->length;

	return e < r->start ? UINT64_MAX : e;
}

size_t rodp_ranges_normalise(struct rodp_range *r, size_t n)
{
	size_t i, out = 0;

	qsort(r, n, sizeof(*r), range_cmp);
	for (i = 0; i < n; i++) {
		uint64_t e = range_end(&r[i]);

		if (!r[i].length)
			continue;
		/* Overlapping or touching (never sent by rodp.ko): merged,
		 * so that no byte is prefetched twice. */
		if (out && r[i].start <= range_end(&r[out - 1])) {
			if (e > range_end(&r[out - 1]))
				r[out - 1].length = e - r[out - 1].start;
			continue;
		}
		r[out].start = r[i].start;
		r[out].length = e - r[i].start;
		out++;
	}
	return out;
}

/* Emits [s, e) cut into max_seg pieces; returns the new count. Counting
 * is arithmetic: only the pieces that fit in out are visited. */
static size_t emit(uint64_t s, uint64_t e, uint64_t max_seg,
		   struct rodp_range *out, size_t out_max, size_t n)
{
	uint64_t pieces = (e - s) / max_seg + ((e - s) % max_seg != 0);

	while (s < e && n < out_max) {
		uint64_t len = e - s < max_seg ? e - s : max_seg;

		out[n].start = s;
		out[n].length = len;
		n++;
		s += len;
		pieces--;
	}
	if (pieces > SIZE_MAX - n)
		return SIZE_MAX;
	return n + (size_t)pieces;
}

size_t rodp_prefetch_plan(uint64_t start, uint64_t len,
			  const struct rodp_range *live, size_t nlive,
			  uint64_t max_seg, struct rodp_range *out,
			  size_t out_max, uint64_t *dead_bytes)
{
	uint64_t end = start + len, covered = 0;
	size_t lo, hi, n = 0;

	if (end < start)	/* the caller validates; be safe anyway */
		end = UINT64_MAX;
	if (!max_seg)
		max_seg = RODP_SGE_MAX_LEN;
	if (!out)
		out_max = 0;
	if (!live) {
		*dead_bytes = 0;
		return emit(start, end, max_seg, out, out_max, 0);
	}

	/* The first live range that ends after start. */
	lo = 0;
	hi = nlive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (range_end(&live[mid]) <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nlive && live[lo].start < end; lo++) {
		uint64_t s = live[lo].start > start ? live[lo].start : start;
		uint64_t e = range_end(&live[lo]) < end ?
			     range_end(&live[lo]) : end;

		if (s >= e)
			continue;
		n = emit(s, e, max_seg, out, out_max, n);
		covered += e - s;
	}
	*dead_bytes = (end - start) - covered;
	return n;
}
