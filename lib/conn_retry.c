// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * When the library's own connection to rodp.ko may be tried again after
 * the module was found absent. Opening it costs a generic netlink family
 * dump (about 170 us on a host, far more in an emulated guest); without
 * this memory every rodp_reg_mr() on a machine without rodp.ko paid it.
 * "Absent" is trusted until either a later rodp_open() succeeded (the
 * application has seen the module come) or RODP_ABSENT_RETRY_NS passed on
 * the monotonic clock (the module may have been loaded since).
 * Pure decisions plus the clock, so the unit tests can drive a fake one.
 */
#include <config.h>

#include <errno.h>
#include <time.h>

#include "rodp_internal.h"

unsigned int rodp_open_generation;

static uint64_t rodp_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t (*rodp_clock_ns)(void) = rodp_monotonic_ns;

int rodp_absent_skip(const struct rodp_absent *a, uint64_t now_ns,
		     unsigned int open_gen)
{
	if (!a->absent || a->open_gen != open_gen)
		return 0;
	/* A clock that went backwards (a test's fake one) retries too. */
	return now_ns >= a->when_ns && now_ns - a->when_ns < RODP_ABSENT_RETRY_NS;
}

void rodp_absent_note(struct rodp_absent *a, int err, uint64_t now_ns,
		      unsigned int open_gen)
{
	/* Only "no such family" is remembered: ENOMEM, EMFILE and friends
	 * say nothing about the module and are retried at once. */
	a->absent = err == ENODEV;
	a->when_ns = now_ns;
	a->open_gen = open_gen;
}
