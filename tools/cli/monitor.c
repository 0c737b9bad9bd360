// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp monitor: rodp.ko's region notifications (shrunk, dead) from the
 * "events" multicast group, one line (one JSON document) each, as they
 * happen. librodp's event fd carries only the calling process's own
 * regions, so the monitor joins the group itself (the kernel lets
 * administrators only), but it reads each message with librodp's own
 * checked parsers: rodp_ntf_parse(), which rodp_get_event() uses, and
 * rodp_region_from_attrs() (a dump's) for the device the event lacks.
 * They are internal: rodp links librodp's convenience library.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "../../lib/rodp_internal.h"
#include "cli.h"

static const struct key_spec monitor_keys[] = {
	{ "event", KEY_STR }, { "id", KEY_NUM }, { "pid", KEY_NUM },
	{ "dev", KEY_STR }, { "addr", KEY_NUM }, { "length", KEY_NUM },
	{ "lkey", KEY_NUM }, { "state", KEY_STR }, { "ranges", KEY_NUM },
	{ "live-bytes", KEY_NUM },
};

/* The region's device, from the same message; "" if it has none. */
static void event_device(const struct nlmsghdr *nlh, char *dev, size_t size)
{
	struct nlattr *tb[RODP_A_MAX + 1];
	struct rodp_region_info info;
	struct rodp_range *ranges;

	dev[0] = '\0';
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, RODP_A_MAX,
			  (struct nla_policy *)rodp_attr_policy) < 0 ||
	    rodp_region_from_attrs(tb, &info, &ranges))
		return;
	free(ranges);
	snprintf(dev, size, "%s", info.device);
}

/* Prints ev if it passes the filters; true when it was printed. */
static bool print_event(struct cli *c, const struct rodp_event *ev,
			const char *dev)
{
	struct kv kv[16];
	int n = 0;

	kv[n++] = (struct kv){ "event", KV_STR, 0,
		ev->type == RODP_EVENT_REGION_DEAD ? "dead" :
		ev->type == RODP_EVENT_REGION_GROWN ? "grown" : "shrunk" };
	kv[n++] = (struct kv){ "id", KV_U64, ev->region_id, NULL };
	kv[n++] = (struct kv){ "pid", KV_U64, ev->pid, NULL };
	if (*dev)
		kv[n++] = (struct kv){ "dev", KV_STR, 0, dev };
	kv[n++] = (struct kv){ "addr", KV_HEX, ev->addr, NULL };
	kv[n++] = (struct kv){ "length", KV_U64, ev->length, NULL };
	kv[n++] = (struct kv){ "lkey", KV_HEX, ev->lkey, NULL };
	kv[n++] = (struct kv){ "state", KV_STR, 0,
		ev->state == RODP_STATE_DEAD ? "dead" : "live" };
	kv[n++] = (struct kv){ "ranges", KV_U64, ev->live_ranges, NULL };
	kv[n++] = (struct kv){ "live-bytes", KV_U64, ev->live_bytes, NULL };
	if (!args_match(c, kv, n))
		return false;
	/* One document per event: a reader can follow the stream a line at
	 * a time. */
	out_begin(c);
	out_object(c, kv, n);
	out_end(c);
	return true;
}

unsigned long monitor_datagram(struct cli *c, const void *buf, size_t len,
			       int family, unsigned long max)
{
	unsigned long printed = 0;
	size_t off, used;

	for (off = 0; off < len && (!max || printed < max); off += used) {
		const char *msg = (const char *)buf + off;
		struct rodp_event ev;
		char dev[64];
		int ret = rodp_ntf_parse(msg, len - off, family, &ev, &used);

		if (ret == EPROTO)
			fprintf(stderr, "rodp: monitor: a malformed "
				"notification skipped\n");
		if (ret)
			continue;	/* ENOMSG: not an event */
		event_device((const struct nlmsghdr *)msg, dev, sizeof(dev));
		printed += print_event(c, &ev, dev);
	}
	return printed;
}

/* Joins the events group: 0 and *sk, *family, or a positive errno. */
static int monitor_socket(struct nl_sock **skp, int *family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, err;

	if (!sk)
		return ENOMEM;
	err = genl_connect(sk);
	if (err < 0)
		goto out_nle;
	*family = genl_ctrl_resolve(sk, RODP_FAMILY_NAME);
	grp = genl_ctrl_resolve_grp(sk, RODP_FAMILY_NAME, RODP_MCGRP_EVENTS);
	if (*family < 0 || grp < 0) {
		nl_socket_free(sk);
		return ENODEV;
	}
	err = nl_socket_add_membership(sk, grp);
	if (err < 0)
		goto out_nle;
	*skp = sk;
	return 0;
out_nle:
	nl_socket_free(sk);
	return rodp_nl_errno(err);
}

static int monitor_run(struct cli *c)
{
	static char buf[65536];
	unsigned long seen = 0, lost = 0;
	struct nl_sock *sk = NULL;
	int family = 0, fd, err;

	err = monitor_socket(&sk, &family);
	if (err)
		return cli_fail(err, "monitor");
	fd = nl_socket_get_fd(sk);
	if (!c->json)
		fprintf(stderr, "rodp: monitoring region events (Ctrl-C stops)\n");
	while (!c->count || seen < c->count) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == ENOBUFS) {
			/* The kernel dropped notifications: say so, go on. */
			fprintf(stderr, "rodp: monitor: events lost (%lu times "
				"the socket overran)\n", ++lost);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		seen += monitor_datagram(c, buf, n, family,
					 c->count ? c->count - seen : 0);
	}
	nl_socket_free(sk);
	return err ? cli_fail(err, "monitor") : 0;
}

static int monitor_parse(struct cli *c, const char *cmd)
{
	(void)cmd;	/* none */
	c->once = monitor_run;
	return args_check(c, monitor_keys,
			  sizeof(monitor_keys) / sizeof(monitor_keys[0]), false);
}

const struct cli_object cli_obj_monitor = {
	.name = "monitor",
	.help =
"  rodp monitor [KEY VALUE...]             region shrunk/dead events as they happen\n"
"Keys: event (shrunk, dead) id pid dev addr length lkey state ranges live-bytes.\n",
	.flags = CLI_OBJ_STREAM,
	.parse = monitor_parse,
};
