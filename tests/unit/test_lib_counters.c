// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The library's counters, kept per thread (lib/thread_state.c): the sum
 * rodp_get_lib_stats() reports is exact while threads count, after they
 * exit, for a gauge raised in one thread and lowered in another, and in
 * a forked child (the parent's totals at fork, then the child's own).
 */
#include <config.h>

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define NTHREADS 8
#define PER_THREAD 100000

static struct rodp_lib_stats now(void)
{
	struct rodp_lib_stats s;

	CU_ASSERT_EQUAL_FATAL(rodp_get_lib_stats(&s, sizeof(s)), 0);
	return s;
}

static pthread_barrier_t counted;

static void *counter(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < PER_THREAD; i++) {
		RODP_LIB_INC(reg_calls);
		RODP_LIB_ADD(prefetch_sges, 3);
	}
	/* Stay alive until the main thread has read the sum once. */
	pthread_barrier_wait(&counted);
	pthread_barrier_wait(&counted);
	return NULL;
}

/* Every counter() thread's counts are in the sum, since s0. */
static void assert_all_counted(const struct rodp_lib_stats *s0)
{
	struct rodp_lib_stats s = now();

	CU_ASSERT_EQUAL(s.reg_calls - s0->reg_calls,
			(uint64_t)NTHREADS * PER_THREAD);
	CU_ASSERT_EQUAL(s.prefetch_sges - s0->prefetch_sges,
			(uint64_t)NTHREADS * PER_THREAD * 3);
}

static void test_threads_sum_exactly(void)
{
	struct rodp_lib_stats s0 = now();
	pthread_t t[NTHREADS];
	int i;

	pthread_barrier_init(&counted, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, counter,
						     NULL), 0);
	pthread_barrier_wait(&counted);
	/* Every thread alive, its counts in its own block. */
	assert_all_counted(&s0);
	pthread_barrier_wait(&counted);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	/* Every thread gone: its counts kept. */
	assert_all_counted(&s0);
	pthread_barrier_destroy(&counted);
}

static void *raise_gauge(void *arg)
{
	(void)arg;
	RODP_LIB_INC(mrs_tracked);
	RODP_LIB_INC(mrs_tracked);
	return NULL;
}

static void test_gauge_across_threads(void)
{
	uint64_t g0 = now().mrs_tracked;
	pthread_t t;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, raise_gauge, NULL), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(now().mrs_tracked, g0 + 2);
	/* Lowered here: this thread's block goes below its start. */
	RODP_LIB_DEC(mrs_tracked);
	RODP_LIB_DEC(mrs_tracked);
	CU_ASSERT_EQUAL(now().mrs_tracked, g0);
}

static pthread_key_t late_key;

/* Another library's key destructor, run after librodp's (its key is
 * newer): it counts in every round glibc makes, setting its key again
 * until the last (PTHREAD_DESTRUCTOR_ITERATIONS). */
static void late_destructor(void *arg)
{
	uintptr_t round = (uintptr_t)arg;

	RODP_LIB_INC(reg_calls);
	if (round < PTHREAD_DESTRUCTOR_ITERATIONS)
		pthread_setspecific(late_key, (void *)(round + 1));
}

static void *count_then_exit(void *arg)
{
	(void)arg;
	RODP_LIB_INC(reg_calls);
	pthread_setspecific(late_key, (void *)1);
	return NULL;
}

static void *count_once(void *arg)
{
	(void)arg;
	RODP_LIB_INC(reg_calls);
	return NULL;
}

/*
 * Counts made by a later destructor, after librodp's own folded the
 * thread's block, are kept, and the block is not listed again: listed in
 * the last round of destructors, it would stay on the list after the
 * thread's TLS is gone, and the next thread given the same stack and TLS
 * (glibc caches them) would list the same block twice, a loop in the list
 * (the alarm ends the test then) and a count lost.
 */
static void test_count_after_exit_destructor(void)
{
	struct rodp_lib_stats s0 = now(), s;
	pthread_t t;
	int i;

	CU_ASSERT_EQUAL_FATAL(pthread_key_create(&late_key, late_destructor),
			      0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, count_then_exit, NULL),
			      0);
	pthread_join(t, NULL);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, count_once,
						     NULL), 0);
		pthread_join(t, NULL);
	}
	alarm(10);
	s = now();
	alarm(0);
	CU_ASSERT_EQUAL(s.reg_calls - s0.reg_calls,
			1 + PTHREAD_DESTRUCTOR_ITERATIONS + 4);
	pthread_key_delete(late_key);
}

static void *count_forever(void *arg)
{
	(void)arg;
	RODP_LIB_ADD(events, 1000);
	pthread_barrier_wait(&counted);
	pause();
	return NULL;
}

static void test_fork_keeps_totals(void)
{
	struct rodp_lib_stats before;
	pthread_t t;
	int status;
	pid_t pid;

	/* A live thread that counted: the child has no such thread, and
	 * its memory will be reused, but its counts stay in the sum. */
	pthread_barrier_init(&counted, NULL, 2);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, count_forever, NULL),
			      0);
	pthread_barrier_wait(&counted);
	RODP_LIB_INC(events);
	before = now();
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		struct rodp_lib_stats s;
		pthread_t u;

		if (rodp_get_lib_stats(&s, sizeof(s)) ||
		    s.events != before.events)
			_exit(1);
		/* A new thread in the child, likely on the parent thread's
		 * old memory, counts from zero. */
		if (pthread_create(&u, NULL, raise_gauge, NULL) ||
		    pthread_join(u, NULL))
			_exit(2);
		RODP_LIB_INC(events);
		if (rodp_get_lib_stats(&s, sizeof(s)) ||
		    s.events != before.events + 1 ||
		    s.mrs_tracked != before.mrs_tracked + 2)
			_exit(3);
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	CU_ASSERT_EQUAL(now().events, before.events);
	pthread_cancel(t);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(now().events, before.events);
	pthread_barrier_destroy(&counted);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_threads_sum_exactly),
		RODP_TEST(test_gauge_across_threads),
		RODP_TEST(test_fork_keeps_totals),
		RODP_TEST(test_count_after_exit_destructor),
	};

	return rodp_cunit_run("lib_counters", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
