// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp's netlink family as an unprivileged user: root (this process)
 * holds an ODP region; a child that dropped to nobody must not see it,
 * its process's counters or policy, nor prefetch it, nor change the global
 * policy, nor join the admin-only "events" group; it may read the global
 * counters, set its own policy and see its own region. Needs root to
 * start with (exits 77 otherwise).
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "func_util.h"

#define LEN (64 << 10)
#define NOBODY 65534

static struct lb lb;
static struct rodp_ctx *rodp;
static pid_t root_pid;
static uint64_t root_region;

/* Checks in the unprivileged child: CUnit is not shared across fork. */
static int child_failures;

#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("\n    FAIL (as nobody): " __VA_ARGS__);	\
			child_failures++;				\
		} else {						\
			printf("\n    ok (as nobody): " __VA_ARGS__);	\
		}							\
	} while (0)

static int join_events_group(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, err;

	if (!sk)
		return ENOMEM;
	err = genl_connect(sk);
	if (!err) {
		grp = genl_ctrl_resolve_grp(sk, RODP_FAMILY_NAME,
					    RODP_MCGRP_EVENTS);
		err = grp < 0 ? grp : nl_socket_add_membership(sk, grp);
	}
	nl_socket_free(sk);
	return err;
}

static int own_region_visible(void)
{
	struct func_region r[8];
	struct ibv_mr *mr;
	struct lb mine;
	int n, found = 0;
	void *buf;

	if (lb_open(&mine, func_dev_name()))
		return -1;
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mr = buf == MAP_FAILED ? NULL : lb_reg_odp(&mine, buf, LEN);
	if (!mr) {
		lb_close(&mine);
		return -1;
	}
	n = func_regions(rodp, 0, r, 8);
	for (int i = 0; i < n && i < 8; i++)
		if (r[i].pid == (uint32_t)getpid() &&
		    r[i].addr == (uintptr_t)buf)
			found++;
	ibv_dereg_mr(mr);
	lb_close(&mine);
	return n == 1 && found == 1 ? 0 : -1;
}

static int unprivileged_child(void)
{
	struct func_region r[8];
	struct rodp_stats s;
	enum rodp_policy_mode policy;
	int n, err;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		printf("cannot become nobody: %s\n", strerror(errno));
		return 100;
	}
	/* A fresh connection, opened as nobody. */
	rodp_close(rodp);
	rodp = rodp_open();
	if (!rodp) {
		printf("rodp_open as nobody: %s\n", strerror(errno));
		return 101;
	}

	EXPECT(rodp_get_stats(rodp, 0, &s, sizeof(s)) == 0,
	       "global counters are readable");
	n = func_regions(rodp, 0, r, 8);
	EXPECT(n == 0, "a dump of all regions shows none of root's (%d)", n);
	n = func_regions(rodp, root_pid, r, 8);
	EXPECT(n == 0, "a dump filtered on root's pid shows nothing (%d)", n);
	err = rodp_get_stats(rodp, root_pid, &s, sizeof(s));
	EXPECT(err == ENOENT, "root's process counters: %s (%s)",
	       strerror(err), rodp_last_error_msg());
	err = rodp_get_process_policy(rodp, root_pid, &policy);
	EXPECT(err == ENOENT, "root's process policy: %s", strerror(err));
	err = func_prefetch(rodp, root_region, 0);
	EXPECT(err == ENOENT, "prefetch of root's region: %s (%s)",
	       strerror(err), rodp_last_error_msg());
	err = rodp_set_global_policy(rodp, RODP_POLICY_MODE_STOCK);
	EXPECT(err == EPERM, "global policy set: %s", strerror(err));
	err = rodp_set_process_policy(rodp, root_pid,
				      RODP_POLICY_MODE_STOCK);
	EXPECT(err == EPERM, "root's process policy set: %s", strerror(err));
	err = join_events_group();
	EXPECT(err < 0, "joining the events group: %s", nl_geterror(err));

	err = rodp_set_policy(rodp, RODP_POLICY_MODE_STOCK);
	EXPECT(err == 0, "own policy set: %s", strerror(err));
	err = rodp_get_policy(rodp, &policy);
	EXPECT(err == 0 && policy == RODP_POLICY_MODE_STOCK,
	       "own policy reads back as stock");
	EXPECT(own_region_visible() == 0,
	       "its own ODP region is visible, and only it");
	rodp_close(rodp);
	return child_failures;
}

static void test_unprivileged_netlink(void)
{
	struct func_region r;
	struct ibv_mr *mr;
	enum rodp_policy_mode policy;
	int status;
	void *buf;
	pid_t pid;

	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	mr = lb_reg_odp(&lb, buf, LEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL_FATAL(func_region_at(rodp, buf, &r), 0);
	root_region = r.id;
	root_pid = getpid();

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(unprivileged_child());
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);

	/* Nothing the child tried changed root's state. */
	CU_ASSERT_EQUAL(rodp_get_global_policy(rodp, &policy), 0);
	CU_ASSERT_EQUAL(policy, RODP_POLICY_MODE_EVENT_AWARE);
	CU_ASSERT_EQUAL(func_region_at(rodp, buf, &r), 0);
	CU_ASSERT_EQUAL(r.id, root_region);
	/* Root, an admin, may do what nobody could. */
	CU_ASSERT_EQUAL(func_prefetch(rodp, root_region, 0), 0);
	CU_ASSERT_EQUAL(join_events_group(), 0);

	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	munmap(buf, LEN);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_unprivileged_netlink),
	};
	int ret;

	if (geteuid() != 0) {
		printf("SKIP: needs root, to drop to nobody\n");
		return RODP_TEST_SKIP;
	}
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("privilege", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
