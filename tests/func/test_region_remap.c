// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A dead region is not dead for ever: ODP resolves addresses when the
 * device faults, so after mmap(MAP_FIXED) over an unmapped range, or
 * mremap() back onto it, the MR works again. rodp.ko's live set must
 * follow: the range is live again after a device fault or a prefetch into
 * it, a dead region becomes live (and says so with a grown notification),
 * and rodp's PREFETCH of a dead region is not refused. A process's exit
 * must not report its regions as dead.
 *
 * Before the fix: the device access after MAP_FIXED works but the region
 * stays dead with no range, PREFETCH answers ENOENT, and killing a
 * process holding an ODP MR multicasts one region-dead notification per
 * region.
 */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "func_util.h"

#define NPAGES 8

static struct lb lb;
static struct rodp_ctx *rodp;

static void region_of(struct func_fix *f, struct func_region *r)
{
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, f->buf, r), 0);
}

static void print_region(const char *when, const struct func_region *r)
{
	unsigned int i;

	printf("\n    %s: %s, %u range(s)", when,
	       r->state == RODP_REGION_DEAD ? "dead" : "live", r->nranges);
	for (i = 0; i < r->nranges; i++)
		printf(" [+%#llx, %#llx)",
		       (unsigned long long)(r->range[i].start - r->addr),
		       (unsigned long long)(r->range[i].start - r->addr +
					    r->range[i].length));
}

/* Whole region live: one range covering all of it. */
static void assert_all_live(struct func_fix *f, const struct func_region *r)
{
	CU_ASSERT_EQUAL(r->state, RODP_REGION_LIVE);
	CU_ASSERT_EQUAL(r->nranges, 1);
	CU_ASSERT_EQUAL(r->range[0].start, (uintptr_t)f->buf);
	CU_ASSERT_EQUAL(r->range[0].length, f->len);
}

/* Fresh anonymous memory at addr, filled with the pattern of seed. */
static void map_fixed(void *addr, size_t len, uint8_t seed)
{
	void *p = mmap(addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	CU_ASSERT_PTR_EQUAL_FATAL(p, addr);
	func_fill(addr, len, seed);
}

/* mmap(MAP_FIXED) over all of it: dead; a device read: live again. */
static void test_map_fixed_whole(void)
{
	struct func_region r;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, RODP_POLICY_MODE_EVENT_AWARE, NPAGES);
	map_fixed(f.buf, f.len, 7);
	region_of(&f, &r);
	print_region("after MAP_FIXED", &r);
	CU_ASSERT_EQUAL(r.state, RODP_REGION_DEAD);
	CU_ASSERT_EQUAL(r.nranges, 0);

	/* The MR reads the new memory: ODP faults it in. */
	CU_ASSERT_EQUAL_FATAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.loc, f.len, 7), 0);
	region_of(&f, &r);
	print_region("after a device read", &r);
	assert_all_live(&f, &r);
	func_fix_fini(&f);
}

/* MAP_FIXED over pages 2-4 splits the range; a device write joins it. */
static void test_map_fixed_part(void)
{
	struct func_region r;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, RODP_POLICY_MODE_EVENT_AWARE, NPAGES);
	map_fixed(f.buf + 2 * f.page, 3 * f.page, 7);
	region_of(&f, &r);
	print_region("after MAP_FIXED of pages 2-4", &r);
	CU_ASSERT_EQUAL(r.state, RODP_REGION_LIVE);
	CU_ASSERT_EQUAL(r.nranges, 2);

	/* Page 3 only: the live set grows by that page, still split. */
	CU_ASSERT_EQUAL_FATAL(func_dev_write(&f, 3, 1, 9), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + 3 * f.page, f.page, 9), 0);
	region_of(&f, &r);
	print_region("after a device write of page 3", &r);
	CU_ASSERT_EQUAL(r.nranges, 3);

	CU_ASSERT_EQUAL_FATAL(func_dev_write(&f, 2, 3, 9), IBV_WC_SUCCESS);
	region_of(&f, &r);
	print_region("after a device write of pages 2-4", &r);
	assert_all_live(&f, &r);
	func_fix_fini(&f);
}

/* rodp's own PREFETCH of a dead region maps the new memory. */
static void test_prefetch_dead(void)
{
	struct rodp_stats before, after;
	struct func_region r;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, RODP_POLICY_MODE_EVENT_AWARE, NPAGES);
	CU_ASSERT_EQUAL_FATAL(munmap(f.buf, f.len), 0);
	region_of(&f, &r);
	CU_ASSERT_EQUAL(r.state, RODP_REGION_DEAD);
	map_fixed(f.buf, f.len, 5);

	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(func_prefetch(rodp, r.id, 0), 0);
	func_proc_stats(rodp, &after);
	printf("\n    prefetch of the dead region: %llu page(s)",
	       (unsigned long long)(after.prefetch_pages -
				    before.prefetch_pages));
	CU_ASSERT_EQUAL(after.prefetch_pages - before.prefetch_pages, NPAGES);
	region_of(&f, &r);
	print_region("after the prefetch", &r);
	assert_all_live(&f, &r);
	/* The prefetched pages are the new ones. */
	CU_ASSERT_EQUAL_FATAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.loc, f.len, 5), 0);
	func_fix_fini(&f);
}

/* mremap() away kills the region, mremap() back revives it, data kept. */
static void test_mremap_back(void)
{
	struct func_region r;
	struct func_fix f;
	void *away, *back;

	func_fix_init(&f, &lb, rodp, RODP_POLICY_MODE_EVENT_AWARE, NPAGES);
	away = mmap(NULL, f.len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	CU_ASSERT_FATAL(away != MAP_FAILED);
	away = mremap(f.buf, f.len, f.len, MREMAP_MAYMOVE | MREMAP_FIXED,
		      away);
	CU_ASSERT_FATAL(away != MAP_FAILED);
	region_of(&f, &r);
	print_region("after mremap away", &r);
	CU_ASSERT_EQUAL(r.state, RODP_REGION_DEAD);

	back = mremap(away, f.len, f.len, MREMAP_MAYMOVE | MREMAP_FIXED,
		      f.buf);
	CU_ASSERT_PTR_EQUAL_FATAL(back, f.buf);
	CU_ASSERT_EQUAL_FATAL(func_dev_read(&f, 0, NPAGES), IBV_WC_SUCCESS);
	/* func_fix_init() had the device write the pattern of seed 1. */
	CU_ASSERT_EQUAL(func_check(f.loc, f.len, 1), 0);
	region_of(&f, &r);
	print_region("after mremap back and a device read", &r);
	assert_all_live(&f, &r);
	func_fix_fini(&f);
}

/* ---- process exit ---- */

struct events {
	struct nl_sock *sk;
	int family;
};

static int events_join(struct events *ev)
{
	int grp;

	ev->sk = nl_socket_alloc();
	if (!ev->sk || genl_connect(ev->sk))
		return -1;
	ev->family = genl_ctrl_resolve(ev->sk, RODP_FAMILY_NAME);
	grp = genl_ctrl_resolve_grp(ev->sk, RODP_FAMILY_NAME,
				    RODP_MCGRP_EVENTS);
	if (ev->family < 0 || grp < 0 ||
	    nl_socket_add_membership(ev->sk, grp))
		return -1;
	return 0;
}

/*
 * Reads the events group until it stays quiet for ms; counts the
 * notifications about process pid's regions, dead ones apart.
 */
static void events_count(struct events *ev, pid_t pid, int ms, int *dead,
			 int *other)
{
	struct pollfd p = { .fd = nl_socket_get_fd(ev->sk), .events = POLLIN };
	static char buf[65536];
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	int n;

	*dead = *other = 0;
	while (poll(&p, 1, ms) == 1) {
		n = (int)recv(p.fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (nlh = (void *)buf; nlmsg_ok(nlh, n);
		     nlh = nlmsg_next(nlh, &n)) {
			if (nlh->nlmsg_type != ev->family)
				continue;
			g = nlmsg_data(nlh);
			a = nla_find(genlmsg_attrdata(g, 0),
				     genlmsg_attrlen(g, 0), RODP_A_PID);
			if (!a || nla_get_u32(a) != (uint32_t)pid)
				continue;
			if (g->cmd == RODP_CMD_REGION_DEAD_NTF)
				(*dead)++;
			else
				(*other)++;
		}
	}
}

/* odp_holder, next to this program. */
static void holder_path(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CU_ASSERT_FATAL(n > 0);
	self[n] = '\0';
	snprintf(path, len, "%s/odp_holder", dirname(self));
}

static void test_exit_not_dead(void)
{
	char path[PATH_MAX], line[32];
	int out[2], dead, other;
	struct events ev;
	struct func_fix f;
	pid_t pid;
	FILE *in;

	CU_ASSERT_EQUAL_FATAL(events_join(&ev), 0);
	holder_path(path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(pipe(out), 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execl(path, "odp_holder", "hold", "-d", func_dev_name(), "-n",
		      "4", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	in = fdopen(out[0], "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof(line), in));
	CU_ASSERT_STRING_EQUAL_FATAL(line, "ready\n");
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	CU_ASSERT_EQUAL(waitpid(pid, NULL, 0), pid);
	fclose(in);
	events_count(&ev, pid, 1000, &dead, &other);
	printf("\n    holder of 4 ODP MRs killed: %d dead, %d other notifications",
	       dead, other);
	CU_ASSERT_EQUAL(dead, 0);

	/* The listener works: an munmap of our own region is reported. */
	func_fix_init(&f, &lb, rodp, RODP_POLICY_MODE_EVENT_AWARE, NPAGES);
	CU_ASSERT_EQUAL(munmap(f.buf, f.len), 0);
	events_count(&ev, getpid(), 1000, &dead, &other);
	printf("\n    own munmap: %d dead notification(s)", dead);
	CU_ASSERT_EQUAL(dead, 1);
	func_fix_fini(&f);
	nl_socket_free(ev.sk);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_map_fixed_whole),
		RODP_TEST(test_map_fixed_part),
		RODP_TEST(test_prefetch_dead),
		RODP_TEST(test_mremap_back),
		RODP_TEST(test_exit_not_dead),
	};
	int ret;

	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("region_remap", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
