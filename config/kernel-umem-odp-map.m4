dnl Where an ODP umem keeps its HMM pfn list, which rodp edits to drop a
dnl page's write permission:
dnl   6.15+ (7.x):   umem_odp->map.pfn_list (struct hmm_dma_map, the
dnl                  "RDMA/umem: Store ODP access mask information in PFN"
dnl                  and dma-mapping IOVA conversion series)
dnl   up to 6.14:    umem_odp->pfn_list and umem_odp->dma_list
dnl Neither: downgrade falls back to delegate and is counted.
AC_DEFUN([RODP_AC_KERNEL_SRC_UMEM_ODP_MAP], [
	RODP_LINUX_TEST_SRC([umem_odp_hmm_map], [
#include <rdma/ib_umem_odp.h>
#include <linux/hmm.h>
	], [
	struct ib_umem_odp *odp = NULL;
	unsigned long *pfns = odp ? odp->map.pfn_list : NULL;

	(void)pfns;
	(void)HMM_PFN_WRITE;
	])
	RODP_LINUX_TEST_SRC([umem_odp_pfn_list], [
#include <rdma/ib_umem_odp.h>
#include <linux/hmm.h>
	], [
	struct ib_umem_odp *odp = NULL;
	unsigned long *pfns = odp ? odp->pfn_list : NULL;
	dma_addr_t *dmas = odp ? odp->dma_list : NULL;

	(void)pfns;
	(void)dmas;
	])
])

AC_DEFUN([RODP_AC_KERNEL_UMEM_ODP_MAP], [
	AC_MSG_CHECKING([where struct ib_umem_odp keeps its pfn list])
	RODP_LINUX_TEST_RESULT([umem_odp_hmm_map], [
		AC_MSG_RESULT([map.pfn_list])
		RODP_KERNEL_DEFINE([HAVE_UMEM_ODP_HMM_MAP],
			[umem_odp->map.pfn_list with HMM_PFN_* flags])
	], [
		RODP_LINUX_TEST_RESULT([umem_odp_pfn_list], [
			AC_MSG_RESULT([pfn_list/dma_list])
			RODP_KERNEL_DEFINE([HAVE_UMEM_ODP_PFN_LIST],
				[umem_odp->pfn_list and umem_odp->dma_list])
		], [
			AC_MSG_RESULT([unknown; downgrade will delegate])
		])
	])
])
