// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp stat [show] [pid N] [dev NAME]: rodp.ko's counters, global, of a
 * process, or summed over the regions on a device.
 * rodp stat mr [show] [KEY VALUE...]: the counters of each region, as
 * rdma stat mr shows them per MR.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "cli.h"

static const struct key_spec stat_keys[] = {
	{ "pid", KEY_NUM }, { "dev", KEY_STR },
};

struct dev_sum {
	const char *dev;
	struct rodp_stats sum;
	uint64_t n;
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
	int n = 0, err;

	if (c->dev) {
		/* Region counters summed: what happened on this device. */
		struct dev_sum d = { .dev = c->dev };

		err = regions_walk(c, c->pid, sum_region, &d);
		if (err)
			return err;
		st = d.sum;
		kv[n++] = (struct kv){ "dev", KV_STR, 0, c->dev };
		kv[n++] = (struct kv){ "regions", KV_U64, d.n, NULL };
	} else {
		err = rodp_get_stats(c->ctx, c->pid, &st, sizeof(st));
		if (err)
			return cli_fail(err, c->pid ? "stat pid" : "stat");
	}
	if (c->pid)
		kv[n++] = (struct kv){ "pid", KV_U64, c->pid, NULL };
	n = kv_add_stats(kv, n, &st);
	out_begin(c);
	out_object(c, kv, n);
	out_end(c);
	return 0;
}

/* ---- stat mr ---- */

static int show_region_stats(const struct rodp_region_info *r, void *arg)
{
	struct cli *c = arg;
	struct kv kv[KV_MAX];
	int n = region_kv(r, true, true, kv);

	if (!args_match(c, kv, n))
		return 0;
	/* Who the region is, as rdma stat mr names the MR, then its
	 * counters; -d: every field of mr show -d first. */
	if (c->details) {
		n = region_kv(r, true, false, kv);
	} else {
		n = 0;
		kv[n++] = (struct kv){ "id", KV_U64, r->id, NULL };
		kv[n++] = (struct kv){ "pid", KV_U64, r->pid, NULL };
		kv[n++] = (struct kv){ "dev", KV_STR, 0, r->device };
	}
	n = kv_add_region_stats(kv, n, &r->stats);
	out_object(c, kv, n);
	return 0;
}

static int stat_mr_once(struct cli *c)
{
	int err;

	out_begin(c);
	err = regions_walk(c, c->pid, show_region_stats, c);
	if (err)
		return err;
	out_end(c);
	return 0;
}

static int stat_parse(struct cli *c, const char *cmd)
{
	/* rdma takes both "stat mr show" and "stat show mr" */
	if (!strcmp(cmd, "show") && c->argc && !strcmp(c->argv[0], "mr")) {
		cmd = "mr";
		c->argc--;
		c->argv++;
	} else if (!strcmp(cmd, "mr") && c->argc &&
		   (!strcmp(c->argv[0], "show") || !strcmp(c->argv[0], "list"))) {
		c->argc--;
		c->argv++;
	}
	if (!strcmp(cmd, "mr")) {
		c->once = stat_mr_once;
		return args_check(c, region_keys, region_nkeys, true);
	}
	c->once = stat_once;
	return args_check(c, stat_keys, sizeof(stat_keys) / sizeof(stat_keys[0]),
			  false);
}

static const char *const stat_cmds[] = { "show", "mr", NULL };

const struct cli_object cli_obj_stat = {
	.name = "stat",
	.help =
"  rodp stat [show] [pid N] [dev NAME]     rodp.ko's counters: global, a process's, a device's\n"
"  rodp stat mr [show] [KEY VALUE...]      the counters of each ODP region (any mr key filters)\n",
	.cmds = stat_cmds,
	.flags = CLI_OBJ_INTERVAL,
	.parse = stat_parse,
};
