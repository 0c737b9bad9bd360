/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Runs CUnit tests the way automake's harness wants them: CUnit's own
 * summary on stdout, exit 0 when every assertion passed, 1 otherwise, and
 * 77 (SKIP) when a suite's capability is missing. */
#ifndef RODP_CUNIT_RUN_H
#define RODP_CUNIT_RUN_H

#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#define RODP_TEST_SKIP 77

/* A test table entry. */
struct rodp_test {
	const char *name;
	CU_TestFunc fn;
};

#define RODP_TEST(fn) { #fn, fn }

/* Registers tests as one suite named suite, runs them, returns exit code. */
static inline int rodp_cunit_run(const char *suite, CU_InitializeFunc init,
				 CU_CleanupFunc clean,
				 const struct rodp_test *tests, size_t n)
{
	unsigned int failed;
	CU_pSuite s;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite(suite, init, clean);
	if (!s)
		goto out_error;
	for (i = 0; i < n; i++)
		if (!CU_add_test(s, tests[i].name, tests[i].fn))
			goto out_error;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto out_error;
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_suites_failed() +
		 CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;

out_error:
	fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}

#endif /* RODP_CUNIT_RUN_H */
