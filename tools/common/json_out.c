// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <config.h>

#include <errno.h>
#include <stdio.h>

#include "json_out.h"
#include "stat_fields.h"

int tool_json_print(FILE *f, struct json_object *doc, bool pretty)
{
	int flags = JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;

	if (pretty)
		flags |= JSON_C_TO_STRING_PRETTY;
	s = json_object_to_json_string_ext(doc, flags);
	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF || fflush(f))
		return -1;
	return 0;
}

struct json_object *tool_json_stats(const struct rodp_stats *s)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < rodp_stat_nfields; i++)
		if (json_object_object_add(o, rodp_stat_fields[i].name,
				json_object_new_uint64(rodp_stat_value(s,
						&rodp_stat_fields[i])))) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

struct json_object *tool_json_double(double v, const char *fmt)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
}
