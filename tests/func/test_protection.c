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
 *   the kernel stacks of the waiting tasks (the tracker is shared with
 *   test_uffd_rwp: uffd_tracker.c). RODP_UFFD_NO_ANSWER=1 makes
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

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"
#include "uffd_tracker.h"

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

/* The tracker's lift: UFFDIO_WRITEPROTECT off, waking the faulting task or not. */
static int uffd_wp_lift(int fd, void *addr, size_t len, bool wake)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = wake ? 0 : UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
}

static const struct uffd_tracker_kind uffd_wp_kind = {
	.flag = UFFD_PAGEFAULT_FLAG_WP,
	.lift = uffd_wp_lift,
	.check_needs_lift = false,	/* write-protected pages read fine */
};

/* Bytes of the protected pages that are not the fixture's data any more. */
static size_t wp_landed(void *arg)
{
	const struct func_fix *f = arg;

	return func_check_from(f->buf, P0 * page, PN * page, 1);
}

static void uffd_wp_case(uint32_t policy)
{
	bool waits = uffd_fault_waits();
	struct rodp_stats before, after;
	struct uffd_tracker tr;
	struct func_fix f;
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
	tr.kind = &uffd_wp_kind;
	tr.fd = fd;
	tr.lo = (char *)f.buf + P0 * page;
	tr.len = PN * page;
	tr.check = wp_landed;
	tr.check_arg = &f;
	tr.access = "write";
	tr.answer = !uffd_no_answer();
	CU_ASSERT_EQUAL_FATAL(uffd_tracker_start(&tr), 0);
	st = func_dev_write(&f, P0, PN, 7);
	uffd_tracker_stop(&tr);
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
