// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A stand-in for rodp.ko in host tests: see fake_rodp.h. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "fake_rodp.h"
#include "../../lib/rodp_internal.h"

static int fake_fd = -1;
uint32_t fake_port;
uint32_t fake_peer;
int fake_acks_sent;
int fake_binds;
int fake_subscribes;
int fake_subscribe_err;
struct fake_region fake_bind_region;
int fake_dump_n;
int fake_dump_intr;

struct rodp_ctx *fake_ctx_open(void)
{
	struct rodp_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->pid = rodp_getpid();
	ctx->family = FAKE_FAMILY;
	ctx->sock = nl_socket_alloc();
	if (!ctx->sock || nl_connect(ctx->sock, NETLINK_GENERIC) < 0) {
		if (ctx->sock)
			nl_socket_free(ctx->sock);
		free(ctx);
		errno = EPROTO;
		return NULL;
	}
	nl_socket_disable_msg_peek(ctx->sock);
	nl_socket_set_msg_buf_size(ctx->sock, 65536);
	nl_socket_set_peer_port(ctx->sock, fake_port);
	return ctx;
}

int fake_rodp_init(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);

	fake_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fake_fd < 0 || bind(fake_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fake_fd, (struct sockaddr *)&sa, &sl))
		return errno ? errno : EPROTO;
	fake_port = sa.nl_pid;
	rodp_conn_ctx_open = fake_ctx_open;
	return 0;
}

static int fake_send(uint32_t port, const void *buf, size_t len)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };

	return sendto(fake_fd, buf, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -1;
}

struct nl_msg *fake_region_msg(const struct fake_region *r, uint8_t cmd,
			       uint32_t seq, uint64_t live)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *ranges, *one;

	if (!msg || !genlmsg_put(msg, 0, seq, FAKE_FAMILY, 0, 0, cmd, 1))
		goto fail;
	if (nla_put_u64(msg, RODP_A_REGION_ID, r->id) < 0 ||
	    nla_put_u32(msg, RODP_A_PID, (uint32_t)getpid()) < 0 ||
	    nla_put_u64(msg, RODP_A_ADDR, r->addr) < 0 ||
	    nla_put_u64(msg, RODP_A_LENGTH, r->length) < 0 ||
	    nla_put_u32(msg, RODP_A_ACCESS, r->access) < 0 ||
	    nla_put_string(msg, RODP_A_DEVICE, r->device) < 0 ||
	    nla_put_u8(msg, RODP_A_IMPLICIT_CHILD, !!r->implicit_child) < 0 ||
	    (r->twins >= 0 &&
	     nla_put_u32(msg, RODP_A_TWINS, (uint32_t)r->twins) < 0) ||
	    nla_put_u32(msg, RODP_A_REGION_STATE,
			live ? RODP_STATE_LIVE : RODP_STATE_DEAD) < 0 ||
	    (r->lkey && nla_put_u32(msg, RODP_A_LKEY, r->lkey) < 0))
		goto fail;
	ranges = nla_nest_start(msg, RODP_A_REGION_RANGES);
	if (!ranges)
		goto fail;
	if (live) {
		one = nla_nest_start(msg, RODP_A_RANGE);
		if (!one || nla_put_u64(msg, RODP_RANGE_START, r->addr) < 0 ||
		    nla_put_u64(msg, RODP_RANGE_LENGTH, live) < 0)
			goto fail;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, ranges);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

int fake_notify(uint32_t port, const struct fake_region *r, uint8_t cmd,
		uint64_t live)
{
	struct nl_msg *msg = fake_region_msg(r, cmd, 0, live);
	int ret;

	if (!msg)
		return -1;
	ret = fake_send(port, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
	return ret;
}

/* An ACK (error 0) or an error reply to h, as netlink_ack() sends it. */
static int fake_ack(uint32_t port, const struct nlmsghdr *h, int err)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack = {
		.h = { .nlmsg_len = sizeof(ack), .nlmsg_type = NLMSG_ERROR,
		       .nlmsg_seq = h->nlmsg_seq },
		.e = { .error = -err, .msg = *h },
	};

	return fake_send(port, &ack, sizeof(ack));
}

/* A REGION_GET dump as netlink_dump() sends it: parts flagged
 * NLM_F_MULTI, the one built after the list changed also NLM_F_DUMP_INTR
 * (nl_dump_check_consistent()), then NLMSG_DONE. */
static void fake_dump(uint32_t port, const struct nlmsghdr *h)
{
	struct {
		struct nlmsghdr h;
		int err;
	} done = {
		.h = { .nlmsg_len = sizeof(done), .nlmsg_type = NLMSG_DONE,
		       .nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = h->nlmsg_seq },
	};
	struct fake_region r = fake_bind_region;
	struct nl_msg *part;
	int i;

	for (i = 0; i < fake_dump_n; i++, r.id++) {
		part = fake_region_msg(&r, RODP_CMD_REGION_GET, h->nlmsg_seq,
				       r.length);
		if (!part)
			return;
		nlmsg_hdr(part)->nlmsg_flags |= NLM_F_MULTI;
		if (fake_dump_intr && i == fake_dump_n - 1)
			nlmsg_hdr(part)->nlmsg_flags |= NLM_F_DUMP_INTR;
		fake_send(port, nlmsg_hdr(part), nlmsg_hdr(part)->nlmsg_len);
		nlmsg_free(part);
	}
	if (fake_dump_intr)
		done.h.nlmsg_flags |= NLM_F_DUMP_INTR;
	fake_send(port, &done, sizeof(done));
}

/*
 * Answers one request: EVENTS_SUBSCRIBE with fake_subscribe_err (an ACK
 * when 0); REGION_BIND with fake_bind_region, then an ACK only when the
 * request carries NLM_F_ACK (netlink_rcv_skb() does exactly that);
 * a REGION_GET dump with fake_dump().
 */
static void *fake_kernel(void *arg)
{
	char buf[8192];
	struct sockaddr_nl from;
	socklen_t fl = sizeof(from);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct nl_msg *reply;
	ssize_t n;

	(void)arg;
	n = recvfrom(fake_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		     &fl);
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) ||
	    h->nlmsg_type != FAKE_FAMILY)
		return NULL;
	fake_peer = from.nl_pid;
	if (g->cmd == RODP_CMD_EVENTS_SUBSCRIBE) {
		fake_subscribes++;
		fake_ack(from.nl_pid, h, fake_subscribe_err);
		return NULL;
	}
	if (g->cmd == RODP_CMD_REGION_GET && (h->nlmsg_flags & NLM_F_DUMP)) {
		fake_dump(from.nl_pid, h);
		return NULL;
	}
	if (g->cmd != RODP_CMD_REGION_BIND) {
		fake_ack(from.nl_pid, h, EOPNOTSUPP);
		return NULL;
	}
	fake_binds++;
	reply = fake_region_msg(&fake_bind_region, RODP_CMD_REGION_BIND,
				h->nlmsg_seq, fake_bind_region.length);
	if (!reply)
		return NULL;
	fake_send(from.nl_pid, nlmsg_hdr(reply), nlmsg_hdr(reply)->nlmsg_len);
	nlmsg_free(reply);
	if ((h->nlmsg_flags & NLM_F_ACK) && !fake_ack(from.nl_pid, h, 0))
		fake_acks_sent++;
	return NULL;
}

int fake_serve(pthread_t *t)
{
	return pthread_create(t, NULL, fake_kernel, NULL);
}

void fake_join(pthread_t t)
{
	pthread_join(t, NULL);
}
