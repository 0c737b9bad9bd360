dnl ib_umem_odp_get() has taken the driver's mmu_interval_notifier_ops as
dnl its last argument since 5.10 (ops replaced the per_mm invalidate hooks);
dnl rodp's attach kprobe rewrites exactly that argument.
AC_DEFUN([RODP_AC_KERNEL_SRC_UMEM_ODP_GET], [
	RODP_LINUX_TEST_SRC([umem_odp_get_ops], [
#include <rdma/ib_umem_odp.h>
	], [
	struct ib_umem_odp *(*get)(struct ib_device *, unsigned long, size_t,
				   int, const struct mmu_interval_notifier_ops *);

	get = ib_umem_odp_get;
	(void)get;
	])
])

AC_DEFUN([RODP_AC_KERNEL_UMEM_ODP_GET], [
	AC_MSG_CHECKING([whether ib_umem_odp_get() takes mmu_interval_notifier_ops])
	RODP_LINUX_TEST_RESULT([umem_odp_get_ops], [
		AC_MSG_RESULT([yes])
		rodp_have_umem_odp_get_ops=yes
		RODP_KERNEL_DEFINE([HAVE_UMEM_ODP_GET_OPS],
			[ib_umem_odp_get(dev, addr, size, access, ops)])
	], [
		AC_MSG_RESULT([no])
	])
])
