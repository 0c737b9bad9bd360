// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The vertical slice on real rxe: librodp's capability query says ODP works
 * for RC RDMA, and registering an ODP MR moves rodp.ko's count of ODP umems
 * created (and deregistering it, released). Runs in the guest; exits 77
 * when there is no device, or no rodp.ko and RODP_REQUIRE_MODULE is unset.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rodp/rodp.h>

#include "../cunit_run.h"

static struct ibv_context *dev_ctx;
static struct ibv_pd *pd;
static struct rodp_ctx *rodp;

static struct ibv_context *open_device(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

static void test_query_odp_rc(void)
{
	enum rodp_odp_reason why;

	CU_ASSERT_EQUAL(rodp_query_odp(dev_ctx, RODP_TRANSPORT_RC,
				       RODP_OP_WRITE, &why), 0);
	CU_ASSERT_EQUAL(why, RODP_ODP_SUPPORTED);
	CU_ASSERT_EQUAL(rodp_query_odp(dev_ctx, RODP_TRANSPORT_RC,
				       RODP_OP_READ, &why), 0);
}

static void test_query_odp_reasons(void)
{
	enum rodp_odp_reason why;

	/* rxe has no UC ODP and UD cannot carry RDMA READ at all. */
	CU_ASSERT_EQUAL(rodp_query_odp(dev_ctx, RODP_TRANSPORT_UC,
				       RODP_OP_SEND, &why), EOPNOTSUPP);
	CU_ASSERT_EQUAL(why, RODP_ODP_NO_TRANSPORT_SUPPORT);
	CU_ASSERT_EQUAL(rodp_query_odp(dev_ctx, RODP_TRANSPORT_UD,
				       RODP_OP_READ, &why), EOPNOTSUPP);
	CU_ASSERT_EQUAL(why, RODP_ODP_INVALID_COMBINATION);
}

static void test_odp_mr_is_counted(void)
{
	const size_t len = 1 << 20;
	struct rodp_stats before, during, after;
	struct ibv_mr *mr;
	void *buf;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);

	CU_ASSERT_EQUAL_FATAL(rodp_get_stats(rodp, 0, &before,
					     sizeof(before)), 0);
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_ON_DEMAND |
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &during, sizeof(during)), 0);
	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &after, sizeof(after)), 0);

	printf("\n    umems created %llu -> %llu -> %llu, live %llu -> %llu -> %llu\n",
	       (unsigned long long)before.umems_created,
	       (unsigned long long)during.umems_created,
	       (unsigned long long)after.umems_created,
	       (unsigned long long)before.umems_live,
	       (unsigned long long)during.umems_live,
	       (unsigned long long)after.umems_live);
	CU_ASSERT_EQUAL(during.umems_created, before.umems_created + 1);
	CU_ASSERT_EQUAL(during.umems_live, before.umems_live + 1);
	CU_ASSERT_EQUAL(after.umems_released, before.umems_released + 1);
	CU_ASSERT_EQUAL(after.umems_live, before.umems_live);
	munmap(buf, len);
}

static void test_pinned_mr_is_not_counted(void)
{
	const size_t len = 64 << 10;
	struct rodp_stats before, during;
	struct ibv_mr *mr;
	void *buf = calloc(1, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL_FATAL(rodp_get_stats(rodp, 0, &before,
					     sizeof(before)), 0);
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &during, sizeof(during)), 0);
	CU_ASSERT_EQUAL(during.umems_created, before.umems_created);
	CU_ASSERT_EQUAL(ibv_dereg_mr(mr), 0);
	free(buf);
}

static void test_short_stats_struct(void)
{
	struct rodp_stats full;
	uint64_t first[RODP_INVAL_COUNT + 1];

	/* An older caller's smaller struct gets exactly its prefix. */
	memset(first, 0xa5, sizeof(first));
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, (struct rodp_stats *)first,
				       sizeof(uint64_t) * RODP_INVAL_COUNT), 0);
	CU_ASSERT_EQUAL(first[RODP_INVAL_COUNT], 0xa5a5a5a5a5a5a5a5ULL);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &full, sizeof(full)), 0);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &full, 0), EINVAL);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_query_odp_rc),
		RODP_TEST(test_query_odp_reasons),
		RODP_TEST(test_odp_mr_is_counted),
		RODP_TEST(test_pinned_mr_is_not_counted),
		RODP_TEST(test_short_stats_struct),
	};
	const char *name = getenv("RODP_DEV") ? getenv("RODP_DEV") : "rxe0";
	int ret;

	dev_ctx = open_device(name);
	if (!dev_ctx) {
		printf("SKIP: no RDMA device %s\n", name);
		return RODP_TEST_SKIP;
	}
	pd = ibv_alloc_pd(dev_ctx);
	if (!pd) {
		printf("FAIL: ibv_alloc_pd on %s: %s\n", name, strerror(errno));
		return 1;
	}
	rodp = rodp_open();
	if (!rodp) {
		printf("%s: rodp_open: %s\n",
		       getenv("RODP_REQUIRE_MODULE") ? "FAIL" : "SKIP",
		       errno == ENODEV ? "rodp.ko is not loaded" : strerror(errno));
		return getenv("RODP_REQUIRE_MODULE") ? 1 : RODP_TEST_SKIP;
	}
	ret = rodp_cunit_run("attach", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	ibv_dealloc_pd(pd);
	ibv_close_device(dev_ctx);
	return ret;
}
