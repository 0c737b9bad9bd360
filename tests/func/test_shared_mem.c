// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * ODP MRs over shared memory, under each policy (stock, event-aware), for
 * four kinds: MAP_SHARED anonymous, a memfd, a file on tmpfs and a file on
 * ext4 on a loop device (the test mounts both, as root, in the guest).
 * Every case checks the bytes against a shadow copy (pattern unique per
 * byte position and seed) and every completion status exactly:
 *
 *  - the device's writes are in the shared page itself: the mapping and
 *    the file (pread) both hold them; a CPU write through the file is what
 *    a device read returns;
 *  - fork() does not write-protect shared memory (no PROTECTION_PAGE), and
 *    the parent's later device writes are visible in the child;
 *  - two processes sharing the memory, each with its own MR on its own
 *    verbs context, each write half by RDMA; both see all of it, and each
 *    reads the other's half back through its own MR;
 *  - ext4 only, writeback: msync(MS_SYNC) cleans the pages (page_mkclean:
 *    PROTECTION_PAGE, event-aware downgrades, stock delegates) and the
 *    device's data is on disk (read back with O_DIRECT); a device write
 *    after that must refault for write, so the page is dirtied again and
 *    the next msync puts it on disk too. A device that kept writing
 *    through a stale writable mapping would leave the page clean and the
 *    disk stale.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "memkind.h"

#define SMALL	4096UL
#define NPAGES	16
#define LEN	(NPAGES * SMALL)

enum kind { K_ANON, K_MEMFD, K_TMPFS, K_EXT4 };
static const char *const kind_name[] = { "MAP_SHARED anonymous", "memfd",
					 "tmpfs file", "ext4 file" };

static struct mk m;
static char tmpfs_dir[] = "/tmp/rodp-shm.XXXXXX";
static char ext4_dir[sizeof(tmpfs_dir) + 8];
static char loop_dev[64];
static bool tmpfs_mounted, ext4_mounted;

/* The shared object of kind k, LEN bytes: its fd (-1 for anonymous). */
static int kind_open(enum kind k, char *path, size_t path_len)
{
	int fd = -1;

	path[0] = 0;
	switch (k) {
	case K_ANON:
		return -1;
	case K_MEMFD:
		fd = memfd_create("rodp-shared", 0);
		break;
	case K_TMPFS:
	case K_EXT4:
		snprintf(path, path_len, "%s/region",
			 k == K_TMPFS ? tmpfs_dir : ext4_dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		break;
	}
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, LEN), 0);
	return fd;
}

static void *kind_map(enum kind k, int fd)
{
	void *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED | (k == K_ANON ? MAP_ANONYMOUS : 0), fd, 0);

	CU_ASSERT_FATAL(p != MAP_FAILED);
	return p;
}

/* Bytes of the file that differ from the shadow, read with flags. */
static size_t file_diff(struct mk_area *a, const char *path, int fd,
			int flags)
{
	uint8_t *v = aligned_alloc(SMALL, LEN);
	size_t wrong = LEN;
	ssize_t n;
	int rfd = fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	if (flags) {
		rfd = open(path, O_RDONLY | flags);
		CU_ASSERT_FATAL(rfd >= 0);
	}
	n = pread(rfd, v, LEN, 0);
	CU_ASSERT_EQUAL(n, (ssize_t)LEN);
	if (n == (ssize_t)LEN)
		wrong = mk_diff_buf(a, v, 0, LEN);
	if (flags)
		close(rfd);
	free(v);
	return wrong;
}

/*
 * The second process: its own verbs context, rodp context and MR over
 * the inherited shared mapping. It writes [half, LEN) with seed 21 by
 * RDMA, says so, waits for the parent's half (seed 20) and checks all of
 * it, through the CPU and by an RDMA READ of the parent's half through its
 * own MR. Exit status: the number of failed checks.
 */
static int second_process(uint8_t *buf, int to_parent, int from_parent)
{
	const size_t half = LEN / 2;
	struct func_region r;
	struct ibv_mr *mr, *lmr;
	struct rodp_ctx *rodp;
	uint8_t *loc, *want;
	struct lb lb;
	int bad = 0, st;
	size_t i;
	char c;

	if (lb_open(&lb, func_dev_name()))
		return 100;
	rodp = func_rodp_open();
	loc = aligned_alloc(SMALL, LEN);
	want = malloc(LEN);
	lmr = ibv_reg_mr(lb.pd, loc, LEN, IBV_ACCESS_LOCAL_WRITE);
	mr = lb_reg_odp(&lb, buf, LEN);
	if (!rodp || !loc || !want || !lmr || !mr)
		return 101;
	mk_fill(loc, half, half, 21);
	st = lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc, lmr->lkey, half,
		     (uintptr_t)buf + half, mr->rkey);
	if (st != IBV_WC_SUCCESS) {
		fprintf(stderr, "second process: RDMA WRITE status %d\n", st);
		bad++;
	}
	if (write(to_parent, "w", 1) != 1 || read(from_parent, &c, 1) != 1)
		return 102;
	mk_fill(want, 0, half, 20);
	mk_fill(want + half, half, half, 21);
	for (i = 0; i < LEN; i++)
		if (buf[i] != want[i])
			break;
	if (i < LEN) {
		fprintf(stderr, "second process: CPU sees byte %zu wrong\n", i);
		bad++;
	}
	memset(loc, 0xee, half);
	st = lb_rdma(&lb, IBV_WR_RDMA_READ, loc, lmr->lkey, half,
		     (uintptr_t)buf, mr->rkey);
	if (st != IBV_WC_SUCCESS || memcmp(loc, want, half)) {
		fprintf(stderr, "second process: RDMA READ status %d or data wrong\n",
			st);
		bad++;
	}
	/* Its own region, with its own faults. */
	if (func_region_at(rodp, buf, &r) || r.pid != (uint32_t)getpid() ||
	    !r.stats.fault_pages) {
		fprintf(stderr, "second process: no region of its own with faults\n");
		bad++;
	}
	ibv_dereg_mr(mr);
	ibv_dereg_mr(lmr);
	rodp_close(rodp);
	lb_close(&lb);
	return bad;
}

static void two_processes(struct mk_area *a)
{
	const size_t half = LEN / 2;
	int up[2], down[2], status;
	struct rodp_stats b, s;
	size_t wrong;
	pid_t pid;
	char c;

	CU_ASSERT_FATAL(pipe(up) == 0 && pipe(down) == 0);
	mk_stats(&m, a->buf, &b);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		_exit(second_process(a->buf, up[1], down[0]));
	}
	CU_ASSERT_FATAL(pid > 0);
	close(up[1]);
	close(down[0]);
	CU_ASSERT_EQUAL(read(up[0], &c, 1), 1);
	CU_ASSERT_EQUAL(mk_write(&m, a, 0, half, 20), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(write(down[1], "r", 1), 1);
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	printf("\n    second process (own MR): exit status %d",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(down[1]);

	/* Its half, through this process's CPU and MR. */
	mk_fill(a->shadow + half, half, half, 21);
	CU_ASSERT_EQUAL(mk_diff(a, 0, LEN), 0);
	CU_ASSERT_EQUAL(mk_read(&m, a, half, half, &wrong), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);
	/* The other process's MR going left this one's region alone. */
	mk_stats(&m, a->buf, &s);
	CU_ASSERT_EQUAL(s.inval[RODP_INVAL_UNMAP], b.inval[RODP_INVAL_UNMAP]);
}

#define FORK_OFF (3 * SMALL + 9)
#define FORK_LEN (5 * SMALL)

/* The fork child: the parent's device write is visible here. */
static size_t child_sees_write(void *arg)
{
	struct mk_area *a = arg;

	mk_fill(a->shadow + FORK_OFF, FORK_OFF, FORK_LEN, 19);
	return mk_diff(a, 0, LEN);
}

static void fork_sees_writes(struct mk_area *a)
{
	const size_t off = FORK_OFF, len = FORK_LEN;
	struct func_watch child;
	struct rodp_stats b, s;

	mk_stats(&m, a->buf, &b);
	func_watch_fork(&child, child_sees_write, a);
	mk_stats(&m, a->buf, &s);
	mk_print_delta("fork", &b, &s);
	CU_ASSERT_EQUAL(s.inval[RODP_INVAL_PROTECTION_PAGE],
			b.inval[RODP_INVAL_PROTECTION_PAGE]);
	CU_ASSERT_EQUAL(mk_write(&m, a, off, len, 19), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_watch_join(&child), 0);
	CU_ASSERT_EQUAL(mk_diff(a, 0, LEN), 0);
}

/* ext4: msync puts the device's bytes on disk, twice. */
static void writeback(struct mk_area *a, const char *path, uint32_t policy)
{
	struct rodp_stats b, s, f;
	size_t wrong;

	mk_stats(&m, a->buf, &b);
	CU_ASSERT_EQUAL_FATAL(msync(a->buf, LEN, MS_SYNC), 0);
	mk_stats(&m, a->buf, &s);
	mk_print_delta("msync", &b, &s);
	CU_ASSERT(s.inval[RODP_INVAL_PROTECTION_PAGE] >
		  b.inval[RODP_INVAL_PROTECTION_PAGE]);
	if (policy == RODP_POLICY_MODE_EVENT_AWARE) {
		CU_ASSERT(s.downgraded > b.downgraded);
	} else {
		CU_ASSERT_EQUAL(s.downgraded, b.downgraded);
		CU_ASSERT(s.delegated > b.delegated);
	}
	wrong = file_diff(a, path, -1, O_DIRECT);
	printf("\n    on disk after msync: %zu bytes differ", wrong);
	CU_ASSERT_EQUAL(wrong, 0);

	/* The device writes the clean pages: they must refault for write. */
	CU_ASSERT_EQUAL(mk_write(&m, a, SMALL + 1, 6 * SMALL, 22),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_write(&m, a, LEN - SMALL, SMALL, 23),
			IBV_WC_SUCCESS);
	mk_stats(&m, a->buf, &f);
	printf("\n    device writes after msync refaulted %llu pages",
	       (unsigned long long)(f.fault_pages - s.fault_pages));
	CU_ASSERT(f.fault_pages - s.fault_pages >= 8);
	CU_ASSERT_EQUAL_FATAL(msync(a->buf, LEN, MS_SYNC), 0);
	wrong = file_diff(a, path, -1, O_DIRECT);
	printf("\n    on disk after the second msync: %zu bytes differ", wrong);
	CU_ASSERT_EQUAL(wrong, 0);
}

static void shared_case(enum kind k, uint32_t policy)
{
	char path[128];
	struct mk_area a;
	size_t wrong;
	uint8_t *p;
	int fd;

	CU_ASSERT_EQUAL_FATAL(rodp_set_policy(m.rodp, policy), 0);
	printf("\n    %s, %s:", kind_name[k], mk_policy_name(policy));
	fd = kind_open(k, path, sizeof(path));
	p = kind_map(k, fd);
	mk_fill(p, 0, LEN, 1);
	mk_area_reg(&m, &a, p, LEN);

	/* The device writes the shared page itself. */
	CU_ASSERT_EQUAL(mk_write(&m, &a, 100, LEN - 200, 2), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(mk_diff(&a, 0, LEN), 0);
	if (fd >= 0) {
		wrong = file_diff(&a, path, fd, 0);
		printf("\n    file read after the device write: %zu bytes differ",
		       wrong);
		CU_ASSERT_EQUAL(wrong, 0);
		/* A CPU write through the file, read by the device. */
		mk_fill(a.shadow + 5000, 5000, 2 * SMALL, 3);
		CU_ASSERT_EQUAL(pwrite(fd, a.shadow + 5000, 2 * SMALL, 5000),
				(ssize_t)(2 * SMALL));
	} else {
		mk_cpu_write(&a, 5000, 2 * SMALL, 3);
	}
	CU_ASSERT_EQUAL(mk_read(&m, &a, 4096, 4 * SMALL, &wrong),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(wrong, 0);

	fork_sees_writes(&a);
	two_processes(&a);
	if (k == K_EXT4)
		writeback(&a, path, policy);
	if (fd >= 0) {
		wrong = file_diff(&a, path, fd, 0);
		CU_ASSERT_EQUAL(wrong, 0);
	}
	mk_area_dereg(&a);
	munmap(p, LEN);
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
}

#define CASES(k, name)							\
	static void test_##name##_stock(void)				\
	{								\
		shared_case(k, RODP_POLICY_MODE_STOCK);			\
	}								\
	static void test_##name##_event_aware(void)			\
	{								\
		shared_case(k, RODP_POLICY_MODE_EVENT_AWARE);		\
	}
CASES(K_ANON, anon)
CASES(K_MEMFD, memfd)
CASES(K_TMPFS, tmpfs)
CASES(K_EXT4, ext4)

/* tmpfs on a fresh directory, and ext4 on a loop device over a file in it. */
static int mounts_up(void)
{
	char cmd[256];
	FILE *f;

	if (geteuid() != 0) {
		printf("shared-mem: FAIL: needs root (mounts tmpfs and ext4)\n");
		return 1;
	}
	if (!mkdtemp(tmpfs_dir) ||
	    mount("tmpfs", tmpfs_dir, "tmpfs", 0, "size=96m")) {
		printf("shared-mem: FAIL: tmpfs on %s: %s\n", tmpfs_dir,
		       strerror(errno));
		return 1;
	}
	tmpfs_mounted = true;
	snprintf(ext4_dir, sizeof(ext4_dir), "%s/ext4", tmpfs_dir);
	if (mk_sh("modprobe -q loop; modprobe -q ext4; truncate -s 64M %s/disk",
		  tmpfs_dir) || mkdir(ext4_dir, 0700))
		return 1;
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s/disk", tmpfs_dir);
	f = popen(cmd, "r");
	if (!f || !fgets(loop_dev, sizeof(loop_dev), f)) {
		printf("shared-mem: FAIL: `%s` printed no device\n", cmd);
		if (f)
			pclose(f);
		return 1;
	}
	pclose(f);
	loop_dev[strcspn(loop_dev, "\n")] = 0;
	if (mk_sh("mkfs.ext4 -q -F %s", loop_dev) ||
	    mount(loop_dev, ext4_dir, "ext4", 0, NULL)) {
		printf("shared-mem: FAIL: ext4 on %s: %s\n", loop_dev,
		       strerror(errno));
		return 1;
	}
	ext4_mounted = true;
	printf("shared-mem: tmpfs on %s, ext4 on %s at %s\n", tmpfs_dir,
	       loop_dev, ext4_dir);
	return 0;
}

static void mounts_down(void)
{
	if (ext4_mounted)
		umount(ext4_dir);
	if (loop_dev[0])
		mk_sh("losetup -d %s", loop_dev);
	if (tmpfs_mounted) {
		umount(tmpfs_dir);
		rmdir(tmpfs_dir);
	}
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_anon_stock),
		RODP_TEST(test_anon_event_aware),
		RODP_TEST(test_memfd_stock),
		RODP_TEST(test_memfd_event_aware),
		RODP_TEST(test_tmpfs_stock),
		RODP_TEST(test_tmpfs_event_aware),
		RODP_TEST(test_ext4_stock),
		RODP_TEST(test_ext4_event_aware),
	};
	int ret = 1;

	mk_open(&m, "shared-mem", LEN);
	if (!mounts_up())
		ret = rodp_cunit_run("shared-mem", NULL, NULL, tests,
				     sizeof(tests) / sizeof(tests[0]));
	mounts_down();
	mk_close(&m);
	return ret;
}
