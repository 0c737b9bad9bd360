// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp.ko's per-process event subscription (RODP_CMD_EVENTS_SUBSCRIBE)
 * and librodp's exact naming of MRs it never bound, on real rxe:
 *
 * - every subscribed socket of a process gets each notification of the
 *   process's regions, once, bound or not, with the twins count;
 * - the command takes no attribute; at most RODP_LISTENERS_MAX sockets
 *   per process (ENOSPC), and a closed socket's slot is free again;
 * - a released socket is forgotten as binder and listener: a new socket
 *   on its portid gets nothing of the old one's;
 * - librodp, subscribed, binds nothing and still names the MR of each
 *   event exactly: never a plain ibv_reg_mr() MR's region over the same
 *   buffer (other flags, or the very same ones: then no MR at all), and
 *   the same buffer on two devices gives each MR its own device's region.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/rodp.h>

#include "lib_test.h"
#include "nl_raw.h"

#define PAGE 4096UL
#define ODP_RW (LT_RW | IBV_ACCESS_ON_DEMAND)

static int family;

/* Sends the request in buf (off bytes, its genl header filled in) on nl
 * with NLM_F_ACK; returns the kernel's answer, 0 or a negative errno.
 * Replies before the ACK are skipped. */
static int request(struct nl_raw *nl, char *buf, size_t off)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	char reply[4096];
	int n;

	h->nlmsg_len = (uint32_t)off;
	h->nlmsg_type = (uint16_t)family;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++nl->seq;
	if (nl_raw_send(nl, buf, off))
		return -EIO;
	for (;;) {
		n = nl_raw_recv(nl, reply, sizeof(reply), 2000);
		if (n <= 0)
			return n ? n : -ETIMEDOUT;
		h = (struct nlmsghdr *)reply;
		if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_seq == nl->seq)
			return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
}

/* Sends EVENTS_SUBSCRIBE on nl (with attr_pid, an attribute it must
 * refuse); returns the kernel's answer, 0 or a negative errno. */
static int subscribe(struct nl_raw *nl, bool attr_pid)
{
	char buf[256];
	struct genlmsghdr *g = NLMSG_DATA((struct nlmsghdr *)buf);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	uint32_t pid = (uint32_t)getpid();

	memset(buf, 0, sizeof(buf));
	g->cmd = RODP_CMD_EVENTS_SUBSCRIBE;
	g->version = RODP_FAMILY_VERSION;
	if (attr_pid && !nl_raw_put(buf, sizeof(buf), &off, RODP_A_PID, &pid,
				    sizeof(pid)))
		return -EMSGSIZE;
	return request(nl, buf, off);
}

struct ntf {
	uint8_t cmd;
	uint64_t id, addr;
	int64_t twins;		/* -1: absent */
};

static bool ntf_attr(uint16_t type, const void *p, size_t len, void *arg)
{
	struct ntf *n = arg;

	if (type == RODP_A_REGION_ID && len == 8)
		memcpy(&n->id, p, 8);
	else if (type == RODP_A_ADDR && len == 8)
		memcpy(&n->addr, p, 8);
	else if (type == RODP_A_TWINS && len == 4) {
		uint32_t t;

		memcpy(&t, p, 4);
		n->twins = t;
	}
	return true;
}

/* The next notification on nl of a region at addr, within ms: 1 and *n,
 * or 0. Other messages are skipped. */
static int next_ntf(struct nl_raw *nl, uint64_t addr, struct ntf *n, int ms)
{
	char buf[8192];
	int len;

	while ((len = nl_raw_recv(nl, buf, sizeof(buf), ms)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct genlmsghdr *g = NLMSG_DATA(h);

		if (h->nlmsg_type != family ||
		    h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
			continue;
		memset(n, 0, sizeof(*n));
		n->twins = -1;
		n->cmd = g->cmd;
		nl_raw_walk((char *)g + GENL_HDRLEN,
			    h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
			    ntf_attr, n);
		if (n->addr == addr)
			return 1;
	}
	return 0;
}

/* Two sockets of one process (an application and a middleware, each with
 * its own connection): each gets the notification of an MR nobody bound,
 * once, and subscribing the same socket twice changes nothing. */
static void test_two_subscribers_each_delivered(void)
{
	const size_t len = 8 * PAGE;
	struct nl_raw a, b;
	struct ibv_mr *mr;
	struct ntf n;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL_FATAL(nl_raw_open(&a), 0);
	CU_ASSERT_EQUAL_FATAL(nl_raw_open(&b), 0);
	CU_ASSERT_EQUAL(subscribe(&a, false), 0);
	CU_ASSERT_EQUAL(subscribe(&b, false), 0);
	CU_ASSERT_EQUAL(subscribe(&b, false), 0);
	mr = ibv_reg_mr(pd, buf, len, ODP_RW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	CU_ASSERT_EQUAL(next_ntf(&a, (uintptr_t)buf, &n, 5000), 1);
	CU_ASSERT_EQUAL(n.cmd, RODP_CMD_REGION_SHRUNK_NTF);
	CU_ASSERT_EQUAL(n.twins, 0);
	CU_ASSERT_EQUAL(next_ntf(&b, (uintptr_t)buf, &n, 5000), 1);
	CU_ASSERT_EQUAL(n.cmd, RODP_CMD_REGION_SHRUNK_NTF);
	/* Once each, though b subscribed twice. */
	CU_ASSERT_EQUAL(next_ntf(&b, (uintptr_t)buf, &n, 300), 0);
	CU_ASSERT_EQUAL(next_ntf(&a, (uintptr_t)buf, &n, 0), 0);
	/* A closed socket takes nothing from the other. */
	nl_raw_close(&a);
	CU_ASSERT_EQUAL_FATAL(munmap(buf + PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(next_ntf(&b, (uintptr_t)buf, &n, 5000), 1);
	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	nl_raw_close(&b);
	munmap(buf + 2 * PAGE, len - 2 * PAGE);
}

/* Validation and bounds: no attribute accepted; RODP_LISTENERS_MAX
 * sockets per process, the slots of closed sockets free again. */
static void test_subscribe_rules(void)
{
	struct nl_raw s[RODP_LISTENERS_MAX + 1];
	int i, ok = 0, again = 0, ret = 0;

	CU_ASSERT_EQUAL_FATAL(nl_raw_open(&s[0]), 0);
	CU_ASSERT_EQUAL(subscribe(&s[0], true), -EINVAL);
	nl_raw_close(&s[0]);

	/* The library's socket may hold a slot already. */
	for (i = 0; i <= RODP_LISTENERS_MAX; i++) {
		CU_ASSERT_EQUAL_FATAL(nl_raw_open(&s[i]), 0);
		ret = subscribe(&s[i], false);
		if (ret)
			break;
		ok++;
	}
	printf("\n    %d sockets subscribed, then %d\n", ok, ret);
	CU_ASSERT_EQUAL(ret, -ENOSPC);
	CU_ASSERT_TRUE(ok >= 1 && ok <= RODP_LISTENERS_MAX);
	for (; i >= 0; i--)
		nl_raw_close(&s[i]);
	/* Closed: their slots are free. */
	for (i = 0; i < ok; i++) {
		CU_ASSERT_EQUAL_FATAL(nl_raw_open(&s[i]), 0);
		again += !subscribe(&s[i], false);
	}
	CU_ASSERT_EQUAL(again, ok);
	for (i = 0; i < ok; i++)
		nl_raw_close(&s[i]);
}

/* BIND of [addr, addr + len) with lkey on nl; 0 or the negative errno. */
static int bind_region(struct nl_raw *nl, uint64_t addr, uint64_t len,
		       uint32_t lkey)
{
	char buf[256];
	struct genlmsghdr *g = NLMSG_DATA((struct nlmsghdr *)buf);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	memset(buf, 0, sizeof(buf));
	g->cmd = RODP_CMD_REGION_BIND;
	g->version = RODP_FAMILY_VERSION;
	if (!nl_raw_put(buf, sizeof(buf), &off, RODP_A_ADDR, &addr, 8) ||
	    !nl_raw_put(buf, sizeof(buf), &off, RODP_A_LENGTH, &len, 8) ||
	    !nl_raw_put(buf, sizeof(buf), &off, RODP_A_LKEY, &lkey, 4))
		return -EMSGSIZE;
	return request(nl, buf, off);
}

/* A socket bound to this very portid (as any local program may ask for
 * one that is free): -1 when it cannot be had. */
static int open_at_portid(uint32_t portid)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = portid };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The next notification of addr on fd within ms: 1, else 0. */
static int fd_got_ntf(int fd, uint64_t addr, int ms)
{
	struct nl_raw nl = { .fd = fd };
	struct ntf n;

	return next_ntf(&nl, addr, &n, ms);
}

/*
 * A released socket is forgotten as a binder and as a listener: a new
 * socket that takes the same portid gets none of the old one's
 * notifications, while a socket still subscribed gets each (the control
 * that they were sent). rodp.ko skips this forgetting for sockets it never
 * remembered; a socket it did must never be mistaken for one of those.
 */
static void test_released_socket_forgotten(void)
{
	const size_t len = 8 * PAGE;
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	socklen_t ml = sizeof(me);
	struct nl_raw a, ctl;
	struct ibv_mr *mr;
	struct ntf n;
	int round, fd;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL_FATAL(nl_raw_open(&ctl), 0);
	CU_ASSERT_EQUAL(subscribe(&ctl, false), 0);
	mr = ibv_reg_mr(pd, buf, len, ODP_RW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	/* Round 0: a binds the region; round 1: a subscribes. */
	for (round = 0; round < 2; round++) {
		CU_ASSERT_EQUAL_FATAL(nl_raw_open(&a), 0);
		CU_ASSERT_EQUAL_FATAL(getsockname(a.fd, (struct sockaddr *)&me,
						  &ml), 0);
		if (round == 0) {
			CU_ASSERT_EQUAL(bind_region(&a, (uintptr_t)buf, len,
						    mr->lkey), 0);
		} else {
			CU_ASSERT_EQUAL(subscribe(&a, false), 0);
		}
		/* a is remembered: it gets the notification. */
		CU_ASSERT_EQUAL_FATAL(munmap(buf + 2 * round * PAGE, PAGE), 0);
		CU_ASSERT_EQUAL(next_ntf(&a, (uintptr_t)buf, &n, 5000), 1);
		CU_ASSERT_EQUAL(next_ntf(&ctl, (uintptr_t)buf, &n, 5000), 1);
		nl_raw_close(&a);
		fd = open_at_portid(me.nl_pid);
		CU_ASSERT_TRUE_FATAL(fd >= 0);
		CU_ASSERT_EQUAL_FATAL(munmap(buf + (2 * round + 1) * PAGE,
					     PAGE), 0);
		CU_ASSERT_EQUAL(next_ntf(&ctl, (uintptr_t)buf, &n, 5000), 1);
		printf("\n    round %d (%s): portid %u reused", round,
		       round ? "listener" : "binder", me.nl_pid);
		CU_ASSERT_EQUAL(fd_got_ntf(fd, (uintptr_t)buf, 1000), 0);
		close(fd);
	}
	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	nl_raw_close(&ctl);
	munmap(buf + 4 * PAGE, len - 4 * PAGE);
}

/* The same device, range and flags twice in the process: each
 * notification says there is a twin. */
static void test_twins_counted(void)
{
	const size_t len = 4 * PAGE;
	struct ibv_mr *x, *y;
	struct nl_raw a;
	struct ntf n;
	char *buf = lt_map(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL_FATAL(nl_raw_open(&a), 0);
	CU_ASSERT_EQUAL(subscribe(&a, false), 0);
	x = ibv_reg_mr(pd, buf, len, ODP_RW);
	y = ibv_reg_mr(pd, buf, len, ODP_RW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(y);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	CU_ASSERT_EQUAL(next_ntf(&a, (uintptr_t)buf, &n, 5000), 1);
	CU_ASSERT_EQUAL(n.twins, 1);
	CU_ASSERT_EQUAL(next_ntf(&a, (uintptr_t)buf, &n, 5000), 1);
	CU_ASSERT_EQUAL(n.twins, 1);
	CU_ASSERT_EQUAL(ibv_dereg_mr(x), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(y), 0);
	nl_raw_close(&a);
	munmap(buf + PAGE, len - PAGE);
}

struct region_dev {
	uint64_t id;
	char device[64];
	uint32_t access;
	int found;
};

static int region_dev_cb(const struct rodp_region_info *info, void *arg)
{
	struct region_dev *r = arg;

	if (info->id != r->id)
		return 0;
	r->found = 1;
	r->access = info->access;
	memcpy(r->device, info->device, sizeof(r->device));
	return 1;
}

/* ev's region as rodp.ko describes it; checks it is mr's own. */
static void check_own(const struct rodp_event *ev, struct ibv_mr *mr,
		      const char *device)
{
	struct region_dev r = { .id = ev->region_id };
	struct rodp_mr_stats st;

	CU_ASSERT_PTR_EQUAL(ev->mr, mr);
	CU_ASSERT_EQUAL(ev->lkey, mr->lkey);
	CU_ASSERT_EQUAL(rodp_get_regions(rodp, getpid(), region_dev_cb, &r), 0);
	CU_ASSERT_TRUE(r.found);
	CU_ASSERT_STRING_EQUAL(r.device, device);
	CU_ASSERT_EQUAL(r.access & 0xff, ODP_RW);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_TRUE(st.flags & RODP_MR_BOUND);
	CU_ASSERT_EQUAL(st.region_id, ev->region_id);
}

/* ctx's events for the next ms: up to max of them in evs. */
static int take_events(int fd, struct rodp_event *evs, int max, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = 0;

	while (n < max && poll(&p, 1, ms) == 1)
		while (n < max &&
		       !rodp_get_event(rodp, &evs[n], sizeof(evs[n])))
			n++;
	return n;
}

static void test_lib_names_mrs_exactly(void)
{
	const size_t len = 16 * PAGE;
	struct rodp_lib_stats l0, l1;
	struct rodp_event ev[4];
	struct ibv_mr *plain, *mr, *twin;
	char *buf = lt_map(len);
	int fd, n, i, mine = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	fd = rodp_get_event_fd(rodp);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	take_events(fd, ev, 4, 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);

	/* A plain MR with other flags, first, over the same buffer. */
	plain = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			   IBV_ACCESS_REMOTE_READ | IBV_ACCESS_ON_DEMAND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	/* Subscribed: no bind, no round trip. */
	CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed,
			l0.bind_ok + l0.bind_failed);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	n = take_events(fd, ev, 4, 2000);
	CU_ASSERT_EQUAL(n, 2);		/* one per region */
	for (i = 0; i < n; i++) {
		if (ev[i].mr) {
			mine++;
			check_own(&ev[i], mr, dev_name);
		}
	}
	CU_ASSERT_EQUAL(mine, 1);
	CU_ASSERT_EQUAL(ibv_dereg_mr(plain), 0);

	/* A plain twin: the same device, range and flags. No guess. */
	twin = ibv_reg_mr(pd, buf + 4 * PAGE, 4 * PAGE, ODP_RW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(twin);
	{
		struct ibv_mr *mr2 = rodp_reg_mr(pd, buf + 4 * PAGE, 4 * PAGE,
						 LT_RW, 0);

		CU_ASSERT_PTR_NOT_NULL_FATAL(mr2);
		CU_ASSERT_EQUAL_FATAL(munmap(buf + 4 * PAGE, PAGE), 0);
		/* Two for the twins, one for mr (its range covers it). */
		n = take_events(fd, ev, 4, 2000);
		CU_ASSERT_EQUAL(n, 3);
		for (i = 0; i < n; i++)
			CU_ASSERT_TRUE(ev[i].mr == NULL || ev[i].mr == mr);
		CU_ASSERT_EQUAL(rodp_dereg_mr(mr2), 0);
	}
	CU_ASSERT_EQUAL(ibv_dereg_mr(twin), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf + PAGE, len - PAGE);
	take_events(fd, ev, 4, 0);
}

/* The same buffer, one librodp MR on each of two devices: each event
 * names the MR of its region's device. */
static void test_lib_two_devices(void)
{
	const size_t len = 8 * PAGE;
	struct ibv_context *ctx1;
	struct ibv_pd *pd1;
	struct ibv_mr *mr0, *mr1;
	struct rodp_event ev[4];
	char *buf = lt_map(len);
	int fd = rodp_get_event_fd(rodp), n, i, seen0 = 0, seen1 = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	if (system("{ ip link show d1 || { ip link add d1 type dummy && "
		   "ip addr add 192.0.2.2/24 dev d1 && ip link set d1 up; }; } "
		   "> /dev/null 2>&1 && { rdma link show rxe1 > /dev/null "
		   "2>&1 || rdma link add rxe1 type rxe netdev d1; }") != 0) {
		CU_FAIL("cannot add rxe1 on a dummy d1");
		return;
	}
	ctx1 = lt_open_device("rxe1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx1);
	pd1 = ibv_alloc_pd(ctx1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pd1);
	/* rxe1's first: a match by range alone would take it for mr0. */
	mr1 = rodp_reg_mr(pd1, buf, len, LT_RW, 0);
	mr0 = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr1);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	n = take_events(fd, ev, 4, 2000);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++) {
		if (ev[i].mr == mr0) {
			seen0++;
			check_own(&ev[i], mr0, dev_name);
		} else {
			seen1++;
			check_own(&ev[i], mr1, "rxe1");
		}
	}
	CU_ASSERT_EQUAL(seen0, 1);
	CU_ASSERT_EQUAL(seen1, 1);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr0), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr1), 0);
	ibv_dealloc_pd(pd1);
	ibv_close_device(ctx1);
	if (system("rdma link delete rxe1 && ip link delete d1") != 0)
		CU_FAIL("cannot delete rxe1 and d1");
	munmap(buf + PAGE, len - PAGE);
}

static int resolve_family(void)
{
	struct nl_raw nl;

	if (nl_raw_open(&nl))
		return 1;
	family = nl_raw_family(&nl, RODP_FAMILY_NAME);
	nl_raw_close(&nl);
	return family <= 0;
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_two_subscribers_each_delivered),
		RODP_TEST(test_subscribe_rules),
		RODP_TEST(test_released_socket_forgotten),
		RODP_TEST(test_twins_counted),
		RODP_TEST(test_lib_names_mrs_exactly),
		RODP_TEST(test_lib_two_devices),
	};
	int ret = lt_setup(1);

	if (ret >= 0)
		return ret;
	if (resolve_family()) {
		printf("FAIL: cannot resolve the rodp family\n");
		return 1;
	}
	ret = rodp_cunit_run("events_subscribe", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	lt_teardown();
	return ret;
}
