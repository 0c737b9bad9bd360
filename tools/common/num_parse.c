// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Checked command-line numbers (num_parse.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "num_parse.h"

/* strtoull() with nothing it would skip or negate: a digit first. */
static int parse_ull(const char *s, unsigned long long *v, char **end)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, end, 0);
	return errno ? -1 : 0;
}

int tool_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (parse_ull(s, &v, &end))
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || !v || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

int tool_parse_count(const char *s, unsigned long min, unsigned long max,
		     unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (parse_ull(s, &v, &end) || *end || v < min || v > max)
		return -1;
	*out = (unsigned long)v;
	return 0;
}
