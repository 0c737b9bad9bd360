// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * userfaultfd read-write protect (UFFDIO_RWPROTECT, new in Linux 7.3,
 * Debian's trixie-backports kernel) on real rxe, byte-checked, under both
 * policies.
 *
 * RWP makes the protected PTEs PROT_NONE so that every access, read or
 * write, faults to the tracker (working-set estimation), and leaves the
 * VMA's VM_READ and VM_WRITE as they were: only VM_UFFD_RWP says so. Its
 * invalidation is PROTECTION_VMA (mrwprotect_range() ->
 * change_protection()), exactly like a NUMA-balancing hint, which the
 * event-aware policy skips. For RWP a skip would let the device read and
 * write pages the tracker believes untouched, so kernel/rodp_vma.c reads
 * a VM_UFFD_RWP VMA as "read revoked" and delegates. Then a device access
 * refaults; hmm_range_fault() faults without FAULT_FLAG_ALLOW_RETRY, so
 * handle_userfault() answers VM_FAULT_SIGBUS (classic, synchronous mode):
 * the access fails with a remote access error and changes nothing,
 * exactly as for classic uffd-wp (test_protection.c).
 *
 * Checked: while protected, a device READ and a device WRITE of the range
 * fail and no byte moves; the event-aware policy delegated every
 * invalidation the protection sent; after the protection is lifted, both
 * work and the data is intact.
 *
 * Where the kernel has no RWP (UFFDIO_API refuses UFFD_FEATURE_RWP: every
 * kernel before 7.3, sid's 7.2 included) it exits 77 with that reason. Run
 * it with tests/vm/run --kernel trixie -- tests/func/test_uffd_rwp.
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

/* The 7.3 uapi (include/uapi/linux/userfaultfd.h); older headers lack it. */
#ifndef UFFD_FEATURE_RWP
#define UFFD_FEATURE_RWP ((__u64)1 << 17)
#define UFFDIO_REGISTER_MODE_RWP ((__u64)1 << 3)
#define _UFFDIO_RWPROTECT (0x09)
struct uffdio_rwprotect {
	struct uffdio_range range;
#define UFFDIO_RWPROTECT_MODE_RWP ((__u64)1 << 0)
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

/* A uffd with RWP, or -1 with errno (EINVAL: the kernel has no RWP). */
static int uffd_rwp_open(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_RWP };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int uffd_rwp(int fd, void *addr, size_t len, bool on)
{
	struct uffdio_rwprotect rwp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = on ? UFFDIO_RWPROTECT_MODE_RWP : 0,
	};

	return ioctl(fd, UFFDIO_RWPROTECT, &rwp);
}

static void rwp_case(uint32_t policy)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_RWP };
	struct rodp_stats before, after;
	struct func_fix f;
	uint64_t n;
	int fd;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	fd = uffd_rwp_open();
	CU_ASSERT_FATAL(fd >= 0);
	reg.range.start = (uintptr_t)f.buf;
	reg.range.len = f.len;
	CU_ASSERT_EQUAL_FATAL(ioctl(fd, UFFDIO_REGISTER, &reg), 0);

	func_proc_stats(rodp, &before);
	CU_ASSERT_EQUAL_FATAL(uffd_rwp(fd, f.buf + P0 * page, PN * page, true), 0);
	func_proc_stats(rodp, &after);
	n = DI(RODP_INVAL_PROTECTION_VMA);
	printf("\n    %-11s rwp: protection-vma %llu delegated %llu skipped %llu downgraded %llu",
	       policy == RODP_POLICY_STOCK ? "stock" : "event-aware",
	       (unsigned long long)n, (unsigned long long)D(delegated),
	       (unsigned long long)D(skipped),
	       (unsigned long long)D(downgraded));
	/* Reads revoked: both policies delegate every invalidation. */
	CU_ASSERT(n >= 1);
	CU_ASSERT_EQUAL(D(delegated), n);
	CU_ASSERT_EQUAL(D(skipped) + D(downgraded), 0);

	/* Neither a read nor a write reaches the protected pages. */
	CU_ASSERT_EQUAL(func_dev_read(&f, P0, PN), IBV_WC_REM_ACCESS_ERR);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 7), IBV_WC_REM_ACCESS_ERR);
	/* One page inside, at its end: also refused. */
	CU_ASSERT_EQUAL(func_dev_read(&f, P0 + PN - 1, 1), IBV_WC_REM_ACCESS_ERR);
	/* The rest of the region is not protected. */
	CU_ASSERT_EQUAL(func_dev_write(&f, 0, P0, 2), IBV_WC_SUCCESS);

	/* The tracker lifts the protection: both work, the data is intact. */
	CU_ASSERT_EQUAL_FATAL(uffd_rwp(fd, f.buf + P0 * page, PN * page, false), 0);
	CU_ASSERT_EQUAL(func_dev_read(&f, P0, PN), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(memcmp(f.loc, f.buf + P0 * page, PN * page), 0);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 1), 0);
	CU_ASSERT_EQUAL(func_dev_write(&f, P0, PN, 6), IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(f.buf + P0 * page, PN * page, 6), 0);
	CU_ASSERT_EQUAL(func_check(f.buf, P0 * page, 2), 0);
	close(fd);
	func_fix_fini(&f);
}

static void test_rwp_revokes_reads(void)
{
	rwp_case(RODP_POLICY_EVENT_AWARE);
	rwp_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_rwp_revokes_reads),
	};
	int fd, ret;

	fd = uffd_rwp_open();
	if (fd < 0) {
		printf("SKIP: no userfaultfd read-write protect here (UFFDIO_API with UFFD_FEATURE_RWP: %s; Linux 7.3 or newer)\n",
		       strerror(errno));
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
