// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp.ko's event policy: per process (the caller's or another's) and
 * global. */
#include <config.h>

#include <errno.h>

#include "rodp_internal.h"

_Static_assert((int)RODP_POLICY_MODE_DEFAULT == (int)RODP_POLICY_DEFAULT &&
	       (int)RODP_POLICY_MODE_EVENT_AWARE == (int)RODP_POLICY_EVENT_AWARE &&
	       (int)RODP_POLICY_MODE_STOCK == (int)RODP_POLICY_STOCK,
	       "public policy modes follow the netlink ABI");
_Static_assert((int)RODP_STATE_DEAD == (int)RODP_REGION_DEAD &&
	       (int)RODP_KIND_HARDWARE == (int)RODP_DEVICE_HARDWARE,
	       "public region values follow the netlink ABI");

struct rodp_policy_req {
	uint32_t scope;
	pid_t pid;		/* 0: the caller */
	int set;
	uint32_t policy;
	int seen;
};

static int rodp_policy_put(struct nl_msg *msg, void *arg)
{
	struct rodp_policy_req *req = arg;

	if (nla_put_u32(msg, RODP_A_POLICY_SCOPE, req->scope) < 0 ||
	    (req->pid && nla_put_u32(msg, RODP_A_PID, (uint32_t)req->pid) < 0) ||
	    (req->set && nla_put_u32(msg, RODP_A_POLICY, req->policy) < 0))
		return EMSGSIZE;
	return 0;
}

static int rodp_policy_parse(struct nlattr **tb, void *arg)
{
	struct rodp_policy_req *req = arg;

	if (!tb[RODP_A_POLICY])
		return EPROTO;
	req->policy = nla_get_u32(tb[RODP_A_POLICY]);
	req->seen = 1;
	return 0;
}

static int rodp_policy_do(struct rodp_ctx *ctx, struct rodp_policy_req *req)
{
	int err;

	rodp_clear_error();
	if (req->pid < 0)
		return rodp_fail(EINVAL, "negative pid %d", (int)req->pid);
	if (req->set && req->policy > RODP_POLICY_MODE_STOCK)
		return rodp_fail(EINVAL, "unknown policy %u", req->policy);
	if (req->set && req->scope == RODP_POLICY_SCOPE_GLOBAL &&
	    req->policy == RODP_POLICY_MODE_DEFAULT)
		return rodp_fail(EINVAL, "the global policy cannot be 'default'");
	err = rodp_nl_request(ctx, req->set ? RODP_CMD_POLICY_SET :
			      RODP_CMD_POLICY_GET, 0, rodp_policy_put,
			      req->set ? NULL : rodp_policy_parse, req);
	if (!err && !req->set && !req->seen)
		err = rodp_fail(EPROTO, "rodp.ko's policy reply has no policy");
	/* The kernel's admin check gives no extended ACK of its own. */
	if (err == EPERM)
		rodp_set_error("changing this policy needs CAP_NET_ADMIN");
	return err;
}

static int rodp_policy_get(struct rodp_ctx *ctx, uint32_t scope, pid_t pid,
			   enum rodp_policy_mode *policy)
{
	struct rodp_policy_req req = { .scope = scope, .pid = pid };
	int err;

	if (!policy)
		return rodp_fail(EINVAL, "the policy pointer is NULL");
	err = rodp_policy_do(ctx, &req);
	if (!err)
		*policy = (enum rodp_policy_mode)req.policy;
	return err;
}

RODP_EXPORT int rodp_set_process_policy(struct rodp_ctx *ctx, pid_t pid,
					enum rodp_policy_mode policy)
{
	struct rodp_policy_req req = { .scope = RODP_POLICY_SCOPE_PROCESS,
				       .pid = pid, .set = 1,
				       .policy = (uint32_t)policy };

	return rodp_policy_do(ctx, &req);
}

RODP_EXPORT int rodp_get_process_policy(struct rodp_ctx *ctx, pid_t pid,
					enum rodp_policy_mode *policy)
{
	return rodp_policy_get(ctx, RODP_POLICY_SCOPE_PROCESS, pid, policy);
}

RODP_EXPORT int rodp_set_policy(struct rodp_ctx *ctx,
				enum rodp_policy_mode policy)
{
	return rodp_set_process_policy(ctx, 0, policy);
}

RODP_EXPORT int rodp_get_policy(struct rodp_ctx *ctx,
				enum rodp_policy_mode *policy)
{
	return rodp_get_process_policy(ctx, 0, policy);
}

RODP_EXPORT int rodp_set_global_policy(struct rodp_ctx *ctx,
				       enum rodp_policy_mode policy)
{
	struct rodp_policy_req req = { .scope = RODP_POLICY_SCOPE_GLOBAL,
				       .set = 1, .policy = (uint32_t)policy };

	return rodp_policy_do(ctx, &req);
}

RODP_EXPORT int rodp_get_global_policy(struct rodp_ctx *ctx,
				       enum rodp_policy_mode *policy)
{
	return rodp_policy_get(ctx, RODP_POLICY_SCOPE_GLOBAL, 0, policy);
}

RODP_EXPORT const char *rodp_policy_str(enum rodp_policy_mode policy)
{
	switch (policy) {
	case RODP_POLICY_MODE_DEFAULT:
		return "default";
	case RODP_POLICY_MODE_EVENT_AWARE:
		return "event-aware";
	case RODP_POLICY_MODE_STOCK:
		return "stock";
	}
	return "unknown";
}
