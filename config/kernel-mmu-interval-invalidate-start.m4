dnl Newer kernels let an interval notifier split its work in two passes,
dnl invalidate_start()/invalidate_finish(). rodp's wrapper must pass both
dnl through when the driver uses them.
AC_DEFUN([RODP_AC_KERNEL_SRC_MMU_INTERVAL_INVALIDATE_START], [
	RODP_LINUX_TEST_SRC([mmu_interval_invalidate_start], [
#include <linux/mmu_notifier.h>
	], [
	static const struct mmu_interval_notifier_ops ops = {
		.invalidate_start = NULL,
		.invalidate_finish = NULL,
	};

	(void)ops;
	])
])

AC_DEFUN([RODP_AC_KERNEL_MMU_INTERVAL_INVALIDATE_START], [
	AC_MSG_CHECKING([whether mmu_interval_notifier_ops has invalidate_start])
	RODP_LINUX_TEST_RESULT([mmu_interval_invalidate_start], [
		AC_MSG_RESULT([yes])
		RODP_KERNEL_DEFINE([HAVE_MMU_INTERVAL_INVALIDATE_START],
			[mmu_interval_notifier_ops.invalidate_start/_finish])
	], [
		AC_MSG_RESULT([no])
	])
])
