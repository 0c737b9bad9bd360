// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The event descriptor's contract, on the host: whenever
 * rodp_get_event_fd()'s descriptor is readable, rodp_get_event() has an
 * event to give (it reads the library's socket itself when its queue is
 * empty), and after EAGAIN the descriptor is not readable.
 *
 * rodp.ko is played by fake_rodp.c, as a module that predates
 * EVENTS_SUBSCRIBE (it refuses it): the library binds per MR. The fake
 * answers REGION_BIND as rodp.ko does: the region message, then an ACK
 * only when the request carries NLM_F_ACK (netlink_rcv_skb() does exactly
 * that), and sends region notifications to the binding socket.
 *
 * Broken on purpose, this test fails: with the library's requests
 * carrying libnl's automatic NLM_F_ACK, a bind leaves that ACK in the
 * binder socket, the descriptor is readable and rodp_get_event() answers
 * EAGAIN (the race test_lib_events hit in the guest).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"
#include "fake_rodp.h"

#define FAKE_REGION 41
#define FAKE_ADDR 0x10000ULL
#define FAKE_LEN (16 * 4096ULL)
#define FAKE_ACCESS 7u
#define FAKE_LKEY 0x1234u

static const struct fake_region region = {
	.id = FAKE_REGION, .addr = FAKE_ADDR, .length = FAKE_LEN,
	.access = FAKE_ACCESS, .device = "fake0", .lkey = FAKE_LKEY,
	.twins = -1,
};
static uint32_t binder_port;	/* set when the fake answers a bind */

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Binds a made-up MR through the library's binder, the fake answering. */
static int bind_one(void)
{
	struct rodp_mr_entry e = {
		.addr = (void *)(uintptr_t)FAKE_ADDR,
		.length = FAKE_LEN,
		.lkey = FAKE_LKEY,
		.access = FAKE_ACCESS,
		.device = "fake0",
	};
	struct rodp_range *live = NULL;
	uint32_t nlive = 0;
	uint64_t id = 0;
	pthread_t t;
	int err;

	fake_bind_region = region;
	if (fake_serve(&t))
		return EAGAIN;
	err = rodp_bind_entry(&e, &id, &live, &nlive);
	fake_join(t);
	binder_port = fake_peer;
	free(live);
	if (!err && id != FAKE_REGION)
		err = EPROTO;
	return err;
}

static int notify(uint8_t cmd, uint64_t live)
{
	return fake_notify(binder_port, &region, cmd, live);
}

/* The first subscriber's EVENTS_SUBSCRIBE, refused as an older rodp.ko
 * does: 0 when the library asked and took the refusal. */
static int first_subscriber_fd(void)
{
	pthread_t t;
	int fd;

	fake_subscribe_err = EOPNOTSUPP;
	if (fake_serve(&t))
		return -1;
	fd = rodp_get_event_fd(NULL);
	fake_join(t);
	CU_ASSERT_EQUAL(fake_subscribes, 1);
	CU_ASSERT_FALSE(rodp_events_subscribed());
	return fd;
}

/*
 * After a bind nothing waits in the binder socket: the descriptor is not
 * readable, and a readable descriptor always has an event behind it.
 */
static void test_bind_leaves_fd_quiet(void)
{
	struct rodp_event ev;
	int fd = first_subscriber_fd(), r;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind_one(), 0);
	CU_ASSERT_NOT_EQUAL_FATAL(binder_port, 0);
	r = readable(fd, 0);
	/* The contract itself: readable means an event to take. */
	if (r)
		CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(fake_acks_sent, 0);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(readable(fd, 0), 0);
}

/*
 * A notification still in the socket (nobody read it into the queues):
 * the descriptor is readable, and rodp_get_event() reads the socket
 * itself, so the very first call gives the event.
 */
static void test_event_in_socket_is_taken(void)
{
	struct rodp_event ev;
	int fd = rodp_get_event_fd(NULL);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(notify(RODP_CMD_REGION_SHRUNK_NTF, 4096), 0);
	CU_ASSERT_EQUAL_FATAL(readable(fd, 2000), 1);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.region_id, FAKE_REGION);
	CU_ASSERT_EQUAL(ev.live_bytes, 4096);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(readable(fd, 0), 0);
}

/*
 * Two subscribers: an event read off the socket by one is queued for the
 * other, whose descriptor says so; each takes it once, in order.
 */
static void test_two_subscribers(void)
{
	struct rodp_ctx *a = fake_ctx_open();
	struct rodp_event ev;
	int fa, fn;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	fa = rodp_get_event_fd(a);
	fn = rodp_get_event_fd(NULL);
	CU_ASSERT_TRUE_FATAL(fa >= 0 && fn >= 0);
	CU_ASSERT_EQUAL_FATAL(notify(RODP_CMD_REGION_SHRUNK_NTF, 8192), 0);
	CU_ASSERT_EQUAL_FATAL(notify(RODP_CMD_REGION_DEAD_NTF, 0), 0);
	CU_ASSERT_EQUAL_FATAL(readable(fa, 2000), 1);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(a, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	/* a read both from the socket: the other's queue holds them. */
	CU_ASSERT_EQUAL(readable(fn, 0), 1);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(a, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(rodp_get_event(a, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(readable(fa, 0), 0);
	CU_ASSERT_EQUAL(readable(fn, 0), 1);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.live_bytes, 8192);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(readable(fn, 0), 0);
	rodp_close(a);
}

/* Threads taking from one queue while events arrive: each event is
 * taken exactly once, none is lost, none answers EAGAIN when waited for. */
#define TAKERS 4
#define BURST 200
static int taken[TAKERS];

static void *taker(void *arg)
{
	int i = (int)(intptr_t)arg, fd = rodp_get_event_fd(NULL), polls;
	struct rodp_event ev;

	/* Bounded: a descriptor that stays readable with nothing to take
	 * (the bug) ends the loop instead of spinning. */
	for (polls = 0; polls < 4 * BURST && readable(fd, 500); polls++)
		if (!rodp_get_event(NULL, &ev, sizeof(ev)))
			__atomic_fetch_add(&taken[i], 1, __ATOMIC_RELAXED);
	return NULL;
}

static void test_concurrent_takers(void)
{
	pthread_t t[TAKERS];
	int i, sum = 0, sent = 0;

	for (i = 0; i < TAKERS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, taker,
						     (void *)(intptr_t)i), 0);
	for (i = 0; i < BURST; i++)
		sent += !notify(RODP_CMD_REGION_SHRUNK_NTF, 4096);
	for (i = 0; i < TAKERS; i++) {
		pthread_join(t[i], NULL);
		sum += taken[i];
	}
	CU_ASSERT_EQUAL(sent, BURST);
	CU_ASSERT_EQUAL(sum, BURST);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_bind_leaves_fd_quiet),
		RODP_TEST(test_event_in_socket_is_taken),
		RODP_TEST(test_two_subscribers),
		RODP_TEST(test_concurrent_takers),
	};
	int err = fake_rodp_init();

	if (err) {
		printf("SKIP: no generic netlink socket on this host (errno %d)\n",
		       err);
		return RODP_TEST_SKIP;
	}
	return rodp_cunit_run("event_fd", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
