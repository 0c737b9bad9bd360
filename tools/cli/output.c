// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Text ("key value ...", one object a line) or JSON with the same keys. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/module_hint.h"
#include "../common/stat_fields.h"
#include "cli.h"

static int nobjects;

void out_list_begin(const struct cli *c)
{
	nobjects = 0;
	if (c->json)
		fputs("[", stdout);
}

void out_list_end(const struct cli *c)
{
	if (c->json)
		fputs(c->pretty && nobjects ? "\n]\n" : "]\n", stdout);
	fflush(stdout);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

void out_object(const struct cli *c, const struct kv *kv, int n)
{
	int i;

	if (!c->json) {
		for (i = 0; i < n; i++) {
			if (kv[i].type == KV_STR)
				printf("%s%s %s", i ? " " : "", kv[i].key, kv[i].s);
			else
				printf(kv[i].type == KV_HEX ? "%s%s %#" PRIx64 :
				       "%s%s %" PRIu64, i ? " " : "", kv[i].key,
				       kv[i].u);
		}
		putchar('\n');
		return;
	}
	fputs(nobjects++ ? "," : "", stdout);
	fputs(c->pretty ? "\n  {" : "{", stdout);
	for (i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		fputs(c->pretty ? "\n    " : "", stdout);
		json_str(kv[i].key);
		fputs(": ", stdout);
		if (kv[i].type == KV_STR)
			json_str(kv[i].s);
		else
			printf("%" PRIu64, kv[i].u);
	}
	fputs(c->pretty ? "\n  }" : "}", stdout);
}

bool kv_has_key(const struct kv *kv, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return true;
	return false;
}

/* Numbers compare as numbers (so "lkey 4660" matches "lkey 0x1234"). */
bool kv_match(const struct kv *kv, int n, const char *key, const char *value)
{
	unsigned long long v;
	char *end;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key))
			continue;
		if (kv[i].type == KV_STR)
			return !strcmp(kv[i].s, value);
		errno = 0;
		v = strtoull(value, &end, 0);
		return !errno && end != value && !*end && v == kv[i].u;
	}
	return false;
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
	fputs(" (see rodp --help)\n", stderr);
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

int arg_pid(const struct cli *c, uint32_t *pid)
{
	unsigned long v;
	char *end;
	int i;

	for (i = 0; i + 1 < c->argc; i += 2) {
		if (strcmp(c->argv[i], "pid"))
			continue;
		errno = 0;
		v = strtoul(c->argv[i + 1], &end, 0);
		if (errno || *end || !v || v > INT32_MAX)
			return cli_usage("bad pid '%s'", c->argv[i + 1]);
		*pid = v;
		return 0;
	}
	return -1;
}
