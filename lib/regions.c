// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_get_regions(): rodp.ko's region dump, one callback per region.
 *
 * The whole dump is read first and the callbacks run after the request
 * is over, with no library lock held: a callback may call the library,
 * on the same context too (rodp_get_stats(), rodp_get_mr_stats() ...),
 * without deadlocking on the context's lock. A dump the kernel marks
 * interrupted (NLM_F_DUMP_INTR: regions came or went meanwhile) calls no
 * callback and returns EAGAIN, for the caller to ask again.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "rodp_internal.h"

struct rodp_dump_req {
	pid_t pid;
	struct rodp_region_info *v;	/* ranges owned by each entry */
	size_t n, cap;
};

static int rodp_dump_put(struct nl_msg *msg, void *arg)
{
	struct rodp_dump_req *req = arg;

	if (req->pid && nla_put_u32(msg, RODP_A_PID, (uint32_t)req->pid) < 0)
		return EMSGSIZE;
	return 0;
}

static int rodp_dump_parse(struct nlattr **tb, void *arg)
{
	struct rodp_dump_req *req = arg;
	struct rodp_region_info info;
	struct rodp_range *ranges;
	int err;

	err = rodp_region_from_attrs(tb, &info, &ranges);
	if (err)
		return err;
	if (req->n == req->cap) {
		size_t cap = req->cap ? 2 * req->cap : 16;
		struct rodp_region_info *v = realloc(req->v, cap * sizeof(*v));

		if (!v) {
			free(ranges);
			return ENOMEM;
		}
		req->v = v;
		req->cap = cap;
	}
	req->v[req->n++] = info;	/* info.ranges is ranges */
	return 0;
}

static void rodp_dump_free(struct rodp_dump_req *req)
{
	size_t i;

	for (i = 0; i < req->n; i++)
		free((void *)req->v[i].ranges);
	free(req->v);
}

RODP_EXPORT int rodp_get_regions(struct rodp_ctx *ctx, pid_t pid,
				 rodp_region_cb cb, void *arg)
{
	struct rodp_dump_req req = { .pid = pid };
	size_t i;
	int err;

	rodp_clear_error();
	if (!cb)
		return rodp_fail(EINVAL, "rodp_get_regions: cb is NULL");
	if (pid < 0)
		return rodp_fail(EINVAL, "rodp_get_regions: negative pid %d",
				 (int)pid);
	/* rodp_nl_request() refuses a NULL or inherited ctx. */
	err = rodp_nl_request(ctx, RODP_CMD_REGION_GET, NLM_F_DUMP,
			      rodp_dump_put, rodp_dump_parse, &req);
	for (i = 0; !err && i < req.n; i++)
		if (cb(&req.v[i], arg))
			break;
	rodp_dump_free(&req);
	return err;
}
