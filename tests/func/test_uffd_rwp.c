// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * userfaultfd read-write protect (UFFDIO_RWPROTECT, new in Linux 7.3,
 * Debian's trixie-backports kernel) on real rxe, byte-checked, under both
 * policies: the tracker is told of every device access to protected
 * pages, before the access happens.
 *
 * RWP makes the protected PTEs PROT_NONE so that every access, read or
 * write, faults to the tracker (working-set estimation), and leaves the
 * VMA's VM_READ and VM_WRITE as they were: only VM_UFFD_RWP says so. Its
 * invalidation is PROTECTION_VMA (mrwprotect_range() ->
 * change_protection()), exactly like a NUMA-balancing hint, which the
 * event-aware policy skips. For RWP a skip would leave the device its
 * mapping: it would read and write pages the tracker believes untouched,
 * and the tracker would never hear of it. So kernel/rodp_vma.c reads a
 * VM_UFFD_RWP VMA as "read revoked" and delegates. A device access then
 * refaults, and on 7.3 (ib_umem_odp_map_dma_and_lock() faults through
 * hmm_range_fault_unlocked_timeout(), with FAULT_FLAG_ALLOW_RETRY)
 * do_uffd_rwp() -> handle_userfault() queues a pagefault message with
 * UFFD_PAGEFAULT_FLAG_RWP and rxe's responder sleeps until the tracker
 * lifts the protection (UFFDIO_RWPROTECT, mode 0).
 *
 * Checked, under event-aware and stock:
 * - protecting sends PROTECTION_VMA invalidations and every one is
 *   delegated (none skipped, none downgraded), at the first protection
 *   and again at a re-protection after the device mapped the pages;
 * - pages of the region outside the protected range are read and written
 *   by the device with no message;
 * - a device READ of the protected pages: the tracker (uffd_tracker.c, a
 *   thread) gets at least one pagefault message, every one with
 *   UFFD_PAGEFAULT_FLAG_RWP inside the range, while nothing has been read
 *   back yet; it lifts the protection and the read completes with the
 *   right bytes;
 * - re-protected, a device WRITE likewise: the message comes first with
 *   nothing landed (the tracker lifts the protection without waking the
 *   device's fault, checks the bytes, then wakes it), then the write
 *   lands, and only in the protected pages;
 * - the tracker's deadline (UFFD_DEADLINE_S) is never hit: a hit means the
 *   device's access was stuck, and fails the case.
 * RODP_UFFD_NO_ANSWER=1 makes the tracker answer nothing: the negative
 * control, which must fail on the deadline.
 *
 * Where the kernel has no RWP (UFFDIO_API refuses UFFD_FEATURE_RWP: every
 * kernel before 7.3, sid's 7.2 included, or CONFIG_USERFAULTFD_RWP off)
 * it exits 77 with that reason, which tests/vm/capability-skips lists for
 * sid; it runs in the trixie suite of tests/vm/check-guest
 * (tests/vm/run --kernel trixie -- tests/func/test_uffd_rwp).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"
#include "uffd_tracker.h"

/*
 * The 7.3 uapi (include/uapi/linux/userfaultfd.h of linux-source-7.3);
 * older headers lack it.
 */
#ifndef UFFD_FEATURE_RWP
#define UFFD_FEATURE_RWP ((__u64)1 << 17)
#endif
#ifndef UFFDIO_REGISTER_MODE_RWP
#define UFFDIO_REGISTER_MODE_RWP ((__u64)1 << 3)
#endif
#ifndef UFFD_PAGEFAULT_FLAG_RWP
#define UFFD_PAGEFAULT_FLAG_RWP (1 << 3)
#endif
#ifndef UFFDIO_RWPROTECT
#define _UFFDIO_RWPROTECT (0x09)
struct uffdio_rwprotect {
	struct uffdio_range range;
#define UFFDIO_RWPROTECT_MODE_RWP ((__u64)1 << 0)
#define UFFDIO_RWPROTECT_MODE_DONTWAKE ((__u64)1 << 1)
	__u64 mode;
};
#define UFFDIO_RWPROTECT _IOWR(UFFDIO, _UFFDIO_RWPROTECT, struct uffdio_rwprotect)
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

/*
 * A uffd with RWP, or -1 with errno and *what naming the call that
 * failed (UFFDIO_API with EINVAL: the kernel has no RWP).
 */
static int uffd_rwp_open(const char **what)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_RWP };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), err;

	*what = "userfaultfd()";
	if (fd < 0)
		return -1;
	*what = "UFFDIO_API with UFFD_FEATURE_RWP";
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* UFFDIO_RWPROTECT of [addr, +len): on, or off waking the faulting tasks. */
static int uffd_rwp(int fd, void *addr, size_t len, bool on)
{
	struct uffdio_rwprotect rwp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = on ? UFFDIO_RWPROTECT_MODE_RWP : 0,
	};

	return ioctl(fd, UFFDIO_RWPROTECT, &rwp);
}

/* The tracker's lift: UFFDIO_RWPROTECT mode 0, or _MODE_DONTWAKE. */
static int uffd_rwp_lift(int fd, void *addr, size_t len, bool wake)
{
	struct uffdio_rwprotect rwp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = wake ? 0 : UFFDIO_RWPROTECT_MODE_DONTWAKE,
	};

	return ioctl(fd, UFFDIO_RWPROTECT, &rwp);
}

static const struct uffd_tracker_kind uffd_rwp_kind = {
	.flag = UFFD_PAGEFAULT_FLAG_RWP,
	.lift = uffd_rwp_lift,
	/* The CPU cannot read RWP-protected pages either (the tracker
	 * would fault on its own uffd). */
	.check_needs_lift = true,
};

/* Bytes of loc[0, PN pages) that are not the 0xee fill of func_dev_read. */
static size_t read_back(void *arg)
{
	const struct func_fix *f = arg;
	size_t i, changed = 0;

	for (i = 0; i < PN * page; i++)
		changed += f->loc[i] != 0xee;
	return changed;
}

/* Bytes of the protected pages that are not the fixture's data any more. */
static size_t write_landed(void *arg)
{
	const struct func_fix *f = arg;

	return func_check_from(f->buf, P0 * page, PN * page, 1);
}

/* Outside the protected range no check can be wrong: no message comes. */
static size_t nothing(void *arg)
{
	(void)arg;
	return 0;
}

/*
 * A device access (a read of pages [first, +n), or a write of them with
 * the pattern of seed) while a tracker answers messages about pages
 * [lo, +nlo) with check at the first: the completion status (as
 * lb_rdma()), the tracker's findings in *tr.
 */
static int tracked(struct func_fix *f, int fd, struct uffd_tracker *tr,
		   size_t lo, size_t nlo, uffd_check_fn check, bool write,
		   size_t first, size_t n, uint8_t seed)
{
	int st;

	memset(tr, 0, sizeof(*tr));
	tr->kind = &uffd_rwp_kind;
	tr->fd = fd;
	tr->lo = (char *)f->buf + lo * page;
	tr->len = nlo * page;
	tr->check = check;
	tr->check_arg = f;
	tr->access = write ? "write" : "read";
	tr->answer = !uffd_no_answer();
	CU_ASSERT_EQUAL_FATAL(uffd_tracker_start(tr), 0);
	st = write ? func_dev_write(f, first, n, seed) : func_dev_read(f, first, n);
	uffd_tracker_stop(tr);
	printf(", device %s of pages %zu-%zu: %s, %u uffd messages (%u bad, %zu bytes wrong at the first)%s%s",
	       tr->access, first, first + n - 1,
	       st < 0 ? "no completion" : ibv_wc_status_str(st), tr->msgs,
	       tr->bad_msgs, tr->wrong_at_msg,
	       tr->answer ? "" : ", tracker answering nothing",
	       tr->deadline_hit ? ", DEADLINE HIT" : "");
	return st;
}

/*
 * Protects [P0, +PN) and checks what the policy did: both policies
 * delegate every invalidation (read revoked).
 */
static void protect(struct func_fix *f, int fd, uint32_t policy,
		    const char *what)
{
	struct rodp_stats before, after;
	uint64_t n;

	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(uffd_rwp(fd, f->buf + P0 * page, PN * page, true),
			      0);
	func_proc_stats(rodp, &after);
	n = DI(RODP_INVAL_PROTECTION_VMA);
	printf("\n    %-11s %s: protection-vma %llu delegated %llu skipped %llu downgraded %llu",
	       policy_name(policy), what, (unsigned long long)n,
	       (unsigned long long)D(delegated),
	       (unsigned long long)D(skipped),
	       (unsigned long long)D(downgraded));
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(D(delegated), n);
	CU_ASSERT_EQUAL(D(skipped), 0);
	CU_ASSERT_EQUAL(D(skip_protection), 0);
	CU_ASSERT_EQUAL(D(downgraded), 0);
}

/*
 * Lifts the protection before the CPU looks at the protected pages: the
 * tracker did already when a message came, but when none came (the
 * failure this test is for) the main thread's own read would fault to a
 * uffd that nobody reads any more, and hang instead of failing.
 */
static void lift(struct func_fix *f, int fd)
{
	CU_ASSERT_EQUAL_FATAL(uffd_rwp(fd, f->buf + P0 * page, PN * page,
				       false), 0);
}

static void rwp_case(uint32_t policy)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_RWP };
	struct uffd_tracker tr;
	struct func_fix f;
	const char *what;
	int fd, st;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	fd = uffd_rwp_open(&what);
	CU_ASSERT_FATAL(fd >= 0);
	reg.range.start = (uintptr_t)f.buf;
	reg.range.len = f.len;
	CU_ASSERT_EQUAL_FATAL(ioctl(fd, UFFDIO_REGISTER, &reg), 0);

	protect(&f, fd, policy, "rwp");

	/* Outside the range: the device reads and writes, nobody is told
	 * (a tracker over the whole region would answer a stray fault). */
	st = tracked(&f, fd, &tr, 0, NPAGES, nothing, false, 0, P0, 0);
	CU_ASSERT_EQUAL(st, IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(memcmp(f.loc, f.buf, P0 * page), 0);
	CU_ASSERT_EQUAL(tr.msgs, 0);
	CU_ASSERT_FALSE(tr.deadline_hit);
	st = tracked(&f, fd, &tr, 0, NPAGES, nothing, true, P0 + PN,
		     NPAGES - P0 - PN, 3);
	CU_ASSERT_EQUAL(st, IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(tr.msgs, 0);
	CU_ASSERT_FALSE(tr.deadline_hit);

	/* A device read of the protected pages: told first, then read. */
	st = tracked(&f, fd, &tr, P0, PN, read_back, false, P0, PN, 0);
	lift(&f, fd);
	CU_ASSERT_FALSE(tr.deadline_hit);
	CU_ASSERT(tr.msgs >= 1);
	CU_ASSERT_EQUAL(tr.bad_msgs, 0);
	CU_ASSERT_EQUAL(tr.wrong_at_msg, 0);
	CU_ASSERT_EQUAL(st, IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(memcmp(f.loc, f.buf + P0 * page, PN * page), 0);
	CU_ASSERT_EQUAL(func_check_from(f.buf, P0 * page, PN * page, 1), 0);
	CU_ASSERT_FALSE(uffd_has_msg(fd));

	/* Re-protected (the device mapped the pages again): a write. */
	protect(&f, fd, policy, "rwp again");
	st = tracked(&f, fd, &tr, P0, PN, write_landed, true, P0, PN, 7);
	lift(&f, fd);
	CU_ASSERT_FALSE(tr.deadline_hit);
	CU_ASSERT(tr.msgs >= 1);
	CU_ASSERT_EQUAL(tr.bad_msgs, 0);
	CU_ASSERT_EQUAL(tr.wrong_at_msg, 0);
	CU_ASSERT_EQUAL(st, IBV_WC_SUCCESS);
	CU_ASSERT_FALSE(uffd_has_msg(fd));

	/* The protection is lifted: every byte is where it belongs. */
	CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 1), 0);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 7), 0);
	CU_ASSERT_EQUAL(func_check(f.buf + (P0 + PN) * page,
				   (NPAGES - P0 - PN) * page, 3), 0);
	close(fd);
	func_fix_fini(&f);
}

static void test_rwp_tracker_told(void)
{
	rwp_case(RODP_POLICY_EVENT_AWARE);
	rwp_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_rwp_tracker_told),
	};
	const char *what;
	int fd, ret;

	fd = uffd_rwp_open(&what);
	if (fd < 0) {
		printf("SKIP: no userfaultfd read-write protect here (%s: %s; Linux 7.3 or newer)\n",
		       what, strerror(errno));
		return RODP_TEST_SKIP;
	}
	close(fd);
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("uffd_rwp", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
