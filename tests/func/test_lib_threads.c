// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Many threads registering, prefetching (both paths; where advise_mr
 * answers EOPNOTSUPP, rodp.ko's twice), reading statistics and
 * deregistering at once; every call must succeed and the library's and
 * rodp.ko's books must balance afterwards.
 */
#include <config.h>

#include <pthread.h>
#include <stdint.h>

#include "lib_test.h"

#define THREADS 8
#define ROUNDS 40
#define LEN (16 * 4096UL)

static int failures[THREADS];

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg, i;
	char *buf = lt_map(LEN);

	if (!buf) {
		failures[id]++;
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		struct rodp_mr_stats st;
		struct ibv_mr *mr;

		mr = rodp_reg_mr(pd, buf, LEN, LT_RW, 0);
		if (!mr) {
			failures[id]++;
			continue;
		}
		/* Half the prefetches through rodp.ko: setenv is not
		 * thread-safe, so the shim is driven by the main thread's
		 * environment below (read again at its rodp_open()). */
		if (rodp_prefetch_mr(mr, buf, LEN, i & 1 ? RODP_PREFETCH_F_WRITE : 0))
			failures[id]++;
		if (rodp_get_mr_stats(mr, &st, sizeof(st)) ||
		    !(st.flags & RODP_MR_BOUND) || st.prefetch_calls != 1)
			failures[id]++;
		if (rodp_dereg_mr(mr))
			failures[id]++;
	}
	munmap(buf, LEN);
	return NULL;
}

static void run_threads(void)
{
	pthread_t t[THREADS];
	int i;

	for (i = 0; i < THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, worker,
						     (void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void check_books(const char *what)
{
	static struct rodp_lib_stats l0;
	static struct rodp_stats k0;
	static int have;
	struct rodp_lib_stats l1;
	struct rodp_stats k1;
	int i, bad = 0;

	for (i = 0; i < THREADS; i++)
		bad += failures[i];
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l1, sizeof(l1)), 0);
	CU_ASSERT_EQUAL(rodp_get_stats(rodp, 0, &k1, sizeof(k1)), 0);
	printf("\n    %s: %d failed calls, MRs tracked %llu, kernel umems live %llu\n",
	       what, bad, (unsigned long long)l1.mrs_tracked,
	       (unsigned long long)k1.umems_live);
	CU_ASSERT_EQUAL(bad, 0);
	if (have) {
		CU_ASSERT_EQUAL(l1.mrs_tracked, l0.mrs_tracked);
		CU_ASSERT_EQUAL(l1.reg_odp - l0.reg_odp, THREADS * ROUNDS);
		CU_ASSERT_EQUAL(l1.bind_ok - l0.bind_ok, THREADS * ROUNDS);
		CU_ASSERT_EQUAL(l1.prefetch_calls - l0.prefetch_calls,
				THREADS * ROUNDS);
		CU_ASSERT_EQUAL(k1.umems_live, k0.umems_live);
		CU_ASSERT_EQUAL(k1.umems_created - k0.umems_created,
				THREADS * ROUNDS);
	}
	l0 = l1;
	k0 = k1;
	have = 1;
}

static void test_threads_advise(void)
{
	struct rodp_lib_stats a, b;
	/* Asked before the books open: the question registers an MR. */
	int advise = lt_advise_works();

	check_books("before");
	rodp_get_lib_stats(&a, sizeof(a));
	run_threads();
	rodp_get_lib_stats(&b, sizeof(b));
	if (advise) {
		CU_ASSERT_EQUAL(b.prefetch_advise - a.prefetch_advise,
				THREADS * ROUNDS);
		check_books("advise_mr path");
	} else {
		/* rdma-core < 65: every call falls back to rodp.ko. */
		CU_ASSERT_EQUAL(b.prefetch_advise, a.prefetch_advise);
		CU_ASSERT_EQUAL(b.prefetch_fallback - a.prefetch_fallback,
				THREADS * ROUNDS);
		CU_ASSERT_EQUAL(b.prefetch_shim - a.prefetch_shim,
				THREADS * ROUNDS);
		check_books("advise_mr answers EOPNOTSUPP: rodp.ko path");
	}
}

static void test_threads_shim(void)
{
	struct rodp_lib_stats a, b;

	lt_prefetch_fallback(1);
	rodp_get_lib_stats(&a, sizeof(a));
	run_threads();
	rodp_get_lib_stats(&b, sizeof(b));
	lt_prefetch_fallback(0);
	CU_ASSERT_EQUAL(b.prefetch_shim - a.prefetch_shim, THREADS * ROUNDS);
	check_books("rodp.ko prefetch path");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_threads_advise),
		RODP_TEST(test_threads_shim),
	};

	LT_RUN("lib_threads", tests, 1);
}
