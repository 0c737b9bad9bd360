// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp monitor: rodp.ko's region notifications (shrunk, dead) from the
 * "events" multicast group, one line each, as they happen. librodp's
 * event fd carries only the calling process's own regions, so the
 * monitor joins the group itself; the kernel lets administrators only.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/rodp.h>

#include "cli.h"

struct mon {
	struct cli *c;
	unsigned long seen;
	int err;
};

static int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_PERM: case NLE_NOACCESS: return EPERM;
	case NLE_OBJ_NOTFOUND: return ENODEV;
	case NLE_NOMEM: return ENOMEM;
	default: return EIO;
	}
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[RODP_A_MAX + 1], *a;
	struct mon *m = arg;
	struct kv kv[KV_MAX];
	uint64_t live = 0;
	int n = 0, rem, nranges = 0;

	if (gh->cmd != RODP_CMD_REGION_SHRUNK_NTF &&
	    gh->cmd != RODP_CMD_REGION_DEAD_NTF)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[RODP_A_REGION_RANGES])
		nla_for_each_nested(a, tb[RODP_A_REGION_RANGES], rem) {
			struct nlattr *r[RODP_RANGE_MAX + 1];

			if (nla_parse_nested(r, RODP_RANGE_MAX, a, NULL) < 0)
				continue;
			nranges++;
			if (r[RODP_RANGE_LENGTH])
				live += nla_get_u64(r[RODP_RANGE_LENGTH]);
		}
	kv[n++] = (struct kv){ "event", KV_STR, 0,
		gh->cmd == RODP_CMD_REGION_DEAD_NTF ? "dead" : "shrunk" };
#define U64(key, attr) if (tb[attr]) kv[n++] = (struct kv){ key, KV_U64, nla_get_u64(tb[attr]), NULL }
#define U32(key, attr, t) if (tb[attr]) kv[n++] = (struct kv){ key, t, nla_get_u32(tb[attr]), NULL }
	U64("id", RODP_A_REGION_ID);
	U32("pid", RODP_A_PID, KV_U64);
	if (tb[RODP_A_DEVICE])
		kv[n++] = (struct kv){ "dev", KV_STR, 0, nla_get_string(tb[RODP_A_DEVICE]) };
	if (tb[RODP_A_ADDR])
		kv[n++] = (struct kv){ "addr", KV_HEX, nla_get_u64(tb[RODP_A_ADDR]), NULL };
	U64("length", RODP_A_LENGTH);
	U32("lkey", RODP_A_LKEY, KV_HEX);
	if (tb[RODP_A_REGION_STATE])
		kv[n++] = (struct kv){ "state", KV_STR, 0,
			nla_get_u32(tb[RODP_A_REGION_STATE]) == RODP_REGION_DEAD ?
			"dead" : "live" };
	kv[n++] = (struct kv){ "ranges", KV_U64, nranges, NULL };
	kv[n++] = (struct kv){ "live-bytes", KV_U64, live, NULL };
#undef U64
#undef U32
	if (m->c->dev && !(tb[RODP_A_DEVICE] &&
			   !strcmp(m->c->dev, nla_get_string(tb[RODP_A_DEVICE]))))
		return NL_OK;
	for (rem = 0; rem + 1 < m->c->argc; rem += 2)
		if (!kv_match(kv, n, m->c->argv[rem], m->c->argv[rem + 1]))
			return NL_OK;
	/* JSON: one object per line, so a reader can follow the stream. */
	if (m->c->json) {
		struct cli one = *m->c;

		one.pretty = false;
		out_list_begin(&one);
		out_object(&one, kv, n);
		out_list_end(&one);
	} else {
		out_object(m->c, kv, n);
		fflush(stdout);
	}
	m->seen++;
	return m->c->count && m->seen >= m->c->count ? NL_STOP : NL_OK;
}

int cmd_monitor(struct cli *c, const char *cmd)
{
	static const char *const keys[] = {
		"event", "id", "pid", "dev", "addr", "length", "lkey", "state",
		"ranges", "live-bytes",
	};
	struct mon m = { .c = c };
	struct nl_sock *sk;
	int grp, err, i;
	size_t k;

	if (cmd && strcmp(cmd, "show"))
		return cli_usage("unknown command 'monitor %s'", cmd);
	if (c->argc % 2)
		return cli_usage("'%s' needs a value", c->argv[c->argc - 1]);
	for (i = 0; i < c->argc; i += 2) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(keys[k], c->argv[i]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return cli_usage("unknown key '%s'", c->argv[i]);
	}
	sk = nl_socket_alloc();
	if (!sk)
		return cli_fail(ENOMEM, "monitor");
	err = genl_connect(sk);
	if (err < 0) {
		err = nle_errno(err);
		goto out;
	}
	grp = genl_ctrl_resolve_grp(sk, RODP_FAMILY_NAME, RODP_MCGRP_EVENTS);
	if (grp < 0) {
		err = ENODEV;
		goto out;
	}
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		err = nle_errno(err);
		goto out;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	if (!c->json)
		fprintf(stderr, "rodp: monitoring region events (Ctrl-C stops)\n");
	for (;;) {
		err = nl_recvmsgs_default(sk);
		if (err < 0 && err != -NLE_NOMEM) {	/* overrun: keep going */
			err = nle_errno(err);
			goto out;
		}
		if (c->count && m.seen >= c->count)
			break;
	}
	err = 0;
out:
	nl_socket_free(sk);
	return err ? cli_fail(err, "monitor") : 0;
}
