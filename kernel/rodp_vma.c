// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: what a PROTECTION_VMA invalidation revokes from the device.
 *
 * Every sender of MMU_NOTIFY_PROTECTION_VMA holds the mm's mmap lock
 * while the notifier runs (verified in Debian's 7.2.13 sources):
 *   mprotect()       mprotect_fixup() -> change_protection(), mmap write
 *                    lock; the VMA's new flags are set before the call
 *   exec             setup_arg_pages() -> mprotect_fixup(), write lock
 *   NUMA balancing   task_numa_work() -> change_prot_numa(), mmap read
 *                    lock (trylock); PTEs made PROT_NONE, VMA unchanged
 *   uffd-wp          mwriteprotect_range() -> uffd_wp_range(), read
 *                    lock; userfaultfd_clear_vma() (unregister, release),
 *                    write lock; the VMA has VM_UFFD_WP throughout
 *   PAGEMAP_SCAN     do_pagemap_scan() with PM_SCAN_WP_MATCHING, read
 *                    lock; one range over several VMAs, of which only
 *                    uffd-wp async ones are write-protected
 *   hugetlb          hugetlb_change_protection(), from change_protection()
 *                    for the same callers; its range may grow to PUD
 *                    alignment for PMD sharing, never past the VMA
 * So the VMAs the wrapper finds are stable and already carry the
 * protection the change ends with.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/userfaultfd_k.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"

/**
 * rodp_range_revokes() - what the VMAs of a range revoke from a umem
 * @umem: the umem; its access says whether the device maps writable
 * @mm: the mm of the invalidation (range->mm)
 * @start: first byte, inside the umem
 * @end: byte after the last, inside the umem
 *
 * Walks the VMAs of [@start, @end); the strictest answer wins, and a
 * hole (no VMA) counts as reads revoked.
 *
 * Context: the caller of the notifier holds @mm's mmap lock (see above);
 * asserted. Should it not, the answer is RODP_REVOKE_READ, so the
 * invalidation is delegated as it would be without rodp.
 * Return: the enum rodp_revoke of the range.
 */
unsigned int rodp_range_revokes(struct ib_umem_odp *umem, struct mm_struct *mm,
				unsigned long start, unsigned long end)
{
	unsigned int revoked = RODP_REVOKE_NONE;
	bool dev_write = umem->umem.writable;
	struct vm_area_struct *vma;
	unsigned long addr = start;

	/* Warns when not held (lockdep: not held by this task). */
	mmap_assert_locked(mm);
	if (!rwsem_is_locked(&mm->mmap_lock))
		return RODP_REVOKE_READ;

	while (addr < end && revoked != RODP_REVOKE_READ) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			return RODP_REVOKE_READ;
		revoked = max_t(unsigned int, revoked,
				rodp_vma_revokes(vma->vm_flags & VM_READ,
						 vma->vm_flags & VM_WRITE,
						 userfaultfd_wp(vma),
						 dev_write));
		addr = vma->vm_end;
	}
	return revoked;
}
