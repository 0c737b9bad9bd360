/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The tools' one JSON writer: json-c, printed the same way by every tool
 * (rodp, rodp-bench), as iproute2 keeps one writer for all of rdma.
 */
#ifndef RODP_TOOLS_JSON_OUT_H
#define RODP_TOOLS_JSON_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include <json-c/json.h>

#include <rodp/rodp.h>

/*
 * Prints doc and a newline: one line ("key": value, spaced), or indented
 * over several with pretty. 0, or -1 with errno when writing failed.
 */
int tool_json_print(FILE *f, struct json_object *doc, bool pretty);

/* rodp's counters as an object keyed by their stat_fields names; NULL
 * when out of memory. */
struct json_object *tool_json_stats(const struct rodp_stats *s);

/* A number printed with printf's fmt (bandwidths with 2 decimals, say),
 * so JSON shows exactly what the text table shows. */
struct json_object *tool_json_double(double v, const char *fmt);

#endif
