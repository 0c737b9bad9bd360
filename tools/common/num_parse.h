/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Numbers on the command line, checked whole: strtoul() alone takes "-1"
 * as ULONG_MAX, saturates an overflow into ULONG_MAX with only errno to
 * say so, and a size suffix shifted without a check wraps around.
 */
#ifndef RODP_TOOLS_NUM_PARSE_H
#define RODP_TOOLS_NUM_PARSE_H

#include <stddef.h>

/* A size in bytes, decimal or 0x hexadecimal, with an optional K, M or G
 * suffix (powers of 1024), into *out. -1 for anything but a digit first
 * (a sign, a space), trailing text, 0, or more than SIZE_MAX. */
int tool_parse_size(const char *s, size_t *out);

/* A count, decimal or 0x hexadecimal, in [min, max], into *out. -1 for
 * anything but a digit first, trailing text, or a value out of range
 * (overflow included). */
int tool_parse_count(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out);

#endif /* RODP_TOOLS_NUM_PARSE_H */
