// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <config.h>

#include <errno.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "policy_nl.h"

static const char *const policy_names[] = {
	[RODP_POLICY_DEFAULT] = "default",
	[RODP_POLICY_EVENT_AWARE] = "event-aware",
	[RODP_POLICY_STOCK] = "stock",
};

const char *tool_policy_name(enum rodp_policy policy)
{
	if ((unsigned int)policy > RODP_POLICY_MAX)
		return NULL;
	return policy_names[policy];
}

int tool_policy_parse(const char *name, enum rodp_policy *policy)
{
	unsigned int i;

	for (i = 0; i <= RODP_POLICY_MAX; i++)
		if (!strcmp(name, policy_names[i])) {
			*policy = i;
			return 0;
		}
	return -1;
}

/* libnl's codes back to the errno the kernel sent. */
static int nle_to_errno(int nle)
{
	switch (-nle) {
	case 0: return 0;
	case NLE_PERM: return EPERM;
	case NLE_OBJ_NOTFOUND: return ESRCH;
	case NLE_INVAL: case NLE_RANGE: return EINVAL;
	case NLE_NOMEM: return ENOMEM;
	case NLE_OPNOTSUPP: return EOPNOTSUPP;
	case NLE_NODEV: return ENODEV;
	default: return EIO;
	}
}

struct policy_reply {
	enum rodp_policy policy;
	int seen;
};

static int policy_valid(struct nl_msg *msg, void *arg)
{
	struct policy_reply *r = arg;
	struct nlattr *tb[RODP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[RODP_A_POLICY]) {
		r->policy = nla_get_u32(tb[RODP_A_POLICY]);
		r->seen = 1;
	}
	return NL_OK;
}

static int policy_request(int cmd, pid_t pid, enum rodp_policy *policy)
{
	struct policy_reply reply = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	int family, err;

	sk = nl_socket_alloc();
	if (!sk)
		return ENOMEM;
	err = genl_connect(sk);
	if (err < 0)
		goto out;
	family = genl_ctrl_resolve(sk, RODP_FAMILY_NAME);
	if (family < 0) {
		err = -NLE_NODEV;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg) {
		err = -NLE_NOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST, cmd, RODP_FAMILY_VERSION) ||
	    nla_put_u32(msg, RODP_A_POLICY_SCOPE, pid ?
			RODP_POLICY_SCOPE_PROCESS : RODP_POLICY_SCOPE_GLOBAL) < 0 ||
	    (pid && nla_put_u32(msg, RODP_A_PID, (uint32_t)pid) < 0) ||
	    (cmd == RODP_CMD_POLICY_SET &&
	     nla_put_u32(msg, RODP_A_POLICY, *policy) < 0)) {
		err = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, policy_valid, &reply);
	err = nl_send_auto(sk, msg);
	if (err < 0)
		goto out;
	/* SET answers with an ACK only; GET with its reply first. */
	if (cmd == RODP_CMD_POLICY_SET)
		err = nl_wait_for_ack(sk);
	else
		err = nl_recvmsgs_default(sk);
	if (err >= 0 && cmd == RODP_CMD_POLICY_GET) {
		if (!reply.seen)
			err = -NLE_MSG_TRUNC;
		else
			*policy = reply.policy;
	}
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return err < 0 ? nle_to_errno(err) : 0;
}

int tool_policy_set(pid_t pid, enum rodp_policy policy)
{
	return policy_request(RODP_CMD_POLICY_SET, pid, &policy);
}

int tool_policy_get(pid_t pid, enum rodp_policy *policy)
{
	return policy_request(RODP_CMD_POLICY_GET, pid, policy);
}
