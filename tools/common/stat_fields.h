/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The names of struct rodp_stats' counters, shared by the tools so the
 * CLI, rodp-bench and the preload library print the same keys.
 */
#ifndef RODP_TOOLS_STAT_FIELDS_H
#define RODP_TOOLS_STAT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <rodp/rodp.h>

struct rodp_stat_field {
	const char *name;	/* text key and JSON key */
	size_t offset;		/* in struct rodp_stats */
	int gauge;		/* not monotonic: no delta */
};

extern const struct rodp_stat_field rodp_stat_fields[];
extern const size_t rodp_stat_nfields;

static inline uint64_t rodp_stat_value(const struct rodp_stats *s,
				       const struct rodp_stat_field *f)
{
	return *(const uint64_t *)((const char *)s + f->offset);
}

/* after - before, counter by counter; gauges keep their value in after. */
void rodp_stats_delta(const struct rodp_stats *before,
		      const struct rodp_stats *after, struct rodp_stats *delta);

#endif
