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
 *   uffd-rwp (7.3)   mrwprotect_range() -> change_protection(), read
 *                    lock: PTEs made PROT_NONE so every access faults to
 *                    the tracker, VM_READ/VM_WRITE unchanged, VM_UFFD_RWP
 *                    set (see rodp_vma_uffd_rwp())
 * So the VMAs the wrapper finds are stable and already carry the
 * protection the change ends with.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/userfaultfd_k.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"

/*
 * Userfaultfd read-write protect (Linux 7.3, CONFIG_USERFAULTFD_RWP)
 * revokes reads and writes through the PTEs alone: the VMA keeps VM_READ
 * and VM_WRITE, like a NUMA hint's, and only VM_UFFD_RWP tells the two
 * apart. VM_UFFD_RWP is a macro where the kernel has it (VM_NONE when the
 * option is off) and absent before 7.3, so no configure probe is needed.
 */
static bool rodp_vma_uffd_rwp(struct vm_area_struct *vma)
{
#ifdef VM_UFFD_RWP
	return vma->vm_flags & VM_UFFD_RWP;
#else
	return false;
#endif
}

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
				rodp_vma_revokes((vma->vm_flags & VM_READ) &&
						 !rodp_vma_uffd_rwp(vma),
						 vma->vm_flags & VM_WRITE,
						 userfaultfd_wp(vma),
						 dev_write));
		addr = vma->vm_end;
	}
	return revoked;
}
