// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* "key value" arguments: checked against an object's keys, then matched
 * against its fields; and the -i loop. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/stat_fields.h"
#include "cli.h"

/* A number in any base (0x1f, 31); false for anything else. */
static bool parse_num(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

/* The type of key's values: 0 and *type, or -1 for no such key. */
static int key_type(const char *key, const struct key_spec *keys,
		    size_t nkeys, bool counters, int *type)
{
	size_t k;

	for (k = 0; k < nkeys; k++)
		if (!strcmp(keys[k].key, key)) {
			*type = keys[k].type;
			return 0;
		}
	for (k = 0; counters && k < rodp_stat_nfields; k++)
		if (!strcmp(rodp_stat_fields[k].name, key)) {
			*type = KEY_NUM;
			return 0;
		}
	return -1;
}

int args_check(struct cli *c, const struct key_spec *keys, size_t nkeys,
	       bool counters)
{
	uint64_t v = 0;
	int i, type;

	for (i = 0; i < c->argc; i += 2) {
		const char *key = c->argv[i];

		if (key_type(key, keys, nkeys, counters, &type))
			return cli_usage("unknown %s '%s' (rodp %s help)",
					 i ? "key" : "command or key", key,
					 c->obj->name);
		if (i + 1 >= c->argc)
			return cli_usage("'%s' needs a value", key);
		if (type == KEY_NUM && !parse_num(c->argv[i + 1], &v))
			return cli_usage("bad %s '%s' (a number)", key,
					 c->argv[i + 1]);
		if (!strcmp(key, "pid")) {
			if (c->pid)
				return cli_usage("pid given twice");
			if (!v || v > INT32_MAX)
				return cli_usage("bad pid '%s'", c->argv[i + 1]);
			c->pid = v;
		}
		if (!strcmp(key, "dev")) {
			if (c->dev)
				return cli_usage("dev given twice");
			if (!*c->argv[i + 1] ||
			    strlen(c->argv[i + 1]) >=
			    sizeof(((struct rodp_region_info *)0)->device))
				return cli_usage("bad dev '%s'", c->argv[i + 1]);
			c->dev = c->argv[i + 1];
		}
	}
	return 0;
}

/* Numbers compare as numbers (so "lkey 4660" matches "lkey 0x1234"). */
bool kv_match(const struct kv *kv, int n, const char *key, const char *value)
{
	uint64_t v;
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(kv[i].key, key))
			continue;
		if (kv[i].type == KV_STR)
			return !strcmp(kv[i].s, value);
		return parse_num(value, &v) && v == kv[i].u;
	}
	return false;
}

bool args_match(const struct cli *c, const struct kv *kv, int n)
{
	int i;

	for (i = 0; i + 1 < c->argc; i += 2)
		if (!kv_match(kv, n, c->argv[i], c->argv[i + 1]))
			return false;
	return true;
}

static void sleep_interval(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int repeat(struct cli *c, int (*fn)(struct cli *))
{
	unsigned long i;
	int ret;

	for (i = 0;; i++) {
		ret = fn(c);
		if (ret || !c->interval || (c->count && i + 1 >= c->count))
			return ret;
		sleep_interval(c->interval);
	}
}
