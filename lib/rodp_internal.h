/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* librodp internals shared between its source files; never installed. */
#ifndef RODP_INTERNAL_H
#define RODP_INTERNAL_H

#include <pthread.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <rodp/rodp.h>
#include <linux/rodp.h>

#define RODP_EXPORT __attribute__((visibility("default")))

/* A connection to rodp.ko. lock serialises every request on sock. */
struct rodp_ctx {
	pthread_mutex_t lock;
	struct nl_sock *sock;	/* protected by lock */
	int family;		/* generic netlink id, fixed after open */
};

/* Adds a request's attributes to msg; returns 0 or a positive errno. */
typedef int (*rodp_nl_put_fn)(struct nl_msg *msg, void *arg);
/* Consumes one reply; tb is indexed by enum rodp_attr. */
typedef int (*rodp_nl_parse_fn)(struct nlattr **tb, void *arg);

/*
 * Sends command cmd (NLM_F_DUMP in flags for a dump) and feeds every reply
 * to parse. Returns 0 or a positive errno: the kernel's own error, or one
 * translated from libnl's NLE_* codes.
 */
int rodp_nl_request(struct rodp_ctx *ctx, uint8_t cmd, int flags,
		    rodp_nl_put_fn put, rodp_nl_parse_fn parse, void *arg);

/* Positive errno for a negative libnl NLE_* code. */
int rodp_nl_errno(int nle);

/* Pure ODP capability decision, split out of rodp_query_odp() for tests. */
int rodp_odp_decide(const struct ibv_device_attr_ex *attr,
		    enum rodp_transport transport, enum rodp_op op,
		    enum rodp_odp_reason *reason);

/* Copies a nested RODP_A_STATS into *stats; returns 0 or EPROTO. */
int rodp_stats_from_nest(struct nlattr *nest, struct rodp_stats *stats);

#endif /* RODP_INTERNAL_H */
