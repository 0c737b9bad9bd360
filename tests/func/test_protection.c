// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * MMU_NOTIFY_PROTECTION_VMA on real rxe, byte-checked, under both
 * policies: what each protection change leaves the device allowed to do,
 * and what the event-aware policy (kernel/rodp_policy.h) saves.
 *
 * - mprotect(PROT_READ): an RDMA WRITE into the range completes with a
 *   remote access error and changes no byte; an RDMA READ keeps working
 *   and, event-aware, does not refault (rxe is a software device: the
 *   mapping is downgraded, not dropped); back to read-write, writes work.
 * - mprotect(PROT_NONE): reads and writes fail, nothing is read; both
 *   policies drop the mapping.
 * - A change that revokes nothing the device maps (PROT_EXEC added: the
 *   same class as a NUMA-balancing hint, whose VMA keeps its flags) is
 *   skipped event-aware: reads and writes go on without a refault, and
 *   the CPU sees the device's writes.
 * - userfaultfd write-protect (classic, UFFDIO_WRITEPROTECT): a device
 *   write into a write-protected page is never performed behind the
 *   tracker's back. How the kernel keeps that depends on its ODP fault
 *   path (see uffd_fault_waits()): up to 7.2, hmm_range_fault() faults
 *   without FAULT_FLAG_ALLOW_RETRY, so handle_userfault()
 *   (mm/userfaultfd.c) answers VM_FAULT_SIGBUS without queueing a
 *   message: the write fails with a remote access error, changes
 *   nothing, and the tracker is not told. From 7.3,
 *   ib_umem_odp_map_dma_and_lock() faults through
 *   hmm_range_fault_unlocked_timeout(), with FAULT_FLAG_ALLOW_RETRY:
 *   handle_userfault() queues a write-protect message and rxe's responder
 *   sleeps until the tracker resolves it; the test's tracker thread
 *   checks that nothing landed yet, lifts the protection, and the write
 *   lands. A tracker that never answers would leave the responder asleep
 *   and the process spinning unkillably in ibv_modify_qp() (rxe's QP
 *   reset waits for the responder): the tracker lifts the protection
 *   after UFFD_DEADLINE_S whatever happens and the case fails, printing
 *   the kernel stacks of the waiting tasks. RODP_UFFD_NO_ANSWER=1 makes
 *   the tracker answer nothing (the negative control: it must fail so).
 *   Reads keep working. After UFFDIO_WRITEPROTECT clears the
 *   protection, writes work.
 * - userfaultfd write-protect in async mode (UFFD_FEATURE_WP_ASYNC, armed
 *   by PAGEMAP_SCAN's PM_SCAN_WP_MATCHING, fs/proc/task_mmu.c): a device
 *   write clears the protection as a CPU write would (do_wp_page() in
 *   mm/memory.c resolves an async uffd-wp fault itself), so it lands and
 *   PAGEMAP_SCAN reports exactly the device-written pages as written.
 *
 * rodp's counters of this process say what the policy did with each
 * change; the fault counters around a read say whether it refaulted.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

/* Older uapi headers than the guest's (7.2) lack the async mode. */
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
#ifndef PAGEMAP_SCAN
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};

struct page_region {
	uint64_t start, end, categories;
};

#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_WRITTEN (1 << 1)
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
#endif

#define NPAGES 16
/* The protected part of the region: pages [P0, P0 + PN). */
#define P0 4
#define PN 8

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page;

#define D(field) (after.field - before.field)
#define DI(cause) (after.inval[cause] - before.inval[cause])

static const char *policy_name(uint32_t policy)
{
	return policy == RODP_POLICY_STOCK ? "stock" : "event-aware";
}

static bool aware(uint32_t policy)
{
	return policy != RODP_POLICY_STOCK;
}

/* Bytes of loc[0, n pages) that are not the 0xee fill func_dev_read puts. */
static size_t loc_changed(const struct func_fix *f, size_t n)
{
	size_t i, changed = 0;

	for (i = 0; i < n * page; i++)
		changed += f->loc[i] != 0xee;
	return changed;
}

/*
 * A device read of pages [first, +n) of a region whose bytes there are
 * the pattern of seed written from its start: it must succeed and bring
 * back exactly those bytes. Returns the faults it took (rodp's
 * fault-calls counter).
 */
static uint64_t read_ok(struct func_fix *f, size_t first, size_t n,
			uint8_t seed)
{
	struct rodp_stats before, after;

	CU_ASSERT_EQUAL(func_check_from(f->buf, first * page, n * page, seed),
			0);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(func_dev_read(f, first, n), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &after);
	CU_ASSERT_EQUAL(memcmp(f->loc, f->buf + first * page, n * page), 0);
	return D(fault_calls);
}

/*
 * Faults of device accesses after a change that kept the device's read
 * mapping: none event-aware, at least one under stock (which dropped it).
 */
static void expect_refault(uint32_t policy, uint64_t faults)
{
	CU_ASSERT(aware(policy) ? faults == 0 : faults >= 1);
}

/* What the event-aware policy must do with a protection change. */
enum want { DELEGATE, DOWNGRADE, SKIP };

/*
 * The protection change's invalidations, and what the policy did: stock
 * delegates every one; event-aware takes the wanted action on every one
 * (one action per invalidation, kernel/rodp_ops.c), and a skip counts
 * as a protection skip.
 */
static void expect_action(uint32_t policy, const struct rodp_stats *b,
			  const struct rodp_stats *a, const char *what,
			  enum want want)
{
	const struct rodp_stats before = *b, after = *a;
	uint64_t n = DI(RODP_INVAL_PROTECTION_VMA);
	uint64_t act[] = {
		[DELEGATE] = D(delegated), [DOWNGRADE] = D(downgraded),
		[SKIP] = D(skipped),
	};

	printf("\n    %-13s %-11s protection-vma %llu delegated %llu downgraded %llu skip-protection %llu",
	       what, policy_name(policy), (unsigned long long)n,
	       (unsigned long long)D(delegated),
	       (unsigned long long)D(downgraded),
	       (unsigned long long)D(skip_protection));
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(act[DELEGATE] + act[DOWNGRADE] + act[SKIP], n);
	CU_ASSERT_EQUAL(act[aware(policy) ? want : DELEGATE], n);
	CU_ASSERT_EQUAL(D(skip_protection), D(skipped));
}

/* ---- mprotect(PROT_READ) --------------------------------------------- */

static void read_only_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;
	uint64_t faults;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf + P0 * page, PN * page,
				       PROT_READ), 0);
	func_proc_stats(rodp, &after);
	/* Write revoked, read kept: rxe is a software device. */
	expect_action(policy, &before, &after, "mprotect ro", DOWNGRADE);

	/* Reads go on; event-aware kept the (downgraded) mapping. */
	faults = read_ok(&f, P0, PN, 1);
	printf(", read took %llu faults", (unsigned long long)faults);
	expect_refault(policy, faults);

	/* A write fails as a remote access error and changes no byte. */
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 7), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 1), 0);
	/* One page inside, at its end: also refused. */
	CU_ASSERT_EQUAL(func_dev_write(&f, P0 + PN - 1, 1, 7),
			IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 1), 0);
	/* The writable rest takes writes, and reads still see the data. */
	CU_ASSERT_EQUAL(func_dev_write(&f, P0 + PN, NPAGES - P0 - PN, 3),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + (P0 + PN) * page,
				   (NPAGES - P0 - PN) * page, 3), 0);
	read_ok(&f, P0, PN, 1);

	/* Back to read-write (nothing revoked: skipped event-aware). */
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf + P0 * page, PN * page,
				       PROT_READ | PROT_WRITE), 0);
	func_proc_stats(rodp, &after);
	expect_action(policy, &before, &after, "mprotect rw", SKIP);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 7), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 7), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 1), 0);
	func_fix_fini(&f);
}

static void test_mprotect_read_only(void)
{
	read_only_case(RODP_POLICY_EVENT_AWARE);
	read_only_case(RODP_POLICY_STOCK);
}

/* ---- mprotect(PROT_NONE) --------------------------------------------- */

static void none_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf + P0 * page, PN * page,
				       PROT_NONE), 0);
	func_proc_stats(rodp, &after);
	/* Read revoked: delegated by both policies. */
	expect_action(policy, &before, &after, "mprotect none", DELEGATE);

	/* Reads fail and bring nothing back; writes fail. */
	CU_ASSERT_EQUAL(func_dev_read(&f, P0, PN), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(loc_changed(&f, PN), 0);
	CU_ASSERT_EQUAL(func_dev_read(&f, P0 + 1, 1), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(loc_changed(&f, 1), 0);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 7), IBV_WC_REM_ACCESS_ERR);
	/* The rest of the region still works both ways. */
	read_ok(&f, 0, P0, 1);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0 + PN, NPAGES - P0 - PN, 3),
			IBV_WC_SUCCESS);

	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf + P0 * page, PN * page,
				       PROT_READ | PROT_WRITE), 0);
	/* The failed write changed nothing. */
	CU_ASSERT_EQUAL(func_check(f.buf, (P0 + PN) * page, 1), 0);
	CU_ASSERT_EQUAL(func_check(f.buf + (P0 + PN) * page,
				   (NPAGES - P0 - PN) * page, 3), 0);
	read_ok(&f, P0, PN, 1);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 8), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 8), 0);
	func_fix_fini(&f);
}

static void test_mprotect_none(void)
{
	none_case(RODP_POLICY_EVENT_AWARE);
	none_case(RODP_POLICY_STOCK);
}

/* ---- nothing revoked: the NUMA-hint class ---------------------------- */

static void nothing_revoked_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;
	uint64_t faults;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(mprotect(f.buf, f.len, PROT_READ | PROT_WRITE |
				       PROT_EXEC), 0);
	func_proc_stats(rodp, &after);
	expect_action(policy, &before, &after, "mprotect +x", SKIP);

	/* The device keeps reading and writing without a fault... */
	faults = read_ok(&f, 0, NPAGES, 1);
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, NPAGES, 5), IBV_WC_SUCCESS);
	func_proc_stats(rodp, &after);
	faults += D(fault_calls);
	printf(", read+write took %llu faults", (unsigned long long)faults);
	expect_refault(policy, faults);
	/* ... into the very pages the CPU sees. */
	CU_ASSERT_EQUAL(func_check(f.buf, f.len, 5), 0);
	func_fix_fini(&f);
}

static void test_nothing_revoked(void)
{
	nothing_revoked_case(RODP_POLICY_EVENT_AWARE);
	nothing_revoked_case(RODP_POLICY_STOCK);
}

/* ---- userfaultfd write-protect (classic) ----------------------------- */

static int uffd_open_wp(void *addr, size_t len, uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		printf("\n    userfaultfd: %s", strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg)) {
		printf("\n    UFFDIO_API/REGISTER: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int uffd_wp(int fd, void *addr, size_t len, bool on)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
}

/* A message waiting on the uffd (none expected: see the header). */
static bool uffd_has_msg(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/*
 * Whether a device fault on a uffd-wp page waits for the tracker (7.3 and
 * later, see the header) rather than failing: the kernel has
 * hmm_range_fault_unlocked_timeout(), which ib_umem_odp_map_dma_and_lock()
 * uses from 7.3 on.
 */
static bool uffd_fault_waits(void)
{
	static int waits = -1;
	char line[256];
	FILE *f;

	if (waits >= 0)
		return waits;
	waits = 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	while (!waits && fgets(line, sizeof(line), f))
		waits = strstr(line, " hmm_range_fault_unlocked_timeout\n") != NULL;
	fclose(f);
	return waits;
}

/* How long a device write may wait on the uffd before the tracker lifts
 * the protection by force (TCG is slow; the answer takes milliseconds). */
#define UFFD_DEADLINE_S 30

/*
 * The tracker: a thread that reads the uffd's messages while the main
 * thread's device write runs, and answers each by lifting the protection
 * of [lo, +len) (unless told not to). It checks the protected pages
 * still hold the fixture's data when the first message comes: the write
 * has not landed behind its back.
 */
struct tracker {
	int fd;
	char *lo;
	size_t len;
	const struct func_fix *f;
	bool answer;
	pid_t main_tid;
	atomic_bool done;		/* the main thread's write returned */
	/* results, read after the join */
	unsigned int msgs, bad_msgs;
	size_t wrong_at_msg;		/* bytes changed at the first message */
	bool deadline_hit;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Prints a task's kernel stack (root only), each line indented; nothing
 * when it has none to show (a running task's is empty).
 */
static void print_stack(const char *path, const char *who)
{
	char line[256];
	bool first = true;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (first)
			printf("\n    kernel stack of %s:", who);
		first = false;
		line[strcspn(line, "\n")] = 0;
		printf("\n      %s", line);
	}
	fclose(f);
}

/* A thread's state letter and its system time in clock ticks. */
static bool thread_stat(pid_t tid, char *state, unsigned long long *stime)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after "pid (comm) ": state, then stime is the 13th field on */
	p = strrchr(buf, ')');
	return p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %llu",
			   state, stime) == 2;
}

/*
 * The main thread (its kernel stack, or, when it is running, whether it
 * spends its time in the kernel: a reset QP waits for its responder in a
 * cond_resched() loop) and every task in handle_userfault().
 */
static void print_waiters(pid_t main_tid)
{
	char path[600], stack[4096], comm[64], who[700], state = '?';
	unsigned long long st0 = 0, st1 = 0;
	struct dirent *d, *t;
	DIR *procs, *tasks;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)main_tid);
	print_stack(path, "the test's main thread");
	if (thread_stat(main_tid, &state, &st0)) {
		sleep(1);
		thread_stat(main_tid, &state, &st1);
		printf("\n    the test's main thread: state %c, %llu of %ld clock ticks in the kernel over the last second",
		       state, st1 - st0, sysconf(_SC_CLK_TCK));
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
			 (int)main_tid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(stack, sizeof(stack), f))
				printf(", syscall %s", strtok(stack, "\n"));
			fclose(f);
		}
	}
	procs = opendir("/proc");
	if (!procs)
		return;
	while ((d = readdir(procs))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 d->d_name, t->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			n = fread(stack, 1, sizeof(stack) - 1, f);
			fclose(f);
			stack[n] = 0;
			if (!strstr(stack, "handle_userfault"))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/comm",
				 d->d_name, t->d_name);
			comm[0] = 0;
			f = fopen(path, "r");
			if (f) {
				if (!fgets(comm, sizeof(comm), f))
					comm[0] = 0;
				comm[strcspn(comm, "\n")] = 0;
				fclose(f);
			}
			snprintf(who, sizeof(who), "task %s (%s), in handle_userfault",
				 t->d_name, comm);
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 d->d_name, t->d_name);
			print_stack(path, who);
		}
		closedir(tasks);
	}
	closedir(procs);
}

static void *tracker_main(void *arg)
{
	struct tracker *tr = arg;
	double deadline = mono_now() + UFFD_DEADLINE_S;
	struct pollfd p = { .fd = tr->fd, .events = POLLIN };
	uintptr_t lo = (uintptr_t)tr->lo;
	struct uffd_msg msg;

	while (!atomic_load(&tr->done)) {
		if (poll(&p, 1, 50) == 1 &&
		    read(tr->fd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
			if (!tr->msgs++)
				tr->wrong_at_msg = func_check_from(tr->f->buf,
						(size_t)(tr->lo - (char *)tr->f->buf),
						tr->len, 1);
			if (msg.event != UFFD_EVENT_PAGEFAULT ||
			    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) ||
			    msg.arg.pagefault.address < lo ||
			    msg.arg.pagefault.address >= lo + tr->len)
				tr->bad_msgs++;
			if (tr->answer)
				uffd_wp(tr->fd, tr->lo, tr->len, false);
		}
		if (!tr->deadline_hit && mono_now() > deadline) {
			tr->deadline_hit = true;
			printf("\n    uffd tracker: the device write has not returned after %d s (%u messages)",
			       UFFD_DEADLINE_S, tr->msgs);
			print_waiters(tr->main_tid);
			printf("\n    uffd tracker: lifting the protection so that it can return");
			uffd_wp(tr->fd, tr->lo, tr->len, false);
		}
	}
	return NULL;
}

static void uffd_wp_case(uint32_t policy)
{
	const char *no_answer = getenv("RODP_UFFD_NO_ANSWER");
	bool waits = uffd_fault_waits();
	struct rodp_stats before, after;
	struct tracker tr;
	struct func_fix f;
	pthread_t thread;
	uint64_t faults;
	int fd, st;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	fd = uffd_open_wp(f.buf, f.len, 0);
	CU_ASSERT_FATAL(fd >= 0);

	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(uffd_wp(fd, f.buf + P0 * page, PN * page, true),
			      0);
	func_proc_stats(rodp, &after);
	expect_action(policy, &before, &after, "uffd-wp", DOWNGRADE);

	faults = read_ok(&f, P0, PN, 1);
	printf(", read took %llu faults", (unsigned long long)faults);
	expect_refault(policy, faults);

	/* The device write, with the tracker watching the uffd. */
	memset(&tr, 0, sizeof(tr));
	tr.fd = fd;
	tr.lo = (char *)f.buf + P0 * page;
	tr.len = PN * page;
	tr.f = &f;
	tr.answer = !(no_answer && *no_answer && strcmp(no_answer, "0"));
	tr.main_tid = (pid_t)syscall(SYS_gettid);
	atomic_init(&tr.done, false);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, tracker_main, &tr),
			      0);
	st = func_dev_write(&f, P0, PN, 7);
	atomic_store(&tr.done, true);
	pthread_join(thread, NULL);
	printf(", device write into the protected pages: %s, %u uffd messages (fault %s)%s",
	       st < 0 ? "no completion" : ibv_wc_status_str(st), tr.msgs,
	       waits ? "waits for the tracker" : "refused",
	       tr.answer ? "" : ", tracker answering nothing");
	CU_ASSERT_FALSE(tr.deadline_hit);
	CU_ASSERT_EQUAL(tr.bad_msgs, 0);
	if (waits) {
		/* Told first, with nothing landed; then the write lands. */
		CU_ASSERT(tr.msgs >= 1);
		CU_ASSERT_EQUAL(tr.wrong_at_msg, 0);
		CU_ASSERT_EQUAL(st, IBV_WC_SUCCESS);
		CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 7), 0);
		CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 1), 0);
	} else {
		/* Refused: nothing lands, nothing is lost, nobody is told. */
		CU_ASSERT_EQUAL(tr.msgs, 0);
		CU_ASSERT_EQUAL(st, IBV_WC_REM_ACCESS_ERR);
		CU_ASSERT_EQUAL(func_check(f.buf, f.len, 1), 0);
	}
	CU_ASSERT_FALSE(uffd_has_msg(fd));
	/* Pages outside the protected range take writes. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, P0, 2), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 2), 0);

	/* The tracker lifts the protection: the device writes again. */
	CU_ASSERT_EQUAL_FATAL(uffd_wp(fd, f.buf + P0 * page, PN * page, false),
			      0);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 6), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 6), 0);
	CU_ASSERT_EQUAL(func_check_from(f.buf, (P0 + PN) * page,
					(NPAGES - P0 - PN) * page, 1), 0);
	close(fd);
	func_fix_fini(&f);
}

static void test_uffd_wp(void)
{
	uffd_wp_case(RODP_POLICY_EVENT_AWARE);
	uffd_wp_case(RODP_POLICY_STOCK);
}

/* ---- userfaultfd write-protect, async (PAGEMAP_SCAN) ------------------ */

/*
 * PAGEMAP_SCAN over [addr, +len) for written pages, write-protecting
 * them when wp: the number of written pages, -1 on error.
 */
static long scan_written(int pagemap, void *addr, size_t len, bool wp)
{
	struct page_region vec[NPAGES];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = wp ? PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC : 0,
		.start = (uintptr_t)addr, .end = (uintptr_t)addr + len,
		.vec = (uintptr_t)vec, .vec_len = NPAGES,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	long i, n = ioctl(pagemap, PAGEMAP_SCAN, &arg), pages = 0;

	if (n < 0) {
		printf("\n    PAGEMAP_SCAN: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		pages += (long)((vec[i].end - vec[i].start) / page);
	return pages;
}

static void uffd_async_case(uint32_t policy)
{
	struct rodp_stats before, after;
	struct func_fix f;
	int fd, pagemap;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	fd = uffd_open_wp(f.buf, f.len, UFFD_FEATURE_WP_ASYNC);
	CU_ASSERT_FATAL(fd >= 0);
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(pagemap >= 0);

	/* Arm: every page was written (the fixture's warm-up). */
	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL(scan_written(pagemap, f.buf, f.len, true), NPAGES);
	func_proc_stats(rodp, &after);
	expect_action(policy, &before, &after, "pagemap-scan wp", DOWNGRADE);
	CU_ASSERT_EQUAL(scan_written(pagemap, f.buf, f.len, false), 0);

	/* The device writes pages [P0, +PN): they land and show written. */
	read_ok(&f, 0, NPAGES, 1);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 4), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 4), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 1), 0);
	CU_ASSERT_EQUAL(scan_written(pagemap, f.buf, f.len, false), PN);
	CU_ASSERT_EQUAL(scan_written(pagemap, f.buf + P0 * page, PN * page,
				     false), PN);
	CU_ASSERT_FALSE(uffd_has_msg(fd));
	close(pagemap);
	close(fd);
	func_fix_fini(&f);
}

static void test_uffd_wp_async(void)
{
	uffd_async_case(RODP_POLICY_EVENT_AWARE);
	uffd_async_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_mprotect_read_only),
		RODP_TEST(test_mprotect_none),
		RODP_TEST(test_nothing_revoked),
		RODP_TEST(test_uffd_wp),
		RODP_TEST(test_uffd_wp_async),
	};
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("protection", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
