// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Invalidations that may not sleep are counted on their own
 * (RODP_STAT_INVAL_NONBLOCK). The kernel sends them only when it reaps a
 * killed process's memory before the process exits: the OOM reaper, and
 * process_mrelease(2), which runs the same __oom_reap_task_mm() for
 * userspace OOM killers. Both need a victim that is dying but still has
 * its memory, so the victim (odp_holder hold -w, holding ODP MRs) is
 * parked in an uninterruptible wait first: its write to a pipe waits for
 * the pipe's mutex, which a thread of this test holds while its own write
 * to the same pipe is stuck on a userfaultfd page nobody resolves yet.
 * Then SIGKILL, process_mrelease(), and the counter must have moved (by
 * one at least: rdma_rxe refuses a non-blockable invalidation, and the
 * kernel stops at the first refusal in a VMA); the kill alone must not
 * move it.
 *
 * process_mrelease() rather than a memory-cgroup OOM kill: the same
 * reaping, without the 2 s OOM_REAPER_DELAY race, and without the kernel
 * OOM report that tests/vm/run rightly fails any run on.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rodp.h>

#include "../cunit_run.h"
#include "nl_raw.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

#define NR_MRS 2

static struct nl_raw nl;
static int family;

static uint64_t nonblock_count(void)
{
	uint64_t v = 0;

	CU_ASSERT_EQUAL(nl_raw_rodp_global_stat(&nl, family,
						RODP_STAT_INVAL_NONBLOCK, &v),
			0);
	return v;
}

struct stuck_writer {
	int fd;
	void *src;
};

/* Holds the pipe's mutex while its copy waits on the userfaultfd page. */
static void *stuck_write(void *arg)
{
	struct stuck_writer *w = arg;

	if (write(w->fd, w->src, 1) != 1)
		perror("test_nonblock: stuck write");
	return NULL;
}

/* The state letter of /proc/PID/stat, or '?'. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && p[1] == ' ' ? p[2] : '?';
}

static void holder_path(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CU_ASSERT_FATAL(n > 0);
	self[n] = '\0';
	snprintf(path, len, "%s/odp_holder", dirname(self));
}

static void test_reaped_victim(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	char path[PATH_MAX], line[32], nmrs[8];
	int in[2], out[2], uffd, pidfd, status, i;
	uint64_t before, killed, after;
	struct uffd_msg msg;
	struct stuck_writer w;
	long page = sysconf(_SC_PAGESIZE);
	pthread_t tid;
	long ret;
	pid_t pid;
	char state = '?';
	FILE *rd;

	holder_path(path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(pipe(in), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(out), 0);
	snprintf(nmrs, sizeof(nmrs), "%d", NR_MRS);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, "odp_holder", "hold", "-w", "-n", nmrs,
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	CU_ASSERT_FATAL(pidfd >= 0);
	rd = fdopen(out[0], "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof(line), rd));
	CU_ASSERT_STRING_EQUAL_FATAL(line, "ready\n");

	/* A write to the holder's stdout pipe that stalls holding its lock. */
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	CU_ASSERT_FATAL(uffd >= 0);
	CU_ASSERT_EQUAL_FATAL(ioctl(uffd, UFFDIO_API, &api), 0);
	w.fd = out[1];	/* our own write end of the holder's stdout */
	w.src = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(w.src != MAP_FAILED);
	reg.range.start = (uintptr_t)w.src;
	reg.range.len = (uint64_t)page;
	CU_ASSERT_EQUAL_FATAL(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	CU_ASSERT_FATAL(w.fd >= 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&tid, NULL, stuck_write, &w), 0);
	/* The fault message: the writer is inside pipe_write(), locked. */
	CU_ASSERT_EQUAL_FATAL(read(uffd, &msg, sizeof(msg)),
			      (ssize_t)sizeof(msg));
	CU_ASSERT_EQUAL(msg.event, UFFD_EVENT_PAGEFAULT);

	/* The holder's own write now waits for that lock, uninterruptibly. */
	CU_ASSERT_EQUAL_FATAL(write(in[1], "x", 1), 1);
	for (i = 0; i < 1000 && state != 'D'; i++) {
		usleep(10000);
		state = proc_state(pid);
	}
	printf("\n    holder state before the kill: %c", state);
	CU_ASSERT_EQUAL_FATAL(state, 'D');

	before = nonblock_count();
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	killed = nonblock_count();
	ret = syscall(SYS_process_mrelease, pidfd, 0);
	printf("\n    process_mrelease: %ld (%s)", ret,
	       ret ? strerror(errno) : "reaped");
	/* EAGAIN: a driver refused to invalidate without sleeping. */
	CU_ASSERT(ret == 0 || errno == EAGAIN);
	after = nonblock_count();
	printf("\n    inval-nonblock: %llu before the kill, +%llu at the kill, +%llu after process_mrelease",
	       (unsigned long long)before,
	       (unsigned long long)(killed - before),
	       (unsigned long long)(after - killed));
	CU_ASSERT_EQUAL(killed, before);
	CU_ASSERT(after - killed >= 1);

	/* Let both writes finish; the holder then dies of its SIGKILL. */
	zero.range.start = (uintptr_t)w.src;
	zero.range.len = (uint64_t)page;
	CU_ASSERT_EQUAL(ioctl(uffd, UFFDIO_ZEROPAGE, &zero), 0);
	pthread_join(tid, NULL);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* After it is gone, nothing more is non-blockable. */
	CU_ASSERT_EQUAL(nonblock_count(), after);
	fclose(rd);
	close(in[1]);
	close(w.fd);
	close(uffd);
	close(pidfd);
	munmap(w.src, (size_t)page);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_reaped_victim),
	};
	bool required = getenv("RODP_REQUIRE_MODULE") != NULL;
	int ret;

	if (nl_raw_open(&nl)) {
		printf("SKIP: no generic netlink socket\n");
		return RODP_TEST_SKIP;
	}
	family = nl_raw_family(&nl, RODP_FAMILY_NAME);
	if (family < 0) {
		printf("%s: rodp.ko is not loaded\n",
		       required ? "FAIL" : "SKIP");
		return required ? 1 : RODP_TEST_SKIP;
	}
	ret = rodp_cunit_run("nonblock", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	nl_raw_close(&nl);
	return ret;
}
