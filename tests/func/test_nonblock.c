// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Invalidations that may not sleep are counted on their own
 * (RODP_STAT_INVAL_NONBLOCK). The kernel sends them only when it reaps a
 * killed process's memory before the process exits: the oom_reaper after
 * an OOM kill, and process_mrelease(2), which runs the same
 * __oom_reap_task_mm() for userspace OOM killers. Both need a victim that
 * is dying but still has its memory, so the victim (odp_holder hold -w,
 * holding ODP MRs) is parked in an uninterruptible wait first (see struct
 * victim). The counter must move (by one at least: rdma_rxe refuses a
 * non-blockable invalidation, and the kernel stops at the first refusal
 * in a VMA); the SIGKILL alone must not move it.
 *
 * test_oom_reaper makes the kernel's OOM killer kill the victim in a
 * memory cgroup. The kernel logs that OOM kill; the test brackets it with
 * "rodp-test: expected OOM kill begins/ends" in the kernel log, and
 * tests/vm/run accepts OOM-kill lines only between those markers.
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/*
 * A process holding NR_MRS ODP MRs, parked where a SIGKILL cannot end it:
 * its write to its stdout pipe waits for the pipe's mutex (TASK_
 * UNINTERRUPTIBLE), which our writer thread holds while its own write to
 * that pipe is stuck on a userfaultfd page.
 */
struct victim {
	pid_t pid;
	int pidfd;
	int in;		/* the victim's stdin, write end */
	FILE *out;	/* the victim's stdout, read end */
	int uffd;
	struct stuck_writer w;
	pthread_t writer;
	size_t page;
};

static void victim_park(struct victim *v)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	char path[PATH_MAX], line[32], nmrs[8];
	struct uffd_msg msg;
	int in[2], out[2], i;
	char state = '?';

	memset(v, 0, sizeof(*v));
	v->page = (size_t)sysconf(_SC_PAGESIZE);
	holder_path(path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(pipe(in), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(out), 0);
	snprintf(nmrs, sizeof(nmrs), "%d", NR_MRS);
	v->pid = fork();
	CU_ASSERT_FATAL(v->pid >= 0);
	if (v->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, "odp_holder", "hold", "-w", "-n", nmrs,
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	v->in = in[1];
	v->pidfd = (int)syscall(SYS_pidfd_open, v->pid, 0);
	CU_ASSERT_FATAL(v->pidfd >= 0);
	v->out = fdopen(out[0], "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v->out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(line, sizeof(line), v->out));
	CU_ASSERT_STRING_EQUAL_FATAL(line, "ready\n");

	/* A write to the victim's stdout pipe that stalls holding its lock. */
	v->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	CU_ASSERT_FATAL(v->uffd >= 0);
	CU_ASSERT_EQUAL_FATAL(ioctl(v->uffd, UFFDIO_API, &api), 0);
	v->w.fd = out[1];	/* our own write end of the victim's stdout */
	v->w.src = mmap(NULL, v->page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(v->w.src != MAP_FAILED);
	reg.range.start = (uintptr_t)v->w.src;
	reg.range.len = v->page;
	CU_ASSERT_EQUAL_FATAL(ioctl(v->uffd, UFFDIO_REGISTER, &reg), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&v->writer, NULL, stuck_write,
					     &v->w), 0);
	/* The fault message: the writer is inside pipe_write(), locked. */
	CU_ASSERT_EQUAL_FATAL(read(v->uffd, &msg, sizeof(msg)),
			      (ssize_t)sizeof(msg));
	CU_ASSERT_EQUAL(msg.event, UFFD_EVENT_PAGEFAULT);

	/* The victim's own write now waits for that lock, uninterruptibly. */
	CU_ASSERT_EQUAL_FATAL(write(v->in, "x", 1), 1);
	for (i = 0; i < 1000 && state != 'D'; i++) {
		usleep(10000);
		state = proc_state(v->pid);
	}
	printf("\n    victim %d state: %c", (int)v->pid, state);
	CU_ASSERT_EQUAL_FATAL(state, 'D');
}

/* Lets both writes finish; the victim then dies of its SIGKILL. */
static void victim_release(struct victim *v)
{
	struct uffdio_zeropage zero = { 0 };
	int status;

	zero.range.start = (uintptr_t)v->w.src;
	zero.range.len = v->page;
	CU_ASSERT_EQUAL(ioctl(v->uffd, UFFDIO_ZEROPAGE, &zero), 0);
	pthread_join(v->writer, NULL);
	CU_ASSERT_EQUAL(waitpid(v->pid, &status, 0), v->pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	fclose(v->out);
	close(v->in);
	close(v->w.fd);
	close(v->uffd);
	close(v->pidfd);
	munmap(v->w.src, v->page);
}

/* SIGKILL, then process_mrelease(): what a userspace OOM killer does. */
static void test_process_mrelease(void)
{
	uint64_t before, killed, after;
	struct victim v;
	long ret;

	victim_park(&v);
	before = nonblock_count();
	CU_ASSERT_EQUAL(kill(v.pid, SIGKILL), 0);
	killed = nonblock_count();
	ret = syscall(SYS_process_mrelease, v.pidfd, 0);
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
	victim_release(&v);
	/* Its exit's own invalidations may sleep. */
	CU_ASSERT_EQUAL(nonblock_count(), after);
}

/* ---- the kernel's OOM killer and oom_reaper, in a memory cgroup ---- */

#define CG_ROOT "/sys/fs/cgroup"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/* One line to the kernel log (tests/vm/run reads its markers there). */
static void kmsg(const char *line)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "<6>%s\n", line);
	if (write_file("/dev/kmsg", buf))
		printf("\n    cannot write to /dev/kmsg: %s", strerror(errno));
}

/*
 * In cgroup cg, unkillable by the OOM killer, allocate until the cgroup
 * refuses (ENOMEM from MADV_POPULATE_WRITE, after the OOM killer found no
 * other victim); exits 0 then, 1 if memory never ran out.
 */
static void allocator(const char *cg)
{
	char path[PATH_MAX], pid[16];
	size_t chunk = 1UL << 20, i;
	char *p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (write_file("/proc/self/oom_score_adj", "-1000") ||
	    write_file(path, pid))
		_exit(2);
	for (i = 0; i < 1024; i++) {
		p = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(0);
		if (madvise(p, chunk, MADV_POPULATE_WRITE))
			_exit(errno == ENOMEM ? 0 : 3);
	}
	_exit(1);
}

/*
 * The victim and an unkillable allocator share a memory cgroup whose
 * limit the allocator exceeds: the OOM killer kills the victim, and as it
 * does not exit (parked), the oom_reaper reaps its memory after
 * OOM_REAPER_DELAY (2 s), without sleeping.
 */
static void test_oom_reaper(void)
{
	char cg[64], path[PATH_MAX], pid[16];
	uint64_t before, after;
	struct victim v;
	int status, i, st;
	pid_t alloc;

	if (access(CG_ROOT "/cgroup.subtree_control", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL)) {
		CU_FAIL("no cgroup2 hierarchy at " CG_ROOT);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(write_file(CG_ROOT "/cgroup.subtree_control",
					 "+memory"), 0);
	snprintf(cg, sizeof(cg), CG_ROOT "/rodp-oom-%d", (int)getpid());
	CU_ASSERT_EQUAL_FATAL(mkdir(cg, 0755), 0);
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	CU_ASSERT_EQUAL_FATAL(write_file(path, "64M"), 0);
	snprintf(path, sizeof(path), "%s/memory.swap.max", cg);
	write_file(path, "0");	/* absent without swap accounting */

	victim_park(&v);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", (int)v.pid);
	CU_ASSERT_EQUAL_FATAL(write_file(path, pid), 0);
	before = nonblock_count();

	kmsg("rodp-test: expected OOM kill begins");
	alloc = fork();
	CU_ASSERT_FATAL(alloc >= 0);
	if (alloc == 0)
		allocator(cg);
	CU_ASSERT_EQUAL(waitpid(alloc, &st, 0), alloc);
	/* The reaper gives up on a refusing driver after 10 tries, 100 ms apart. */
	for (i = 0; i < 100 && nonblock_count() == before; i++)
		usleep(100000);
	sleep(2);
	after = nonblock_count();
	victim_release(&v);
	kmsg("rodp-test: expected OOM kill ends");

	printf("\n    allocator: %s %d; inval-nonblock +%llu after the OOM kill",
	       WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
	       (unsigned long long)(after - before));
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(after - before >= 1);
	status = rmdir(cg);
	CU_ASSERT_EQUAL(status, 0);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_process_mrelease),
		RODP_TEST(test_oom_reaper),
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
