dnl The fixed soft-RoCE driver (kernel/rxe/) is built from the rxe sources of
dnl the linux-source-X.Y package that matches the target kernel: Debian ships
dnl them as /usr/src/linux-source-X.Y.tar.xz. --with-linux-source= names
dnl another tarball or an unpacked tree.
AC_DEFUN([RODP_AC_RXE], [
	AC_ARG_WITH([linux-source],
		[AS_HELP_STRING([--with-linux-source=PATH],
			[kernel source tarball or tree holding drivers/infiniband/sw/rxe
			 (default: /usr/src/linux-source-X.Y.tar.xz for the target kernel)])],
		[RXE_SOURCE=$withval])
	AC_ARG_ENABLE([rxe],
		[AS_HELP_STRING([--disable-rxe], [do not build the fixed rdma_rxe])],
		[], [enable_rxe=yes])

	rodp_rxe=no
	rodp_rxe_summary="no (disabled)"
	AS_IF([test "$enable_rxe" = yes && test "$rodp_kmod" = yes], [
		rodp_kver_xy=`echo "$LINUX_VERSION" | sed -n 's/^\([[0-9]]*\.[[0-9]]*\).*/\1/p'`
		AS_IF([test -z "$RXE_SOURCE"],
			[RXE_SOURCE=/usr/src/linux-source-$rodp_kver_xy.tar.xz])
		AC_MSG_CHECKING([for rxe sources of $rodp_kver_xy])
		dnl rxe has ODP from 6.15 and advise_mr from 6.17; the patches
		dnl fix that code, so older kernels have nothing to patch.
		rodp_rxe_old=no
		AS_VERSION_COMPARE([$rodp_kver_xy], [6.17], [rodp_rxe_old=yes])
		AS_IF([test "$rodp_rxe_old" = yes], [
			AC_MSG_RESULT([not wanted])
			AC_MSG_NOTICE([rodp's rdma_rxe patches need 6.17 or newer (rxe ODP prefetch): no fixed rdma_rxe for $rodp_kver_xy])
			rodp_rxe_summary="no ($rodp_kver_xy is older than 6.17, which the patches need)"
		], [test -f "$RXE_SOURCE" || test -d "$RXE_SOURCE/drivers/infiniband/sw/rxe"], [
			AC_MSG_RESULT([$RXE_SOURCE])
			dnl Patching needs patch(1); the tarball and Debian's module
			dnl compression (modules_install) need xz(1).
			AC_PATH_PROG([PATCH], [patch])
			AC_PATH_PROG([XZ], [xz])
			AS_IF([test -z "$PATCH" || test -z "$XZ"], [
				AC_MSG_ERROR([building the fixed rdma_rxe needs patch and xz (apt-get install patch xz-utils), or --disable-rxe])
			])
			rodp_rxe=yes
			rodp_rxe_summary="yes, from $RXE_SOURCE"
		], [
			AC_MSG_RESULT([no])
			AC_MSG_WARN([no $RXE_SOURCE: the fixed rdma_rxe is skipped (apt-get install linux-source-$rodp_kver_xy)])
			rodp_rxe_summary="no ($RXE_SOURCE missing)"
		])
	], [test "$enable_rxe" = yes], [
		rodp_rxe_summary="no (no kernel build tree)"
	])
	AM_CONDITIONAL([BUILD_RXE], [test "$rodp_rxe" = yes])
	AC_SUBST([RXE_SOURCE])
])
