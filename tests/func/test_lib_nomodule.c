// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * librodp without rodp.ko (run by tests/vm/check-guest with --no-rodp):
 * registration and prefetch work, the kernel-only calls say ENODEV with a
 * clear message. Exits 77 when the module is loaded after all.
 */
#include <config.h>

#include "lib_test.h"

#define LEN (8 * 4096UL)

static void test_open_enodev(void)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_open());
	CU_ASSERT_EQUAL(errno, ENODEV);
	printf("\n    rodp_open: %s\n", rodp_last_error_msg());
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "not loaded"));
}

static void test_reg_and_prefetch_without_module(void)
{
	struct rodp_lib_stats l0, l1;
	struct rodp_mr_stats st;
	struct rodp_event ev;
	char *buf = lt_map(LEN);
	struct ibv_mr *mr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	rodp_get_lib_stats(&l0, sizeof(l0));
	mr = rodp_reg_mr(pd, buf, LEN, LT_RW, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mr);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(mr), 1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, LEN, RODP_PREFETCH_F_WRITE), 0);

	memset(&st, 0xff, sizeof(st));
	/* Not an error: the library's half is there, the kernel's marked
	 * absent. */
	CU_ASSERT_EQUAL(rodp_get_mr_stats(mr, &st, sizeof(st)), 0);
	printf("\n    mr stats: %s\n", rodp_last_error_msg());
	CU_ASSERT_EQUAL(st.flags, RODP_MR_ODP | RODP_MR_NO_MODULE);
	CU_ASSERT_EQUAL(st.prefetch_calls, 1);
	CU_ASSERT_EQUAL(st.prefetch_advise, 1);
	CU_ASSERT_EQUAL(st.prefetch_bytes, LEN);

	lt_prefetch_fallback(1);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(mr, buf, LEN, 0), EOPNOTSUPP);
	printf("    forced fallback: %s\n", rodp_last_error_msg());
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "not loaded"));
	lt_prefetch_fallback(0);

	errno = 0;
	CU_ASSERT_EQUAL(rodp_get_event_fd(NULL), -1);
	CU_ASSERT_EQUAL(errno, ENODEV);
	CU_ASSERT_EQUAL(rodp_get_event(NULL, &ev, sizeof(ev)), ENODEV);

	CU_ASSERT_EQUAL(rodp_dereg_mr(mr), 0);
	rodp_get_lib_stats(&l1, sizeof(l1));
	CU_ASSERT_EQUAL(l1.reg_odp, l0.reg_odp + 1);
	/* Nothing bound; with lazy binding (rodp_reg_mr(3)) and the module
	 * known absent, no bind need even be tried. */
	CU_ASSERT_EQUAL(l1.bind_ok, l0.bind_ok);
	munmap(buf, LEN);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_open_enodev),
		RODP_TEST(test_reg_and_prefetch_without_module),
	};
	struct rodp_ctx *c = rodp_open();

	if (c) {
		rodp_close(c);
		printf("SKIP: rodp.ko is loaded; this test wants it absent\n");
		return RODP_TEST_SKIP;
	}
	LT_RUN("lib_nomodule", tests, 0);
}
