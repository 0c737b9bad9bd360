// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <config.h>

#include "stat_fields.h"

#define F(name, field) { name, offsetof(struct rodp_stats, field), 0 }
#define G(name, field) { name, offsetof(struct rodp_stats, field), 1 }
#define I(name, cause) { name, offsetof(struct rodp_stats, inval) + \
			 (cause) * sizeof(uint64_t), 0 }

/* Key names follow the netlink attribute names of kernel/rodp.yaml. */
const struct rodp_stat_field rodp_stat_fields[] = {
	I("inval-unmap", RODP_INVAL_UNMAP),
	I("inval-clear", RODP_INVAL_CLEAR),
	I("inval-protection-vma", RODP_INVAL_PROTECTION_VMA),
	I("inval-protection-page", RODP_INVAL_PROTECTION_PAGE),
	I("inval-soft-dirty", RODP_INVAL_SOFT_DIRTY),
	I("inval-release", RODP_INVAL_RELEASE),
	I("inval-migrate", RODP_INVAL_MIGRATE),
	I("inval-exclusive", RODP_INVAL_EXCLUSIVE),
	F("inval-pages", inval_pages),
	F("act-delegated", delegated),
	F("act-skipped", skipped),
	F("act-downgraded", downgraded),
	F("act-shrunk", shrunk),
	F("act-fallback", fallback),
	F("fault-calls", fault_calls),
	F("fault-pages", fault_pages),
	F("fault-errors", fault_errors),
	F("prefetch-calls", prefetch_calls),
	F("prefetch-pages", prefetch_pages),
	F("umems-created", umems_created),
	F("umems-released", umems_released),
	G("umems-live", umems_live),
	F("wrap-full", wrap_full),
	F("skip-protection", skip_protection),
	F("skip-soft-dirty", skip_soft_dirty),
	F("attach-missed", attach_missed),
	F("release-missed", release_missed),
	F("inval-nonblock", inval_nonblock),
};

const size_t rodp_stat_nfields =
	sizeof(rodp_stat_fields) / sizeof(rodp_stat_fields[0]);

void rodp_stats_delta(const struct rodp_stats *before,
		      const struct rodp_stats *after, struct rodp_stats *delta)
{
	size_t i;

	for (i = 0; i < rodp_stat_nfields; i++) {
		const struct rodp_stat_field *f = &rodp_stat_fields[i];
		uint64_t *d = (uint64_t *)((char *)delta + f->offset);

		*d = rodp_stat_value(after, f);
		if (!f->gauge)
			*d -= rodp_stat_value(before, f);
	}
}
