// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The generic netlink connection to rodp.ko (libnl-genl-3). libnl's
 * negative NLE_* codes are translated here and never leave the library. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "rodp_internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The kernel's extended-ACK message for this thread's last failed call,
 * in the thread's state block (thread_state.c). */
#define rodp_errmsg (rodp_thread_self.errmsg)

RODP_EXPORT const char *rodp_last_error_msg(void)
{
	return rodp_errmsg;
}

void rodp_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rodp_errmsg, sizeof(rodp_errmsg), fmt, ap);
	va_end(ap);
}

int rodp_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rodp_errmsg, sizeof(rodp_errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int rodp_ctx_check(const struct rodp_ctx *ctx)
{
	if (!ctx)
		return rodp_fail(EINVAL, "the rodp context is NULL");
	if (ctx->pid != rodp_getpid()) {
		rodp_set_error("this rodp context belongs to the parent process; "
			       "a child must call rodp_open() itself");
		return EBADF;
	}
	return 0;
}

int rodp_nl_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
		return EINVAL;
	case NLE_RANGE:
		return ERANGE;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_NODEV:
		return ENODEV;
	case NLE_BUSY:
		return EBUSY;
	case NLE_AGAIN:
		return EAGAIN;
#ifdef NLE_DUMP_INTR
	case NLE_DUMP_INTR:	/* the kernel's list changed: ask again */
		return EAGAIN;
#endif
	case NLE_INTR:
		return EINTR;
	case NLE_PROTO_MISMATCH:
	case NLE_PARSE_ERR:
		return EPROTO;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_BAD_SOCK:
		return EBADF;
	case NLE_EXIST:
		return EEXIST;
	default:
		return EIO;
	}
}

RODP_EXPORT struct rodp_ctx *rodp_open(void)
{
	struct genl_family *fam = NULL;
	struct nl_cache *cache = NULL;
	struct rodp_ctx *ctx;
	int one = 1, err;

	rodp_clear_error();
	rodp_prefetch_env_reload();
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		rodp_set_error("rodp_open: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->pid = rodp_getpid();

	ctx->sock = nl_socket_alloc();
	if (!ctx->sock) {
		err = rodp_fail(ENOMEM, "rodp_open: out of memory");
		goto out_free_ctx;
	}
	err = genl_connect(ctx->sock);
	if (err < 0) {
		err = rodp_fail(rodp_nl_errno(err), "rodp_open: cannot open a "
				"generic netlink socket: %s", nl_geterror(err));
		goto out_free_sock;
	}
	/*
	 * Only the kernel may write to this socket. Any local process can
	 * otherwise unicast to a netlink port (ports are easy to guess) and
	 * forge rodp.ko's region notifications, e.g. a "dead" event that
	 * makes the application deregister a live MR. Connected to port 0,
	 * the socket gets the kernel's messages only: netlink refuses every
	 * other sender with ECONNREFUSED.
	 */
	{
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		if (connect(nl_socket_get_fd(ctx->sock),
			    (struct sockaddr *)&kernel, sizeof(kernel))) {
			int e = errno;

			err = rodp_fail(e, "rodp_open: cannot connect its "
					"netlink socket to the kernel: %s",
					strerror(e));
			goto out_free_sock;
		}
	}
	/*
	 * One recvmsg() per message: by default libnl peeks at every message
	 * first to size its buffer (two system calls each). rodp.ko's
	 * messages, dump parts included, fit in the 32 KiB the kernel caps a
	 * netlink skb at for a reader (netlink_recvmsg()'s max_recvmsg_len),
	 * so a 64 KiB buffer never truncates; a message that did would be
	 * an error (NLE_MSG_TRUNC), never a silent cut.
	 */
	nl_socket_disable_msg_peek(ctx->sock);
	nl_socket_set_msg_buf_size(ctx->sock, 65536);
	/* Ask for the kernel's error strings; harmless where unsupported. */
	setsockopt(nl_socket_get_fd(ctx->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));

	err = genl_ctrl_alloc_cache(ctx->sock, &cache);
	if (err < 0) {
		err = rodp_fail(rodp_nl_errno(err), "rodp_open: cannot list the "
				"generic netlink families: %s", nl_geterror(err));
		goto out_free_sock;
	}
	fam = genl_ctrl_search_by_name(cache, RODP_FAMILY_NAME);
	if (!fam) {
		/* No family: rodp.ko is not loaded. */
		rodp_set_error("rodp.ko is not loaded (modprobe rodp): no "
			       "generic netlink family \"%s\"", RODP_FAMILY_NAME);
		err = ENODEV;
		goto out_free_cache;
	}
	if (genl_family_get_version(fam) < RODP_FAMILY_VERSION) {
		rodp_set_error("rodp.ko speaks netlink version %d, librodp needs %d",
			       genl_family_get_version(fam), RODP_FAMILY_VERSION);
		err = EPROTO;
		goto out_put_family;
	}
	ctx->family = genl_family_get_id(fam);
	genl_family_put(fam);
	nl_cache_free(cache);
	/* The module is there: the library's own connection, if it found
	 * it absent before, may try again now. */
	__atomic_fetch_add(&rodp_open_generation, 1, __ATOMIC_RELAXED);
	return ctx;

out_put_family:
	genl_family_put(fam);
out_free_cache:
	nl_cache_free(cache);
out_free_sock:
	nl_socket_free(ctx->sock);
out_free_ctx:
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	errno = err;
	return NULL;
}

RODP_EXPORT void rodp_close(struct rodp_ctx *ctx)
{
	if (!ctx)
		return;
	rodp_unsubscribe(ctx);
	/* Closing a child's copy of the descriptor leaves the parent's
	 * socket alone; the lock may have been held at fork, so a child
	 * does not destroy it. */
	nl_socket_free(ctx->sock);
	if (ctx->pid == rodp_getpid())
		pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

struct rodp_nl_req {
	struct rodp_ctx *ctx;
	rodp_nl_parse_fn parse;
	void *arg;
	unsigned int seq;	/* of the request */
	int err;	/* first positive errno seen */
	int done;
	int intr;	/* a dump part said NLM_F_DUMP_INTR */
	int reply_ends;	/* the reply itself ends the request (no ACK) */
};

static int rodp_nl_is_ntf(struct nlmsghdr *nlh)
{
	struct genlmsghdr *g;

	if (!genlmsg_valid_hdr(nlh, 0))
		return 0;
	g = nlmsg_data(nlh);
	return g->cmd == RODP_CMD_REGION_SHRUNK_NTF ||
	       g->cmd == RODP_CMD_REGION_DEAD_NTF ||
	       g->cmd == RODP_CMD_REGION_GROWN_NTF;
}

/*
 * Replies carry the request's sequence number; notifications (sequence 0)
 * may arrive on the library's connection between a request and its reply
 * and go to ctx->ntf. Anything else is a leftover and is dropped.
 */
static int rodp_nl_seq_check(struct nl_msg *msg, void *data)
{
	struct rodp_nl_req *req = data;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_seq == req->seq)
		return NL_OK;
	if (rodp_nl_is_ntf(nlh) && req->ctx->ntf) {
		req->ctx->ntf(req->ctx, nlh);
		return NL_SKIP;
	}
	return NL_SKIP;
}

static int rodp_nl_valid(struct nl_msg *msg, void *data)
{
	struct rodp_nl_req *req = data;
	struct nlattr *tb[RODP_A_MAX + 1];
	int err;

	/* The kernel's list changed while it dumped it: what came may miss
	 * or repeat entries. */
	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		req->intr = 1;
	/* libnl before 3.5 declares the policy without const; it only
	 * reads it. */
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
			    (struct nla_policy *)rodp_attr_policy);
	if (err < 0) {
		if (!req->err)
			req->err = EPROTO;
		if (req->reply_ends) {
			req->done = 1;
			return NL_STOP;
		}
		return NL_SKIP;
	}
	if (req->parse) {
		err = req->parse(tb, req->arg);
		if (err && !req->err)
			req->err = err;
	}
	if (req->reply_ends) {
		req->done = 1;
		return NL_STOP;
	}
	return NL_OK;
}

/* Keeps the kernel's errno and its extended-ACK message, if any. */
static int rodp_nl_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			 void *data)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct rodp_nl_req *req = data;
	struct nlattr *attrs;
	size_t off;
	int len;

	(void)nla;
	req->err = e->error ? -e->error : EIO;
	req->done = 1;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	len = (int)nlh->nlmsg_len - (int)NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return NL_STOP;
	attrs = (struct nlattr *)((char *)e + off);
	{
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

		if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, len, NULL) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			nla_strlcpy(rodp_errmsg, tb[NLMSGERR_ATTR_MSG],
				    sizeof(rodp_errmsg));
	}
	return NL_STOP;
}

static int rodp_nl_finish(struct nl_msg *msg, void *data)
{
	struct rodp_nl_req *req = data;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

/* After an overrun a reply may never come: waits for the socket to be
 * readable, at most a second. Non-zero when it is. */
static int rodp_nl_wait(struct rodp_ctx *ctx)
{
	struct pollfd p = { .fd = nl_socket_get_fd(ctx->sock),
			    .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, 1000);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

int rodp_nl_request(struct rodp_ctx *ctx, uint8_t cmd, int flags,
		    rodp_nl_put_fn put, rodp_nl_parse_fn parse, void *arg)
{
	struct rodp_nl_req req = { .ctx = ctx, .parse = parse, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int err, overran = 0;

	/*
	 * A command that answers with a message (every rodp.ko doit that
	 * has a parse callback here replies with genlmsg_reply()) needs no
	 * ACK after it: the reply ends the request, an error still comes as
	 * NLMSG_ERROR. One message and one recvmsg() less per registration's
	 * bind. Commands without a reply and dumps keep NLM_F_ACK.
	 */
	if (parse && !(flags & NLM_F_DUMP))
		req.reply_ends = 1;
	else
		flags |= NLM_F_ACK;

	rodp_errmsg[0] = '\0';
	err = rodp_ctx_check(ctx);
	if (err)
		return err;

	msg = nlmsg_alloc();
	if (!msg)
		return rodp_fail(ENOMEM, "out of memory for a netlink request");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family, 0,
			 flags, cmd, RODP_FAMILY_VERSION)) {
		err = ENOMEM;
		goto out_free_msg;
	}
	if (put) {
		err = put(msg, arg);
		if (err)
			goto out_free_msg;
	}
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		err = ENOMEM;
		goto out_free_msg;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, rodp_nl_valid, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, rodp_nl_finish, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, rodp_nl_finish, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, rodp_nl_error, &req);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, rodp_nl_seq_check, &req);

	/*
	 * libnl adds NLM_F_ACK to every message it completes (its auto-ACK
	 * is on by default): the kernel would send an ACK after the reply,
	 * which nobody waits for. Left in the socket, it made the binder's
	 * event descriptor readable with no event behind it, and cost the
	 * next request a recvmsg() to skip it. The request says itself
	 * whether it wants one.
	 */
	nl_complete_msg(ctx->sock, msg);
	if (req.reply_ends)
		nlmsg_hdr(msg)->nlmsg_flags &= ~NLM_F_ACK;

	pthread_mutex_lock(&ctx->lock);
	err = nl_send(ctx->sock, msg);
	if (err < 0) {
		err = rodp_nl_errno(err);
	} else {
		req.seq = nlmsg_hdr(msg)->nlmsg_seq;
		err = 0;
		while (!req.done && !err) {
			int ret;

			if (overran && !rodp_nl_wait(ctx)) {
				/* The overrun took the reply too. */
				rodp_set_error("rodp.ko's reply was lost in a "
					       "burst of notifications: ask "
					       "again");
				err = EAGAIN;
				break;
			}
			ret = nl_recvmsgs(ctx->sock, cb);
			/*
			 * ENOBUFS (libnl: NLE_NOMEM) on a socket that gets
			 * notifications: the kernel dropped some, which
			 * the owner counts. The request itself is not
			 * failed for it: its reply is usually still
			 * queued behind.
			 */
			if (ret == -NLE_NOMEM && ctx->overrun && !req.err) {
				ctx->overrun(ctx);
				overran = 1;
				continue;
			}
#ifdef NLE_DUMP_INTR
			/*
			 * libnl itself reads an interrupted dump to its
			 * NLMSG_DONE and then fails the read with
			 * NLE_DUMP_INTR: the same answer as the flag seen
			 * in rodp_nl_valid(), not an I/O error.
			 */
			if (ret == -NLE_DUMP_INTR) {
				req.intr = 1;
				req.done = 1;
				continue;
			}
#endif
			/* An error reply stops the loop with req.err set. */
			if (ret < 0 && !req.err)
				err = rodp_nl_errno(ret);
		}
		if (!err)
			err = req.err;
		if (!err && req.intr) {
			rodp_set_error("rodp.ko's list changed during the dump "
				       "(NLM_F_DUMP_INTR): ask again");
			err = EAGAIN;
		}
	}
	pthread_mutex_unlock(&ctx->lock);

	nl_cb_put(cb);
out_free_msg:
	nlmsg_free(msg);
	/* The kernel's extended ACK says more when it gave one. */
	if (err && !rodp_errmsg[0])
		rodp_set_error("rodp.ko request (netlink command %u) failed: %s",
			       cmd, strerror(err));
	return err;
}
