// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_get_regions(): rodp.ko's region dump, one callback per region. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>

#include "rodp_internal.h"

struct rodp_dump_req {
	pid_t pid;
	rodp_region_cb cb;
	void *arg;
	int stopped;
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

	/* After the callback said stop, the rest of the dump is read and
	 * dropped: the socket must be left clean. */
	if (req->stopped)
		return 0;
	err = rodp_region_from_attrs(tb, &info, &ranges);
	if (err)
		return err;
	if (req->cb(&info, req->arg))
		req->stopped = 1;
	free(ranges);
	return 0;
}

RODP_EXPORT int rodp_get_regions(struct rodp_ctx *ctx, pid_t pid,
				 rodp_region_cb cb, void *arg)
{
	struct rodp_dump_req req = { .pid = pid, .cb = cb, .arg = arg };

	rodp_clear_error();
	if (!cb)
		return rodp_fail(EINVAL, "rodp_get_regions: cb is NULL");
	if (pid < 0)
		return rodp_fail(EINVAL, "rodp_get_regions: negative pid %d",
				 (int)pid);
	/* rodp_nl_request() refuses a NULL or inherited ctx. */
	return rodp_nl_request(ctx, RODP_CMD_REGION_GET, NLM_F_DUMP,
			       rodp_dump_put, rodp_dump_parse, &req);
}
