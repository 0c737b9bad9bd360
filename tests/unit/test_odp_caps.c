// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_odp_decide(): every reason, on synthetic device attributes. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

/* rxe in Debian's 7.2 kernel: RC and UD, no UC, no XRC. */
static void rxe_like(struct ibv_device_attr_ex *a)
{
	memset(a, 0, sizeof(*a));
	a->odp_caps.general_caps = IBV_ODP_SUPPORT;
	a->odp_caps.per_transport_caps.rc_odp_caps =
		IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
		IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
		IBV_ODP_SUPPORT_ATOMIC | IBV_ODP_SUPPORT_SRQ_RECV;
	a->odp_caps.per_transport_caps.ud_odp_caps =
		IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV;
}

static void check(const struct ibv_device_attr_ex *a, enum rodp_transport t,
		  enum rodp_op op, int want_ret, enum rodp_odp_reason want)
{
	enum rodp_odp_reason why = (enum rodp_odp_reason)-1;

	CU_ASSERT_EQUAL(rodp_odp_decide(a, t, op, &why), want_ret);
	CU_ASSERT_EQUAL(why, want);
}

static void test_supported(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	check(&a, RODP_TRANSPORT_RC, RODP_OP_WRITE, 0, RODP_ODP_SUPPORTED);
	check(&a, RODP_TRANSPORT_RC, RODP_OP_ATOMIC, 0, RODP_ODP_SUPPORTED);
	check(&a, RODP_TRANSPORT_UD, RODP_OP_SEND, 0, RODP_ODP_SUPPORTED);
	/* A NULL reason is allowed. */
	CU_ASSERT_EQUAL(rodp_odp_decide(&a, RODP_TRANSPORT_RC, RODP_OP_READ,
					NULL), 0);
}

static void test_no_device_support(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	a.odp_caps.general_caps = 0;
	check(&a, RODP_TRANSPORT_RC, RODP_OP_WRITE, EOPNOTSUPP,
	      RODP_ODP_NO_DEVICE_SUPPORT);
}

static void test_no_transport_support(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	check(&a, RODP_TRANSPORT_UC, RODP_OP_SEND, EOPNOTSUPP,
	      RODP_ODP_NO_TRANSPORT_SUPPORT);
	check(&a, RODP_TRANSPORT_XRC, RODP_OP_READ, EOPNOTSUPP,
	      RODP_ODP_NO_TRANSPORT_SUPPORT);
}

static void test_no_op_support(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	check(&a, RODP_TRANSPORT_UD, RODP_OP_SRQ_RECV, EOPNOTSUPP,
	      RODP_ODP_NO_OP_SUPPORT);
	a.odp_caps.per_transport_caps.rc_odp_caps &= ~IBV_ODP_SUPPORT_READ;
	check(&a, RODP_TRANSPORT_RC, RODP_OP_READ, EOPNOTSUPP,
	      RODP_ODP_NO_OP_SUPPORT);
}

static void test_invalid_combination(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	/* UD has no RDMA; UC has no READ or atomics. Checked before ODP. */
	check(&a, RODP_TRANSPORT_UD, RODP_OP_WRITE, EOPNOTSUPP,
	      RODP_ODP_INVALID_COMBINATION);
	check(&a, RODP_TRANSPORT_UC, RODP_OP_ATOMIC, EOPNOTSUPP,
	      RODP_ODP_INVALID_COMBINATION);
	a.odp_caps.general_caps = 0;
	check(&a, RODP_TRANSPORT_UD, RODP_OP_READ, EOPNOTSUPP,
	      RODP_ODP_INVALID_COMBINATION);
}

static void test_flush_and_atomic_write(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
#if HAVE_DECL_IBV_ODP_SUPPORT_FLUSH && HAVE_DECL_IBV_ODP_SUPPORT_ATOMIC_WRITE
	check(&a, RODP_TRANSPORT_RC, RODP_OP_FLUSH, EOPNOTSUPP,
	      RODP_ODP_NO_OP_SUPPORT);
	a.odp_caps.per_transport_caps.rc_odp_caps |=
		IBV_ODP_SUPPORT_FLUSH | IBV_ODP_SUPPORT_ATOMIC_WRITE;
	check(&a, RODP_TRANSPORT_RC, RODP_OP_FLUSH, 0, RODP_ODP_SUPPORTED);
	check(&a, RODP_TRANSPORT_RC, RODP_OP_ATOMIC_WRITE, 0,
	      RODP_ODP_SUPPORTED);
#else
	/* This rdma-core cannot name the bits: say so, never guess. */
	check(&a, RODP_TRANSPORT_RC, RODP_OP_FLUSH, EOPNOTSUPP,
	      RODP_ODP_LIBRARY_TOO_OLD);
	check(&a, RODP_TRANSPORT_RC, RODP_OP_ATOMIC_WRITE, EOPNOTSUPP,
	      RODP_ODP_LIBRARY_TOO_OLD);
#endif
}

static void test_bad_arguments(void)
{
	struct ibv_device_attr_ex a;

	rxe_like(&a);
	CU_ASSERT_EQUAL(rodp_odp_decide(&a, (enum rodp_transport)9,
					RODP_OP_SEND, NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_odp_decide(&a, RODP_TRANSPORT_RC,
					(enum rodp_op)42, NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_query_odp(NULL, RODP_TRANSPORT_RC, RODP_OP_SEND,
				       NULL), EINVAL);
}

static void test_reason_strings(void)
{
	int r;

	for (r = RODP_ODP_SUPPORTED; r <= RODP_ODP_INVALID_COMBINATION; r++) {
		const char *s = rodp_odp_reason_str((enum rodp_odp_reason)r);

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(strcmp(s, "unknown reason") != 0);
	}
	CU_ASSERT_STRING_EQUAL(rodp_odp_reason_str((enum rodp_odp_reason)99),
			       "unknown reason");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_supported),
		RODP_TEST(test_no_device_support),
		RODP_TEST(test_no_transport_support),
		RODP_TEST(test_no_op_support),
		RODP_TEST(test_invalid_combination),
		RODP_TEST(test_flush_and_atomic_write),
		RODP_TEST(test_bad_arguments),
		RODP_TEST(test_reason_strings),
	};

	return rodp_cunit_run("odp_caps", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
