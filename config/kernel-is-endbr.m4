dnl The test of an instruction word for ENDBR64: __is_endbr(u32) from 6.13
dnl on, is_endbr(u32) before (6.13 gave is_endbr() a pointer argument).
AC_DEFUN([RODP_AC_KERNEL_SRC_IS_ENDBR], [
	RODP_LINUX_TEST_SRC([is_endbr], [
#include <asm/ibt.h>
	], [
#ifdef CONFIG_X86_KERNEL_IBT
	u32 insn = 0;

	(void)__is_endbr(insn);
#endif
	])
])

AC_DEFUN([RODP_AC_KERNEL_IS_ENDBR], [
	AC_MSG_CHECKING([whether the ENDBR64 value test is __is_endbr()])
	RODP_LINUX_TEST_RESULT([is_endbr], [
		AC_MSG_RESULT([yes])
		RODP_KERNEL_DEFINE([HAVE_KERNEL___IS_ENDBR],
			[__is_endbr(u32), 6.13 and later])
	], [
		AC_MSG_RESULT([no, is_endbr()])
	])
])
