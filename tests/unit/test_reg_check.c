// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_reg_check(): argument validation and the reasons ODP is refused,
 * on synthetic device attributes. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

static void rxe_like(struct ibv_device_attr_ex *a)
{
	memset(a, 0, sizeof(*a));
	a->odp_caps.general_caps = IBV_ODP_SUPPORT;
	a->odp_caps.per_transport_caps.rc_odp_caps =
		IBV_ODP_SUPPORT_SEND | IBV_ODP_SUPPORT_RECV |
		IBV_ODP_SUPPORT_WRITE | IBV_ODP_SUPPORT_READ |
		IBV_ODP_SUPPORT_ATOMIC | IBV_ODP_SUPPORT_SRQ_RECV;
}

#define RW (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
	    IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)

static void test_rxe_ok(void)
{
	struct ibv_device_attr_ex a;
	char msg[200] = "";

	rxe_like(&a);
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "rxe0", RW, 0, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "rxe0", RW, RODP_REG_ODP_PREFERRED,
				       msg, sizeof(msg)), 0);
}

static void test_bad_flags(void)
{
	struct ibv_device_attr_ex a;
	char msg[200];

	rxe_like(&a);
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", 0, 1u << 5, msg, sizeof(msg)),
			EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "unknown"));
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", 0, RODP_REG_ODP_PREFERRED |
				       RODP_REG_ODP_IMPLICIT, msg, sizeof(msg)),
			EINVAL);
}

static void test_no_odp(void)
{
	struct ibv_device_attr_ex a;
	char msg[200];

	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "mlx4_0", RW, 0, msg, sizeof(msg)),
			EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "mlx4_0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no On-Demand Paging"));
}

static void test_no_implicit(void)
{
	struct ibv_device_attr_ex a;
	char msg[200];

	rxe_like(&a);
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "rxe0", RW, RODP_REG_ODP_IMPLICIT,
				       msg, sizeof(msg)), ENOTSUP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "implicit"));
	a.odp_caps.general_caps |= IBV_ODP_SUPPORT_IMPLICIT;
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "mlx5_0", RW, RODP_REG_ODP_IMPLICIT,
				       msg, sizeof(msg)), 0);
}

static void test_missing_operation(void)
{
	struct ibv_device_attr_ex a;
	char msg[200];

	rxe_like(&a);
	a.odp_caps.per_transport_caps.rc_odp_caps &= ~IBV_ODP_SUPPORT_ATOMIC;
	/* Without REMOTE_ATOMIC the MR does not need atomics. */
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", IBV_ACCESS_REMOTE_WRITE, 0,
				       msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", RW, 0, msg, sizeof(msg)),
			EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "atomics"));

	rxe_like(&a);
	a.odp_caps.per_transport_caps.rc_odp_caps &= ~IBV_ODP_SUPPORT_READ;
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", IBV_ACCESS_REMOTE_READ, 0, msg,
				       sizeof(msg)), EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "RDMA READ"));

	/* No RC ODP at all (UD only): even sends fail, and say so. */
	rxe_like(&a);
	a.odp_caps.per_transport_caps.rc_odp_caps = 0;
	a.odp_caps.per_transport_caps.ud_odp_caps = IBV_ODP_SUPPORT_SEND;
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "d", 0, 0, msg, sizeof(msg)),
			EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "transport"));
}

static void test_short_message_buffer(void)
{
	struct ibv_device_attr_ex a;
	char msg[8];

	memset(&a, 0, sizeof(a));
	CU_ASSERT_EQUAL(rodp_reg_check(&a, "a-very-long-device-name", RW, 0,
				       msg, sizeof(msg)), EOPNOTSUPP);
	CU_ASSERT_EQUAL(strlen(msg), sizeof(msg) - 1);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_rxe_ok),
		RODP_TEST(test_bad_flags),
		RODP_TEST(test_no_odp),
		RODP_TEST(test_no_implicit),
		RODP_TEST(test_missing_operation),
		RODP_TEST(test_short_message_buffer),
	};

	return rodp_cunit_run("reg_check", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
