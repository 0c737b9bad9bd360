// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The event descriptor's contract, on the host: whenever
 * rodp_get_event_fd()'s descriptor is readable, rodp_get_event() has an
 * event to give (it reads the library's socket itself when its queue is
 * empty), and after EAGAIN the descriptor is not readable.
 *
 * rodp.ko is played by a second generic netlink socket of this process
 * (user sockets may unicast to each other): the library's sockets are
 * opened through rodp_conn_ctx_open with that socket as their peer. The
 * fake answers REGION_BIND as rodp.ko does: the region message, then an
 * ACK only when the request carries NLM_F_ACK (netlink_rcv_skb() does
 * exactly that), and sends region notifications to the binding socket.
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

#define FAKE_FAMILY 0x7e	/* any id the fake and the library agree on */
#define FAKE_REGION 41
#define FAKE_ADDR 0x10000ULL
#define FAKE_LEN (16 * 4096ULL)
#define FAKE_ACCESS 7u
#define FAKE_LKEY 0x1234u

static int fake_fd = -1;	/* the fake rodp.ko */
static uint32_t fake_port;
static uint32_t binder_port;	/* set when the fake answers a bind */
static int acks_sent;

/* The library's sockets, with the fake as their peer. */
static struct rodp_ctx *fake_ctx_open(void)
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

static int fake_send(uint32_t port, struct nl_msg *msg)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };
	struct nlmsghdr *h = nlmsg_hdr(msg);

	return sendto(fake_fd, h, h->nlmsg_len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)h->nlmsg_len ? 0 : -1;
}

/* A region message as rodp_region_fill() makes it; live: bytes live
 * from the start. */
static struct nl_msg *fake_region_msg(uint8_t cmd, uint32_t seq,
				      uint64_t live)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *ranges, *one;

	if (!msg || !genlmsg_put(msg, 0, seq, FAKE_FAMILY, 0, 0, cmd, 1))
		goto fail;
	if (nla_put_u64(msg, RODP_A_REGION_ID, FAKE_REGION) < 0 ||
	    nla_put_u32(msg, RODP_A_PID, (uint32_t)getpid()) < 0 ||
	    nla_put_u64(msg, RODP_A_ADDR, FAKE_ADDR) < 0 ||
	    nla_put_u64(msg, RODP_A_LENGTH, FAKE_LEN) < 0 ||
	    nla_put_u32(msg, RODP_A_ACCESS, FAKE_ACCESS) < 0 ||
	    nla_put_string(msg, RODP_A_DEVICE, "fake0") < 0 ||
	    nla_put_u32(msg, RODP_A_REGION_STATE,
			live ? RODP_STATE_LIVE : RODP_STATE_DEAD) < 0 ||
	    nla_put_u32(msg, RODP_A_LKEY, FAKE_LKEY) < 0)
		goto fail;
	ranges = nla_nest_start(msg, RODP_A_REGION_RANGES);
	if (!ranges)
		goto fail;
	if (live) {
		one = nla_nest_start(msg, RODP_A_RANGE);
		if (!one || nla_put_u64(msg, RODP_RANGE_START, FAKE_ADDR) < 0 ||
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

/* Answers one request as rodp.ko's REGION_BIND does. */
static void *fake_kernel(void *arg)
{
	char buf[8192];
	struct sockaddr_nl from;
	socklen_t fl = sizeof(from);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nl_msg *reply;
	ssize_t n;

	(void)arg;
	n = recvfrom(fake_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		     &fl);
	if (n < (ssize_t)NLMSG_HDRLEN || h->nlmsg_type != FAKE_FAMILY)
		return NULL;
	binder_port = from.nl_pid;
	reply = fake_region_msg(RODP_CMD_REGION_BIND, h->nlmsg_seq, FAKE_LEN);
	if (!reply)
		return NULL;
	fake_send(from.nl_pid, reply);
	nlmsg_free(reply);
	if (h->nlmsg_flags & NLM_F_ACK) {
		struct {
			struct nlmsghdr h;
			struct nlmsgerr e;
		} ack = {
			.h = { .nlmsg_len = sizeof(ack),
			       .nlmsg_type = NLMSG_ERROR,
			       .nlmsg_seq = h->nlmsg_seq },
			.e = { .error = 0, .msg = *h },
		};
		struct sockaddr_nl to = { .nl_family = AF_NETLINK,
					  .nl_pid = from.nl_pid };

		if (sendto(fake_fd, &ack, sizeof(ack), 0,
			   (struct sockaddr *)&to, sizeof(to)) > 0)
			acks_sent++;
	}
	return NULL;
}

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

	if (pthread_create(&t, NULL, fake_kernel, NULL))
		return EAGAIN;
	err = rodp_bind_entry(&e, &id, &live, &nlive);
	pthread_join(t, NULL);
	free(live);
	if (!err && id != FAKE_REGION)
		err = EPROTO;
	return err;
}

static int notify(uint8_t cmd, uint64_t live)
{
	struct nl_msg *msg = fake_region_msg(cmd, 0, live);
	int ret;

	if (!msg)
		return -1;
	ret = fake_send(binder_port, msg);
	nlmsg_free(msg);
	return ret;
}

/*
 * After a bind nothing waits in the binder socket: the descriptor is not
 * readable, and a readable descriptor always has an event behind it.
 */
static void test_bind_leaves_fd_quiet(void)
{
	struct rodp_event ev;
	int fd = rodp_get_event_fd(NULL), r;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind_one(), 0);
	CU_ASSERT_NOT_EQUAL_FATAL(binder_port, 0);
	r = readable(fd, 0);
	/* The contract itself: readable means an event to take. */
	if (r)
		CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(acks_sent, 0);
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
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);

	fake_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fake_fd < 0 || bind(fake_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fake_fd, (struct sockaddr *)&sa, &sl)) {
		printf("SKIP: no generic netlink socket on this host (errno %d)\n",
		       errno);
		return RODP_TEST_SKIP;
	}
	fake_port = sa.nl_pid;
	rodp_conn_ctx_open = fake_ctx_open;
	return rodp_cunit_run("event_fd", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
