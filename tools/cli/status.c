// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp status: how rodp.ko is attached (RODP_CMD_STATUS_GET). A control
 * view for administrators with no library counterpart, so it asks the
 * kernel itself over libnl-genl-3: one summary object (attached,
 * kprobes-live, the rdma_rxe rodp saw and whether it trusts it, missed
 * probe calls), then one object per attach point or called symbol; or,
 * when rodp.ko does not answer, one object saying why.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include <linux/rodp.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "../common/module_state.h"
#include "cli.h"

#define STATUS_MAX_PROBES 16

struct status {
	int seen;
	uint8_t attached, kprobes_live, trusted;
	bool has_rxe;
	char rxe_version[32];
	uint64_t attach_missed, release_missed;
	unsigned int nprobes;
	struct {
		char symbol[64], type[16];
		uint8_t armed;
		uint64_t missed;
	} probe[STATUS_MAX_PROBES];
};

static struct nla_policy status_policy[RODP_A_MAX + 1] = {
	[RODP_A_ATTACHED] = { .type = NLA_U8 },
	[RODP_A_KPROBES_LIVE] = { .type = NLA_U8 },
	[RODP_A_PROBE] = { .type = NLA_NESTED },
	[RODP_A_RXE_VERSION] = { .type = NLA_STRING },
	[RODP_A_DEVICE_TRUSTED] = { .type = NLA_U8 },
	[RODP_A_STATS] = { .type = NLA_NESTED },
};

static struct nla_policy probe_policy[RODP_PROBE_MAX + 1] = {
	[RODP_PROBE_SYMBOL] = { .type = NLA_STRING },
	[RODP_PROBE_TYPE] = { .type = NLA_STRING },
	[RODP_PROBE_ARMED] = { .type = NLA_U8 },
	[RODP_PROBE_MISSED] = { .type = NLA_U64 },
};

static void copy_str(char *dst, size_t len, struct nlattr *a)
{
	snprintf(dst, len, "%s", a ? nla_get_string(a) : "?");
}

static void parse_probe(struct status *st, struct nlattr *nest)
{
	struct nlattr *tb[RODP_PROBE_MAX + 1];

	if (st->nprobes >= STATUS_MAX_PROBES ||
	    nla_parse_nested(tb, RODP_PROBE_MAX, nest, probe_policy) < 0)
		return;
	copy_str(st->probe[st->nprobes].symbol,
		 sizeof(st->probe[0].symbol), tb[RODP_PROBE_SYMBOL]);
	copy_str(st->probe[st->nprobes].type, sizeof(st->probe[0].type),
		 tb[RODP_PROBE_TYPE]);
	st->probe[st->nprobes].armed =
		tb[RODP_PROBE_ARMED] ? nla_get_u8(tb[RODP_PROBE_ARMED]) : 0;
	st->probe[st->nprobes].missed =
		tb[RODP_PROBE_MISSED] ? nla_get_u64(tb[RODP_PROBE_MISSED]) : 0;
	st->nprobes++;
}

static int status_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[RODP_A_MAX + 1], *a;
	struct status *st = arg;
	int rem;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
			  status_policy) < 0)
		return NL_SKIP;
	st->seen = 1;
	if (tb[RODP_A_ATTACHED])
		st->attached = nla_get_u8(tb[RODP_A_ATTACHED]);
	if (tb[RODP_A_KPROBES_LIVE])
		st->kprobes_live = nla_get_u8(tb[RODP_A_KPROBES_LIVE]);
	if (tb[RODP_A_RXE_VERSION]) {
		st->has_rxe = true;
		copy_str(st->rxe_version, sizeof(st->rxe_version),
			 tb[RODP_A_RXE_VERSION]);
		st->trusted = tb[RODP_A_DEVICE_TRUSTED] ?
			      nla_get_u8(tb[RODP_A_DEVICE_TRUSTED]) : 0;
	}
	if (tb[RODP_A_STATS]) {
		nla_for_each_nested(a, tb[RODP_A_STATS], rem) {
			if (nla_len(a) != sizeof(uint64_t))
				continue;
			if (nla_type(a) == RODP_STAT_ATTACH_MISSED)
				st->attach_missed = nla_get_u64(a);
			else if (nla_type(a) == RODP_STAT_RELEASE_MISSED)
				st->release_missed = nla_get_u64(a);
		}
	}
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0),
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), rem)
		if (nla_type(a) == RODP_A_PROBE)
			parse_probe(st, a);
	return NL_OK;
}

/* 0, or a positive errno (ENODEV: no rodp family). */
static int status_query(struct status *st)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int family, err;

	if (!sk)
		return ENOMEM;
	err = genl_connect(sk);
	if (err < 0)
		goto out;
	family = genl_ctrl_resolve(sk, RODP_FAMILY_NAME);
	if (family < 0) {
		err = family == -NLE_OBJ_NOTFOUND ? -NLE_NODEV : family;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
				 RODP_CMD_STATUS_GET, RODP_FAMILY_VERSION)) {
		err = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, status_valid, st);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_wait_for_ack(sk);
	if (!err && !st->seen)
		err = -NLE_PROTO_MISMATCH;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (!err)
		return 0;
	switch (-err) {
	case NLE_NODEV:
		return ENODEV;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	default:
		return EIO;
	}
}

static const struct key_spec status_keys[] = {
	{ "module", KEY_STR }, { "kernel", KEY_STR }, { "installed", KEY_STR },
	{ "signed", KEY_STR }, { "sig-enforce", KEY_STR },
	{ "lockdown", KEY_STR },
	{ "attached", KEY_NUM }, { "kprobes-live", KEY_NUM },
	{ "rxe", KEY_STR }, { "rxe-trusted", KEY_NUM },
	{ "attach-missed", KEY_NUM }, { "release-missed", KEY_NUM },
	{ "symbol", KEY_STR }, { "type", KEY_STR },
	{ "armed", KEY_NUM }, { "missed", KEY_NUM },
};

/*
 * rodp.ko does not answer: one object that says why (not installed, not
 * loaded, refused for want of a signature), then the error. The exit
 * status stays CLI_NO_MODULE, so scripts need not parse the object.
 */
static int status_no_module(struct cli *c)
{
	struct tool_module_state ms;
	struct kv kv[KV_MAX];
	int n = 0;

	tool_module_state(&ms);
	kv[n++] = (struct kv){ "module", KV_STR, 0,
			       ms.loaded ? "loaded" : "not-loaded" };
	kv[n++] = (struct kv){ "kernel", KV_STR, 0, ms.kernel };
	kv[n++] = (struct kv){ "installed", KV_STR, 0,
			       ms.path[0] ? ms.path : "none" };
	kv[n++] = (struct kv){ "signed", KV_STR, 0, tool_tristate_name(ms.sig) };
	kv[n++] = (struct kv){ "sig-enforce", KV_STR, 0,
			       tool_tristate_name(ms.enforce) };
	kv[n++] = (struct kv){ "lockdown", KV_STR, 0,
			       ms.lockdown[0] ? ms.lockdown : "unknown" };
	out_begin(c);
	if (args_match(c, kv, n))
		out_object(c, kv, n);
	out_end(c);
	return cli_fail(ENODEV, "status");
}

static int status_show(struct cli *c)
{
	struct status st = { 0 };
	struct kv kv[KV_MAX];
	unsigned int i;
	int n = 0, err;

	err = status_query(&st);
	if (err == ENODEV)
		return status_no_module(c);
	if (err)
		return cli_fail(err, err == EOPNOTSUPP ?
				"status (rodp.ko too old for it)" : "status");

	out_begin(c);
	kv[n++] = (struct kv){ "attached", KV_U64, st.attached, NULL };
	kv[n++] = (struct kv){ "kprobes-live", KV_U64, st.kprobes_live, NULL };
	kv[n++] = (struct kv){ "rxe", KV_STR, 0,
			       !st.has_rxe ? "unseen" :
			       *st.rxe_version ? st.rxe_version : "no-version" };
	kv[n++] = (struct kv){ "rxe-trusted", KV_U64, st.trusted, NULL };
	kv[n++] = (struct kv){ "attach-missed", KV_U64, st.attach_missed, NULL };
	kv[n++] = (struct kv){ "release-missed", KV_U64, st.release_missed,
			       NULL };
	if (args_match(c, kv, n))
		out_object(c, kv, n);
	for (i = 0; i < st.nprobes; i++) {
		n = 0;
		kv[n++] = (struct kv){ "symbol", KV_STR, 0, st.probe[i].symbol };
		kv[n++] = (struct kv){ "type", KV_STR, 0, st.probe[i].type };
		kv[n++] = (struct kv){ "armed", KV_U64, st.probe[i].armed, NULL };
		kv[n++] = (struct kv){ "missed", KV_U64, st.probe[i].missed,
				       NULL };
		if (args_match(c, kv, n))
			out_object(c, kv, n);
	}
	out_end(c);
	return 0;
}

static int status_parse(struct cli *c, const char *cmd)
{
	(void)cmd;	/* "show", the only command, checked by cli_parse */
	c->once = status_show;
	return args_check(c, status_keys,
			  sizeof(status_keys) / sizeof(status_keys[0]), false);
}

static const char *const status_cmds[] = { "show", NULL };

const struct cli_object cli_obj_status = {
	.name = "status",
	.help =
"  rodp status [show] [KEY VALUE...]       how rodp.ko is attached: probes\n"
"                                          armed, missed calls, the rdma_rxe\n"
"                                          seen and whether it is trusted;\n"
"                                          without rodp.ko: why (not installed,\n"
"                                          not loaded, unsigned where only\n"
"                                          signed modules load)\n",
	.cmds = status_cmds,
	.flags = CLI_OBJ_NO_MODULE,
	.parse = status_parse,
};
