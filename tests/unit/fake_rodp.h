/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A stand-in for rodp.ko in host tests: a second generic netlink socket
 * of the test process (user sockets may unicast to each other) that the
 * library's sockets take as their peer (rodp_conn_ctx_open). It answers
 * requests as rodp.ko does and sends region notifications built as
 * rodp_region_fill() builds them.
 */
#ifndef RODP_TESTS_FAKE_RODP_H
#define RODP_TESTS_FAKE_RODP_H

#include <pthread.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#define FAKE_FAMILY 0x7e	/* any id the fake and the library agree on */

/* A region as rodp.ko describes it. */
struct fake_region {
	uint64_t id;
	uint64_t addr;
	uint64_t length;
	uint32_t access;
	const char *device;
	uint32_t lkey;		/* RODP_A_LKEY, 0 for an unbound region */
	int64_t twins;		/* RODP_A_TWINS, -1 to leave it out */
	int implicit_child;	/* RODP_A_IMPLICIT_CHILD */
};

extern uint32_t fake_port;	/* the fake's own port */
extern uint32_t fake_peer;	/* the socket that sent the last request */
extern int fake_acks_sent;	/* ACKs sent after a REGION_BIND reply */
extern int fake_binds;		/* REGION_BIND requests answered */
extern int fake_subscribes;	/* EVENTS_SUBSCRIBE requests answered */
/* The errno EVENTS_SUBSCRIBE answers: 0 accepts it (the peer then gets
 * notifications), EOPNOTSUPP plays a rodp.ko that predates it. */
extern int fake_subscribe_err;
/* What REGION_BIND replies with. */
extern struct fake_region fake_bind_region;
/* What a REGION_GET dump sends: fake_dump_n regions like
 * fake_bind_region (ids counting up from its id), the last part flagged
 * NLM_F_DUMP_INTR when fake_dump_intr is set (rodp.ko's list changed
 * meanwhile), then NLMSG_DONE. */
extern int fake_dump_n;
extern int fake_dump_intr;

/* Opens the fake and makes the library use it: 0, or an errno (the test
 * then skips: no generic netlink on this host). */
int fake_rodp_init(void);
/* A library context whose peer is the fake. */
struct rodp_ctx *fake_ctx_open(void);
/* A region message of cmd; live: bytes live from the region's start. */
struct nl_msg *fake_region_msg(const struct fake_region *r, uint8_t cmd,
			       uint32_t seq, uint64_t live);
/* Sends a notification of r to port: 0 or -1. */
int fake_notify(uint32_t port, const struct fake_region *r, uint8_t cmd,
		uint64_t live);
/* Answers the next request in a thread; join it with fake_join(). */
int fake_serve(pthread_t *t);
void fake_join(pthread_t t);

#endif
