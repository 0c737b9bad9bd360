// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Region events: munmap of part of a registered range gives a
 * region-shrunk event, of the rest a region-dead event, both naming the
 * MR; the event descriptor polls readable exactly while one is pending.
 */
#include <config.h>

#include <dirent.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/rodp.h>

#include "lib_test.h"

#define PAGE 4096UL

/* Waits up to 5 s for the event fd; returns poll()'s result. */
static int wait_event(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 5000);
}

/*
 * ctx's next event, as rodp_get_event_fd(3) promises: once fd is
 * readable, the first rodp_get_event() gives an event (it reads the
 * library's socket itself; no retry on EAGAIN). ETIMEDOUT when fd stays
 * quiet for 5 s, else rodp_get_event()'s answer.
 */
static int next_event(struct rodp_ctx *ctx, int fd, struct rodp_event *ev)
{
	if (wait_event(fd) != 1)
		return ETIMEDOUT;
	return rodp_get_event(ctx, ev, sizeof(*ev));
}

/*
 * While no context listens for events, registering and prefetching make
 * no bind (no netlink round trip), unless rodp.ko serves the prefetch
 * (rdma-core before 61), which binds that MR; the first subscription
 * subscribes the library's socket to all the process's notifications
 * (rodp.ko's EVENTS_SUBSCRIBE), so neither the MRs registered before it
 * nor those after are bound for it, and their events name them all the
 * same. Runs first: subscribing is for the life of the process.
 */
static void test_events_subscribe_binds_nothing(void)
{
	const size_t len = 8 * PAGE;
	struct rodp_lib_stats l0, l1;
	struct rodp_event ev;
	struct ibv_mr *mr, *later;
	char *buf = lt_map(len), *buf2 = lt_map(len);
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf2);
	memset(buf, 1, len);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, len, RODP_PREFETCH_F_WRITE), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	if (l1.prefetch_shim == l0.prefetch_shim) {
		/* ibv_advise_mr served it: no netlink at all. */
		CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed,
				l0.bind_ok + l0.bind_failed);
	} else {
		/* rodp.ko served it (rdma-core before 61: its rxe provider
		 * refuses advise_mr), which needs the region: bound once. */
		CU_ASSERT_EQUAL(l1.bind_ok, l0.bind_ok + 1);
	}
	/* From here on, nothing binds. */
	l0 = l1;

	fd = rodp_get_event_fd(rodp);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed, l0.bind_ok + l0.bind_failed);

	later = rodp_reg_mr(pd, buf2, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(later);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed, l0.bind_ok + l0.bind_failed);

	CU_ASSERT_EQUAL_FATAL(munmap(buf, 2 * PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(ev.lkey, mr->lkey);
	CU_ASSERT_EQUAL(ev.live_bytes, len - 2 * PAGE);
	CU_ASSERT_EQUAL_FATAL(munmap(buf2, PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, later);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(l1.bind_ok + l1.bind_failed, l0.bind_ok + l0.bind_failed);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(later), 0);
	munmap(buf + 2 * PAGE, len - 2 * PAGE);
	munmap(buf2 + PAGE, len - PAGE);
}

static void test_events_on_munmap(void)
{
	const size_t len = 16 * PAGE;
	struct rodp_lib_stats l0, l1;
	struct rodp_mr_stats st;
	struct rodp_event ev;
	struct ibv_mr *mr, *other;
	char *buf = lt_map(len), *buf2 = lt_map(len);
	int fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf2);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	other = rodp_reg_mr(pd, buf2, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_EQUAL_FATAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);

	fd = rodp_get_event_fd(rodp);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	/* The library's default subscriber is another one. */
	CU_ASSERT_NOT_EQUAL(rodp_get_event_fd(NULL), fd);
	CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL(wait_event(fd) == 1 ? 1 : 0, 0);

	CU_ASSERT_EQUAL_FATAL(munmap(buf, 4 * PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(ev.region_id, st.region_id);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(ev.lkey, mr->lkey);
	CU_ASSERT_EQUAL(ev.pid, (uint32_t)getpid());
	CU_ASSERT_EQUAL(ev.addr, (uintptr_t)buf);
	CU_ASSERT_EQUAL(ev.length, len);
	CU_ASSERT_EQUAL(ev.live_bytes, 12 * PAGE);
	CU_ASSERT_EQUAL(ev.live_ranges, 1);
	CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), EAGAIN);
	/* The default subscriber has its own copy. */
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);

	CU_ASSERT_EQUAL_FATAL(munmap(buf + 4 * PAGE, 12 * PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(ev.state, RODP_STATE_DEAD);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(ev.live_bytes, 0);
	CU_ASSERT_EQUAL(ev.live_ranges, 0);
	/* Nothing about the other MR, and nothing more. */
	CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), EAGAIN);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), EAGAIN);

	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	/* Two events, each taken by two subscribers (rodp and NULL). */
	CU_ASSERT_EQUAL(l1.events, l0.events + 4);
	CU_ASSERT_EQUAL(rodp_get_event(rodp, NULL, sizeof(ev)), EINVAL);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(other), 0);
	munmap(buf2, len);
}

/*
 * Notifications that arrive while the library's socket waits for a reply
 * (binding another MR) are queued, not lost, and still wake the fd.
 */
static void test_events_between_requests(void)
{
	const size_t len = 4 * PAGE;
	enum { N = 16 };
	struct ibv_mr *mr[N], *late;
	struct rodp_event ev;
	char *buf[N], *lbuf = lt_map(len);
	int fd = rodp_get_event_fd(rodp), i, n = 0;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	for (i = 0; i < N; i++) {
		buf[i] = lt_map(len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf[i]);
		mr[i] = rodp_reg_mr(pd, buf[i], len, LT_RW, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(mr[i]);
	}
	for (i = 0; i < N; i++)
		munmap(buf[i], len);
	/* A request on the same socket while notifications are in flight. */
	late = rodp_reg_mr(pd, lbuf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL(late);
	while (n < N && wait_event(fd) == 1) {
		if (rodp_get_event(rodp, &ev, sizeof(ev)) == 0) {
			CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
			n++;
		}
	}
	printf("\n    %d of %d dead events received\n", n, N);
	CU_ASSERT_EQUAL(n, N);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(rodp_dereg_mr(mr[i]), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(late), 0);
	munmap(lbuf, len);
}

/* Drains ctx's queue; returns how many events it held. */
static int drain(struct rodp_ctx *ctx)
{
	struct rodp_event ev;
	int n = 0;

	while (!rodp_get_event(ctx, &ev, sizeof(ev)))
		n++;
	return n;
}


/*
 * An application and a middleware library in one process each open their
 * own context and get every event, in their own queue: one reading its
 * events takes nothing from the other. Closing a context ends its
 * subscription only.
 */
static void test_events_per_context(void)
{
	const size_t len = 8 * PAGE;
	struct rodp_ctx *mw = rodp_open();
	struct rodp_event ev;
	struct ibv_mr *mr;
	char *buf = lt_map(len);
	int fd_app, fd_mw;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mw);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	fd_app = rodp_get_event_fd(rodp);
	fd_mw = rodp_get_event_fd(mw);
	CU_ASSERT_TRUE_FATAL(fd_app >= 0 && fd_mw >= 0);
	CU_ASSERT_NOT_EQUAL(fd_app, fd_mw);
	drain(rodp);
	drain(NULL);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);

	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd_app, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), EAGAIN);
	/* The middleware's copy is still there, and its fd says so. */
	CU_ASSERT_EQUAL(wait_event(fd_mw), 1);
	CU_ASSERT_EQUAL_FATAL(next_event(mw, fd_mw, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_EQUAL(ev.live_bytes, len - PAGE);
	CU_ASSERT_EQUAL(rodp_get_event(mw, &ev, sizeof(ev)), EAGAIN);

	rodp_close(mw);
	CU_ASSERT_EQUAL_FATAL(munmap(buf + PAGE, PAGE), 0);
	CU_ASSERT_EQUAL(next_event(rodp, fd_app, &ev), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	munmap(buf + 2 * PAGE, len - 2 * PAGE);
	drain(rodp);
	drain(NULL);
}

/* An event taken after its MR was deregistered names no MR: never a
 * pointer to the freed one. */
static void test_event_after_dereg_has_no_mr(void)
{
	const size_t len = 4 * PAGE;
	struct rodp_event ev;
	struct ibv_mr *mr;
	char *buf = lt_map(len);
	int fd = rodp_get_event_fd(rodp);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	drain(rodp);
	mr = rodp_reg_mr(pd, buf, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL_FATAL(munmap(buf, PAGE), 0);
	CU_ASSERT_EQUAL_FATAL(wait_event(fd), 1);
	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL_FATAL(next_event(rodp, fd, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_PTR_NULL(ev.mr);
	munmap(buf + PAGE, len - PAGE);
	drain(rodp);
	drain(NULL);
}

/*
 * A burst of notifications larger than the library's socket: requests
 * made meanwhile still succeed (they do not share the socket), and a
 * subscriber that did not keep up gets every event that fit plus a
 * RODP_EVENT_LOST marker counting the rest (at least), never a silent gap.
 */
static void test_overrun_is_reported(void)
{
	enum { N = 1500 };
	const size_t len = PAGE;
	struct rodp_ctx *slow = rodp_open();
	struct rodp_lib_stats l0, l1;
	struct rodp_mr_stats st;
	struct rodp_event ev;
	struct ibv_mr **mr = calloc(N, sizeof(*mr)), *keep;
	char *buf = mmap(NULL, (N + 1) * len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t dead = 0, lost = 0, markers = 0;
	int i, ok = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	CU_ASSERT_TRUE_FATAL(rodp_get_event_fd(slow) >= 0);
	for (i = 0; i < N && ok; i++) {
		mr[i] = rodp_reg_mr(pd, buf + i * len, len, LT_RW, 0);
		ok = mr[i] != NULL;
	}
	CU_ASSERT_TRUE_FATAL(ok);
	keep = rodp_reg_mr(pd, buf + N * len, len, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(keep);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l0, sizeof(l0)), 0);
	/* One munmap per MR: N notifications, nobody reading. */
	for (i = 0; i < N; i++)
		munmap(buf + i * len, len);
	sleep(2);	/* rodp.ko sends them from its workqueue */

	/* A request while the binder socket is overrun. */
	CU_ASSERT_EQUAL(rodp_get_mr_stats(keep, &st, sizeof(st)), 0);
	CU_ASSERT_EQUAL(st.state, RODP_STATE_LIVE);
	printf("\n    stats during the burst: %s",
	       rodp_last_error_msg()[0] ? rodp_last_error_msg() : "ok");

	while (!rodp_get_event(slow, &ev, sizeof(ev))) {
		if (ev.type == RODP_EVENT_LOST) {
			markers++;
			lost += ev.lost;
			CU_ASSERT_TRUE(ev.lost > 0);
			CU_ASSERT_PTR_NULL(ev.mr);
		} else if (ev.type == RODP_EVENT_REGION_DEAD) {
			dead++;
		}
	}
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	printf("\n    %d unmapped: %llu dead events, %llu markers for %llu "
	       "lost (at least); events_lost +%llu\n", N,
	       (unsigned long long)dead, (unsigned long long)markers,
	       (unsigned long long)lost,
	       (unsigned long long)(l1.events_lost - l0.events_lost));
	/* Every event arrived, or the gap was reported. */
	CU_ASSERT_TRUE(dead == N || (markers > 0 && dead + lost <= N));
	CU_ASSERT_TRUE(dead <= N);
	/* 1500 events overflow the queue (1023 and the marker) if not the
	 * socket: the marker path ran. */
	CU_ASSERT_TRUE(markers > 0);
	for (i = 0; i < N; i++)
		CU_ASSERT_EQUAL(rodp_dereg_mr(mr[i]), 0);
	CU_ASSERT_EQUAL(rodp_dereg_mr(keep), 0);
	munmap(buf + N * len, len);
	rodp_close(slow);
	drain(rodp);
	drain(NULL);
	free(mr);
}

/*
 * The generic netlink ports of this process's sockets other than
 * except_inode (/proc/net/netlink, matched by inode with /proc/self/fd).
 * Returns how many went into ports (at most max).
 */
static int own_genl_ports(unsigned long except_inode, uint32_t *ports,
			  int max)
{
	char line[512], path[300], target[64];
	unsigned long inode;
	unsigned int proto, portid;
	struct dirent *d;
	int n = 0;
	FILE *f = fopen("/proc/net/netlink", "r");
	DIR *dir;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
		if (sscanf(line, "%*s %u %u %*s %*s %*s %*s %*s %*s %lu",
			   &proto, &portid, &inode) != 3 ||
		    proto != NETLINK_GENERIC || inode == except_inode)
			continue;
		dir = opendir("/proc/self/fd");
		while (dir && (d = readdir(dir))) {
			ssize_t l;

			snprintf(path, sizeof(path), "/proc/self/fd/%s",
				 d->d_name);
			l = readlink(path, target, sizeof(target) - 1);
			if (l <= 0)
				continue;
			target[l] = '\0';
			if (strncmp(target, "socket:[", 8) == 0 &&
			    strtoul(target + 8, NULL, 10) == inode) {
				ports[n++] = portid;
				break;
			}
		}
		if (dir)
			closedir(dir);
	}
	fclose(f);
	return n;
}

/*
 * Only rodp.ko may write to the library's sockets: a notification forged
 * by another local socket (anyone can unicast to a netlink port) is
 * refused by the kernel, never taken as an event.
 */
static void test_forged_notification_refused(void)
{
	struct {
		struct nlmsghdr h;
		uint8_t genl[4];	/* struct genlmsghdr: cmd, version */
	} m = {
		.h = { .nlmsg_len = sizeof(m), .nlmsg_type = 0x10 },
		.genl = { RODP_CMD_REGION_DEAD_NTF, RODP_FAMILY_VERSION },
	};
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	socklen_t ml = sizeof(me);
	uint32_t ports[16];
	struct rodp_event ev;
	struct stat st;
	int fd = rodp_get_event_fd(rodp), s, n, i;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	drain(rodp);
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	CU_ASSERT_TRUE_FATAL(s >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(s, (struct sockaddr *)&me, sizeof(me)), 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(s, (struct sockaddr *)&me, &ml), 0);
	CU_ASSERT_EQUAL_FATAL(fstat(s, &st), 0);
	/* rodp's context and the library's binder and request sockets. */
	n = own_genl_ports(st.st_ino, ports, 16);
	printf("\n    %d library sockets in this process\n", n);
	CU_ASSERT_TRUE(n >= 3);
	for (i = 0; i < n; i++) {
		struct sockaddr_nl to = { .nl_family = AF_NETLINK,
					  .nl_pid = ports[i] };
		ssize_t r;

		/* Any generic netlink type: the kernel refuses the send
		 * before anyone looks at it. */
		for (m.h.nlmsg_type = 0x10; m.h.nlmsg_type < 0x40;
		     m.h.nlmsg_type++) {
			r = sendto(s, &m, sizeof(m), 0, (struct sockaddr *)&to,
				   sizeof(to));
			if (r >= 0 || errno != ECONNREFUSED)
				break;
		}
		CU_ASSERT_EQUAL(r, -1);
		CU_ASSERT_EQUAL(errno, ECONNREFUSED);
	}
	close(s);
	CU_ASSERT_EQUAL(rodp_get_event(rodp, &ev, sizeof(ev)), EAGAIN);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_events_subscribe_binds_nothing),
		RODP_TEST(test_events_on_munmap),
		RODP_TEST(test_events_between_requests),
		RODP_TEST(test_events_per_context),
		RODP_TEST(test_event_after_dereg_has_no_mr),
		RODP_TEST(test_overrun_is_reported),
		RODP_TEST(test_forged_notification_refused),
	};

	LT_RUN("lib_events", tests, 1);
}
