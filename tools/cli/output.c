// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Output: a document is a list of objects, built as json-c values and
 * printed either as JSON (an array of objects) or as text, one line of
 * "key value" pairs per object. The text is printed from the same json-c
 * values, so a key has the same value in both: numbers in decimal,
 * addresses, keys and flags as "0x..." strings.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json_out.h"
#include "../common/module_state.h"
#include "../common/stat_fields.h"
#include "cli.h"

/* Text wrapped by -p: continuation lines indented, as rdma -p does. */
#define TEXT_WIDTH	80
#define TEXT_INDENT	"    "

const char *kv_value_str(const struct kv *kv, char *buf, size_t size)
{
	switch (kv->type) {
	case KV_STR:
		return kv->s;
	case KV_HEX:
		snprintf(buf, size, "0x%" PRIx64, kv->u);
		return buf;
	default:
		snprintf(buf, size, "%" PRIu64, kv->u);
		return buf;
	}
}

void out_begin(struct cli *c)
{
	json_object_put(c->doc);
	c->doc = json_object_new_array();
	c->objects = 0;
}

void out_discard(struct cli *c)
{
	out_begin(c);
}

void out_object(struct cli *c, const struct kv *kv, int n)
{
	struct json_object *o = json_object_new_object();
	char buf[32];
	int i;

	if (!o || !c->doc)
		goto oom;
	for (i = 0; i < n; i++) {
		struct json_object *v = kv[i].type == KV_U64 ?
			json_object_new_uint64(kv[i].u) :
			json_object_new_string(kv_value_str(&kv[i], buf,
							    sizeof(buf)));

		if (!v || json_object_object_add(o, kv[i].key, v)) {
			json_object_put(v);
			goto oom;
		}
	}
	if (json_object_array_add(c->doc, o))
		goto oom;
	c->objects++;
	return;
oom:
	json_object_put(o);
	fputs("rodp: out of memory\n", stderr);
	exit(CLI_ERR);
}

/* One object as a text line: each value as json-c prints it (a string
 * without its quotes), wrapped with -p. */
static void text_object(const struct cli *c, struct json_object *o)
{
	size_t col = 0;

	json_object_object_foreach(o, key, val) {
		const char *v = json_object_get_string(val);
		size_t len = strlen(key) + 1 + strlen(v);

		if (col && c->pretty &&
		    col + 1 + len > TEXT_WIDTH) {
			fputs("\n" TEXT_INDENT, c->out);
			col = strlen(TEXT_INDENT);
		} else if (col) {
			fputc(' ', c->out);
			col++;
		}
		fprintf(c->out, "%s %s", key, v);
		col += len;
	}
	fputc('\n', c->out);
}

void out_end(struct cli *c)
{
	size_t i;

	if (!c->doc)
		return;
	if (c->json) {
		if (tool_json_print(c->out, c->doc, c->pretty))
			exit(CLI_ERR);
	} else {
		for (i = 0; i < json_object_array_length(c->doc); i++)
			text_object(c, json_object_array_get_idx(c->doc, i));
		fflush(c->out);
	}
	json_object_put(c->doc);
	c->doc = NULL;
}

int kv_add_stats(struct kv *kv, int n, const struct rodp_stats *s)
{
	size_t i;

	for (i = 0; i < rodp_stat_nfields && n < KV_MAX; i++)
		kv[n++] = (struct kv){ .key = rodp_stat_fields[i].name,
				       .type = KV_U64,
				       .u = rodp_stat_value(s, &rodp_stat_fields[i]) };
	return n;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("rodp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

int cli_fail(int err, const char *what)
{
	const char *msg = rodp_last_error_msg();

	switch (err) {
	case ENODEV:
		fprintf(stderr, "rodp: %s\n", tool_no_module_reason());
		return CLI_NO_MODULE;
	case EPERM:
	case EACCES:
		fprintf(stderr, "rodp: %s: permission denied (needs CAP_NET_ADMIN "
			"or the process's owner)\n", what);
		return CLI_NO_PERM;
	case ESRCH:
	case ENOENT:
		fprintf(stderr, "rodp: %s: %s\n", what,
			*msg ? msg : "no such process or region known to rodp");
		return CLI_NOT_FOUND;
	default:
		fprintf(stderr, "rodp: %s: %s%s%s\n", what, strerror(err),
			*msg ? ": " : "", msg);
		return CLI_ERR;
	}
}
