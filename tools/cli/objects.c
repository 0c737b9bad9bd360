// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp stat, rodp mr, rodp policy. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/policy_name.h"
#include "cli.h"

/* Every "key value" pair must name a key the object has. */
static int check_filters(const struct cli *c, const struct kv *kv, int n)
{
	int i;

	if (c->argc % 2)
		return cli_usage("'%s' needs a value", c->argv[c->argc - 1]);
	for (i = 0; i < c->argc; i += 2)
		if (!kv_has_key(kv, n, c->argv[i]))
			return cli_usage("unknown key '%s'", c->argv[i]);
	return 0;
}

static bool matches(const struct cli *c, const struct kv *kv, int n)
{
	int i;

	for (i = 0; i < c->argc; i += 2)
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

/* Runs fn once, or every -i seconds (-c times, or until interrupted). */
static int repeat(struct cli *c, int (*fn)(struct cli *))
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

/* ---- stat ---- */

struct dev_sum {
	const char *dev;
	struct rodp_stats sum;
	int n;
};

static int sum_region(const struct rodp_region_info *r, void *arg)
{
	struct dev_sum *d = arg;
	const uint64_t *src = (const uint64_t *)&r->stats;
	uint64_t *dst = (uint64_t *)&d->sum;
	size_t i;

	if (strcmp(r->device, d->dev))
		return 0;
	for (i = 0; i < sizeof(d->sum) / sizeof(uint64_t); i++)
		dst[i] += src[i];
	d->n++;
	return 0;
}

static int stat_once(struct cli *c)
{
	struct kv kv[KV_MAX];
	struct rodp_stats st;
	uint32_t pid = 0;
	int n = 0, err;

	if (arg_pid(c, &pid) == CLI_USAGE)
		return CLI_USAGE;
	if (c->dev) {
		/* Region counters summed: what happened on this device. */
		struct dev_sum d = { .dev = c->dev };

		err = rodp_get_regions(c->ctx, pid, sum_region, &d);
		if (err)
			return cli_fail(err, "regions");
		st = d.sum;
		kv[n++] = (struct kv){ "dev", KV_STR, 0, c->dev };
		kv[n++] = (struct kv){ "regions", KV_U64, d.n, NULL };
	} else {
		err = rodp_get_stats(c->ctx, pid, &st, sizeof(st));
		if (err)
			return cli_fail(err, pid ? "stat pid" : "stat");
	}
	if (pid)
		kv[n++] = (struct kv){ "pid", KV_U64, pid, NULL };
	n = kv_add_stats(kv, n, &st);
	out_list_begin(c);
	out_object(c, kv, n);
	out_list_end(c);
	return 0;
}

int cmd_stat(struct cli *c, const char *cmd)
{
	int i;

	if (cmd && strcmp(cmd, "show"))
		return cli_usage("unknown command 'stat %s' (show)", cmd);
	if (c->argc % 2)
		return cli_usage("'%s' needs a value", c->argv[c->argc - 1]);
	for (i = 0; i < c->argc; i += 2)
		if (strcmp(c->argv[i], "pid"))
			return cli_usage("stat takes 'pid N' only, not '%s'",
					 c->argv[i]);
	return repeat(c, stat_once);
}

/* ---- mr ---- */

struct mr_walk {
	struct cli *c;
	unsigned long shown;
};

static int region_kv(const struct rodp_region_info *r, struct kv *kv)
{
	uint64_t live = 0;
	uint32_t i;
	int n = 0;

	for (i = 0; i < r->nr_ranges; i++)
		live += r->ranges[i].length;
	kv[n++] = (struct kv){ "id", KV_U64, r->id, NULL };
	kv[n++] = (struct kv){ "pid", KV_U64, r->pid, NULL };
	kv[n++] = (struct kv){ "dev", KV_STR, 0, r->device };
	kv[n++] = (struct kv){ "kind", KV_STR, 0,
		r->device_kind == RODP_KIND_HARDWARE ? "hardware" : "software" };
	kv[n++] = (struct kv){ "addr", KV_HEX, r->addr, NULL };
	kv[n++] = (struct kv){ "length", KV_U64, r->length, NULL };
	kv[n++] = (struct kv){ "access", KV_HEX, r->access, NULL };
	kv[n++] = (struct kv){ "lkey", KV_HEX, r->bound ? r->lkey : 0, NULL };
	kv[n++] = (struct kv){ "state", KV_STR, 0,
		r->state == RODP_STATE_DEAD ? "dead" : "live" };
	kv[n++] = (struct kv){ "ranges", KV_U64, r->nr_ranges, NULL };
	kv[n++] = (struct kv){ "live-bytes", KV_U64, live, NULL };
	return kv_add_stats(kv, n, &r->stats);
}

static int show_region(const struct rodp_region_info *r, void *arg)
{
	struct mr_walk *w = arg;
	struct kv kv[KV_MAX];
	int n = region_kv(r, kv);

	if (w->c->dev && strcmp(w->c->dev, r->device))
		return 0;
	if (!matches(w->c, kv, n))
		return 0;
	out_object(w->c, kv, n);
	w->shown++;
	return 0;
}

static int mr_once(struct cli *c)
{
	struct rodp_region_info none = { .device = "" };
	struct mr_walk w = { .c = c };
	struct kv kv[KV_MAX];
	uint32_t pid = 0;
	int err;

	/* Filters name keys a region has, whether or not any exists. */
	err = check_filters(c, kv, region_kv(&none, kv));
	if (err)
		return err;
	if (arg_pid(c, &pid) == CLI_USAGE)
		return CLI_USAGE;
	out_list_begin(c);
	err = rodp_get_regions(c->ctx, pid, show_region, &w);
	out_list_end(c);
	if (err)
		return cli_fail(err, "mr show");
	return 0;
}

int cmd_mr(struct cli *c, const char *cmd)
{
	if (cmd && strcmp(cmd, "show"))
		return cli_usage("unknown command 'mr %s' (show)", cmd);
	return repeat(c, mr_once);
}

/* ---- policy ---- */

static int policy_show(struct cli *c)
{
	enum rodp_policy_mode mode, global;
	struct kv kv[3];
	uint32_t pid = 0;
	int n = 0, err;

	if (arg_pid(c, &pid) == CLI_USAGE)
		return CLI_USAGE;
	err = rodp_get_global_policy(c->ctx, &global);
	if (err)
		return cli_fail(err, "policy show");
	if (pid) {
		err = rodp_get_process_policy(c->ctx, pid, &mode);
		if (err)
			return cli_fail(err, "policy show pid");
		kv[n++] = (struct kv){ "pid", KV_U64, pid, NULL };
		kv[n++] = (struct kv){ "policy", KV_STR, 0, rodp_policy_str(mode) };
		/* What "default" means right now. */
		kv[n++] = (struct kv){ "effective", KV_STR, 0, rodp_policy_str(
			mode == RODP_POLICY_MODE_DEFAULT ? global : mode) };
	} else {
		kv[n++] = (struct kv){ "policy", KV_STR, 0, rodp_policy_str(global) };
	}
	out_list_begin(c);
	out_object(c, kv, n);
	out_list_end(c);
	return 0;
}

/* rodp policy set [pid N] stock|event-aware|default */
static int policy_set(struct cli *c)
{
	enum rodp_policy_mode mode;
	const char *name = NULL;
	uint32_t pid = 0;
	int i, err;

	for (i = 0; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "pid") && i + 1 < c->argc) {
			i++;
			continue;
		}
		if (name)
			return cli_usage("unexpected '%s'", c->argv[i]);
		name = c->argv[i];
	}
	if (!name)
		return cli_usage("policy set needs stock, event-aware or default");
	if (tool_policy_parse(name, &mode))
		return cli_usage("unknown policy '%s' (stock, event-aware, default)",
				 name);
	if (arg_pid(c, &pid) == CLI_USAGE)
		return CLI_USAGE;
	if (!pid && mode == RODP_POLICY_MODE_DEFAULT)
		return cli_usage("the global policy cannot be 'default'");
	err = pid ? rodp_set_process_policy(c->ctx, pid, mode) :
		    rodp_set_global_policy(c->ctx, mode);
	if (err)
		return cli_fail(err, "policy set");
	return 0;
}

int cmd_policy(struct cli *c, const char *cmd)
{
	if (!cmd || !strcmp(cmd, "show")) {
		if (c->argc && (c->argc != 2 || strcmp(c->argv[0], "pid")))
			return cli_usage("policy show takes 'pid N' only");
		return policy_show(c);
	}
	if (!strcmp(cmd, "set"))
		return policy_set(c);
	return cli_usage("unknown command 'policy %s' (show, set)", cmd);
}
