// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: read the write permission of an ODP umem's pages, and drop it.
 *
 * A software RDMA device (rxe) has no page table of its own: before each
 * copy it checks HMM_PFN_VALID and HMM_PFN_WRITE in the umem's pfn list
 * under umem_mutex, and refaults through ib_umem_odp_map_dma_and_lock()
 * when a bit is missing. Clearing HMM_PFN_WRITE therefore revokes the
 * device's write access to a page while its reads keep working; the next
 * device write refaults, and the CPU write fault breaks COW and marks the
 * page soft-dirty.
 *
 * The pfn list format differs between kernels (configure probes it):
 *   HAVE_UMEM_ODP_HMM_MAP   umem_odp->map.pfn_list, HMM_PFN_* flags (6.15+)
 * Anything else, or a driver not known to check HMM_PFN_WRITE
 * (rodp_trust.h): rodp_can_downgrade() says no and the caller delegates
 * (counted as RODP_STAT_ACT_FALLBACK); rodp_umem_any_writable() answers
 * "yes", which makes the policy delegate too.
 *
 * The list has one entry per PAGE_SIZE page whatever the umem's page_shift:
 * ib_init_umem_odp() sizes it in PAGE_SIZE units and hmm_range_fault() fills
 * one entry per small page, also for an IB_ACCESS_HUGETLB umem (page_shift
 * HPAGE_SHIFT), and rxe reads it that way. So this file walks it in
 * PAGE_SIZE steps, over whole umem pages: a huge page is faulted, mapped and
 * write-protected as one.
 */
#include <linux/hmm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"

#ifdef HAVE_UMEM_ODP_HMM_MAP
/*
 * The pfn-list entries, in PAGE_SIZE units, of the umem pages that
 * [@start, @end) touches: [*@first, *@last).
 */
static void rodp_umem_entries(struct ib_umem_odp *umem, unsigned long start,
			      unsigned long end, size_t *first, size_t *last)
{
	unsigned long page = BIT(umem->page_shift);

	start = ALIGN_DOWN(start, page);
	end = min(ALIGN(end, page), ib_umem_end(umem));
	*first = (start - ib_umem_start(umem)) >> PAGE_SHIFT;
	*last = end > start ? (end - ib_umem_start(umem)) >> PAGE_SHIFT :
			      *first;
}
#endif

/**
 * rodp_can_downgrade() - can rodp drop write permission in this region?
 * @region: the region, or NULL
 *
 * Only for a known pfn-list format, only on a device without DMA
 * mappings in the list (a virtual-DMA, software device), where the pfn
 * list is the device's page table, and only when that device's driver is
 * known to check HMM_PFN_WRITE before a device write (@wp_trusted).
 *
 * Return: true if rodp_umem_downgrade() may be used on @region's umem.
 */
bool rodp_can_downgrade(struct rodp_region *region)
{
#ifdef HAVE_UMEM_ODP_HMM_MAP
	return region && region->kind == RODP_DEVICE_SOFTWARE &&
	       region->virt_dma && region->wp_trusted;
#else
	return false;
#endif
}

/**
 * rodp_wp_enforced() - does the device honour a pfn's missing write bit?
 * @region: the region, or NULL
 *
 * A hardware device maps a page writable in its own page table only when
 * the pfn has HMM_PFN_WRITE; a software device reads the pfn list itself
 * and honours the bit only if its driver is trusted (rodp_trust.h). When
 * this is false a valid entry must be taken as writable: skipping a
 * soft-dirty clear because no entry has HMM_PFN_WRITE would let the device
 * write without a fault and leave the page clean.
 *
 * Return: true if a valid entry without HMM_PFN_WRITE is read-only for
 * @region's device.
 */
bool rodp_wp_enforced(struct rodp_region *region)
{
	return region && (region->kind == RODP_DEVICE_HARDWARE ||
			  region->wp_trusted);
}

/**
 * rodp_umem_any_writable() - is a page of a range mapped writable?
 * @umem: the umem
 * @start: first byte, inside the umem
 * @end: byte after the last, inside the umem
 *
 * Context: umem_mutex held, after mmu_interval_set_seq().
 * Return: true if some page of [@start, @end) is valid and writable in
 * @umem's pfn list, or if the pfn-list format is unknown.
 */
bool rodp_umem_any_writable(struct ib_umem_odp *umem, unsigned long start,
			    unsigned long end)
{
#ifdef HAVE_UMEM_ODP_HMM_MAP
	const unsigned long rw = HMM_PFN_VALID | HMM_PFN_WRITE;
	size_t idx, last;

	lockdep_assert_held(&umem->umem_mutex);

	rodp_umem_entries(umem, start, end, &idx, &last);
	for (; idx < last; idx++)
		if ((umem->map.pfn_list[idx] & rw) == rw)
			return true;
	return false;
#else
	return true;
#endif
}

/**
 * rodp_umem_downgrade() - drop the write permission of mapped pages
 * @umem: the umem
 * @start: first byte, inside the umem
 * @end: byte after the last, inside the umem
 *
 * Each page that is valid and writable is marked dirty first (the device
 * may have written it; set_page_dirty() on the head page, relying on
 * umem_mutex as ib_umem_odp_unmap_dma_pages() does), then loses
 * HMM_PFN_WRITE. Valid read-only and invalid entries are left alone.
 *
 * Context: umem_mutex held, after mmu_interval_set_seq();
 * rodp_can_downgrade() was true for the umem's region, so the pfn-list
 * format is known (without it this does nothing).
 */
void rodp_umem_downgrade(struct ib_umem_odp *umem, unsigned long start,
			 unsigned long end)
{
#ifdef HAVE_UMEM_ODP_HMM_MAP
	const unsigned long rw = HMM_PFN_VALID | HMM_PFN_WRITE;
	size_t idx, last;

	lockdep_assert_held(&umem->umem_mutex);

	rodp_umem_entries(umem, start, end, &idx, &last);
	for (; idx < last; idx++) {
		unsigned long pfn = umem->map.pfn_list[idx];

		if ((pfn & rw) != rw)
			continue;
		set_page_dirty(compound_head(hmm_pfn_to_page(pfn)));
		umem->map.pfn_list[idx] = pfn & ~HMM_PFN_WRITE;
	}
#endif
}
