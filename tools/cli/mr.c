// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp mr [show] [KEY VALUE...]: the ODP regions rodp.ko tracks, terse
 * by default as rdma res show mr is, every field with -d. Their counters
 * are behind rodp stat mr.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "cli.h"

/* A dump the kernel interrupted (EAGAIN) is tried again this often. */
#define DUMP_TRIES	5

int region_kv(const struct rodp_region_info *r, bool details, bool stats,
	      struct kv *kv)
{
	uint64_t live = 0;
	uint32_t i;
	int n = 0;

	for (i = 0; i < r->nr_ranges; i++)
		live += r->ranges[i].length;
	kv[n++] = (struct kv){ "id", KV_U64, r->id, NULL };
	kv[n++] = (struct kv){ "pid", KV_U64, r->pid, NULL };
	kv[n++] = (struct kv){ "dev", KV_STR, 0, r->device };
	if (details)
		kv[n++] = (struct kv){ "kind", KV_STR, 0,
			r->device_kind == RODP_KIND_HARDWARE ? "hardware" :
							      "software" };
	kv[n++] = (struct kv){ "addr", KV_HEX, r->addr, NULL };
	kv[n++] = (struct kv){ "length", KV_U64, r->length, NULL };
	if (details) {
		kv[n++] = (struct kv){ "access", KV_HEX, r->access, NULL };
		/* A child of an implicit MR: its lkey is the implicit MR's. */
		kv[n++] = (struct kv){ "odp", KV_STR, 0,
			r->implicit_child ? "implicit-child" : "explicit" };
	}
	kv[n++] = (struct kv){ "lkey", KV_HEX, r->bound ? r->lkey : 0, NULL };
	kv[n++] = (struct kv){ "state", KV_STR, 0,
		r->state == RODP_STATE_DEAD ? "dead" : "live" };
	if (details) {
		kv[n++] = (struct kv){ "ranges", KV_U64, r->nr_ranges, NULL };
		kv[n++] = (struct kv){ "live-bytes", KV_U64, live, NULL };
	}
	return stats ? kv_add_region_stats(kv, n, &r->stats) : n;
}

/*
 * The names mlx5 gives its per-MR ODP counters in `rdma stat mr` (and
 * rodp's rdma_rxe, kernel/rxe/patches/0008), from rodp.ko's counters of
 * the region, in PAGE_SIZE pages like theirs. The faults and prefetches
 * are the same events; the invalidations are what the kernel notified
 * for the MR, where the driver's count only those that reached it and
 * found pages mapped: under the stock policy, on mapped pages, the two
 * agree; under event-aware the difference is what rodp spared the
 * device (rodp(8)).
 */
static int kv_add_mlx5_odp(struct kv *kv, int n, const struct rodp_stats *s)
{
	uint64_t notified = 0;
	size_t i;

	for (i = 0; i < RODP_INVAL_SLOTS; i++)
		notified += s->inval[i];
	if (n + 5 > KV_MAX)
		return n;
	kv[n++] = (struct kv){ "page_faults", KV_U64, s->fault_pages, NULL };
	kv[n++] = (struct kv){ "page_faults_handled", KV_U64,
			       s->fault_calls - s->fault_errors, NULL };
	kv[n++] = (struct kv){ "page_invalidations", KV_U64, s->inval_pages,
			       NULL };
	kv[n++] = (struct kv){ "page_invalidations_handled", KV_U64, notified,
			       NULL };
	kv[n++] = (struct kv){ "page_prefetch", KV_U64, s->prefetch_pages,
			       NULL };
	return n;
}

int kv_add_region_stats(struct kv *kv, int n, const struct rodp_stats *s)
{
	return kv_add_mlx5_odp(kv, kv_add_stats(kv, n, s), s);
}

/* Every key region_kv() can print but rodp_stats' counters, for checking
 * filters without a region at hand. */
const struct key_spec region_keys[] = {
	{ "id", KEY_NUM }, { "pid", KEY_NUM }, { "dev", KEY_STR },
	{ "kind", KEY_STR }, { "addr", KEY_NUM }, { "length", KEY_NUM },
	{ "access", KEY_NUM }, { "odp", KEY_STR }, { "lkey", KEY_NUM },
	{ "state", KEY_STR }, { "ranges", KEY_NUM }, { "live-bytes", KEY_NUM },
	/* kv_add_region_stats()'s mlx5 names: counters, not rodp_stats'. */
	{ "page_faults", KEY_NUM }, { "page_faults_handled", KEY_NUM },
	{ "page_invalidations", KEY_NUM },
	{ "page_invalidations_handled", KEY_NUM }, { "page_prefetch", KEY_NUM },
};
const size_t region_nkeys = sizeof(region_keys) / sizeof(region_keys[0]);

int regions_walk(struct cli *c, uint32_t pid,
		 int (*fn)(const struct rodp_region_info *, void *), void *arg)
{
	int tries = 0, err;

	do {
		if (tries)
			out_discard(c);
		err = rodp_get_regions(c->ctx, pid, fn, arg);
	} while (err == EAGAIN && ++tries < DUMP_TRIES);
	return err ? cli_fail(err, c->obj->name) : 0;
}

static int show_region(const struct rodp_region_info *r, void *arg)
{
	struct cli *c = arg;
	struct kv kv[KV_MAX];
	int n = region_kv(r, true, true, kv);

	/* Filters see every field, whatever -d prints. */
	if (!args_match(c, kv, n))
		return 0;
	out_object(c, kv, region_kv(r, c->details, false, kv));
	return 0;
}

static int mr_once(struct cli *c)
{
	int err;

	out_begin(c);
	err = regions_walk(c, c->pid, show_region, c);
	if (err)
		return err;
	out_end(c);
	return 0;
}

static int mr_parse(struct cli *c, const char *cmd)
{
	(void)cmd;	/* show, the only one */
	c->once = mr_once;
	return args_check(c, region_keys, region_nkeys, true);
}

static const char *const mr_cmds[] = { "show", NULL };

const struct cli_object cli_obj_mr = {
	.name = "mr",
	.help =
"  rodp mr [show] [KEY VALUE...]           ODP regions (-d: every field); any key filters\n"
"Keys: id pid dev kind addr length access odp (explicit, implicit-child) lkey\n"
"state ranges live-bytes, and the counters of rodp stat. Numbers match in any\n"
"base (lkey 0x1234 = lkey 4660).\n",
	.cmds = mr_cmds,
	.flags = CLI_OBJ_INTERVAL,
	.parse = mr_parse,
};
