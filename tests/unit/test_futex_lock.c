// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The MR table's lock (lib/futex_lock.h): one holder at a time among
 * threads that hammer it, a waiter that went to sleep in the kernel is
 * woken by the unlock, and a child forked while another thread takes and
 * drops the table's lock can use the table (mr_table.c's fork handlers);
 * the contended path keeps errno, as pthread's mutex does.
 * Each wait here is bounded, so a lock that loses a wake-up fails the
 * test instead of hanging it.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../../lib/futex_lock.h"
#include "../../lib/rodp_internal.h"

#define HAMMER_THREADS 4
#define HAMMER_ROUNDS 200000

/* Each test its own lock: a test that fails leaves its lock behind. */
static struct rodp_futex_lock lock = RODP_FUTEX_LOCK_INIT;
static struct rodp_futex_lock hammered = RODP_FUTEX_LOCK_INIT;
static unsigned long counter;		/* hammered */
static int inside;			/* holders now: 0 or 1 */
static int overlaps;			/* a second holder was seen */
static int hammers_done;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to seconds s for *p to become want. */
static int wait_for(const int *p, int want, int s)
{
	int i;

	for (i = 0; i < s * 1000; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) == want)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

static void test_uncontended(void)
{
	CU_ASSERT_EQUAL(lock.state, 0);
	rodp_futex_lock(&lock);
	CU_ASSERT_EQUAL(lock.state, 1);
	rodp_futex_unlock(&lock);
	CU_ASSERT_EQUAL(lock.state, 0);
}

static void *hammer(void *arg)
{
	unsigned long i, c;

	(void)arg;
	for (i = 0; i < HAMMER_ROUNDS; i++) {
		rodp_futex_lock(&hammered);
		if (__atomic_fetch_add(&inside, 1, __ATOMIC_RELAXED))
			__atomic_store_n(&overlaps, 1, __ATOMIC_RELAXED);
		/* A read and a later write: a second holder in between
		 * loses an increment. */
		c = counter;
		if (!(i % 64))
			sched_yield();
		counter = c + 1;
		__atomic_fetch_sub(&inside, 1, __ATOMIC_RELAXED);
		rodp_futex_unlock(&hammered);
	}
	__atomic_fetch_add(&hammers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_one_holder(void)
{
	pthread_t th[HAMMER_THREADS];
	int i;

	counter = 0;
	for (i = 0; i < HAMMER_THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, hammer,
						     NULL), 0);
	/* A lost wake-up leaves threads asleep for good: no join then. */
	if (!wait_for(&hammers_done, HAMMER_THREADS, 120)) {
		CU_FAIL("threads still waiting for the lock after 120 s");
		return;
	}
	for (i = 0; i < HAMMER_THREADS; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(overlaps, 0);
	CU_ASSERT_EQUAL(counter, (unsigned long)HAMMER_THREADS * HAMMER_ROUNDS);
	CU_ASSERT_EQUAL(hammered.state, 0);
}

static int waiter_has_it;

static void *waiter(void *arg)
{
	(void)arg;
	rodp_futex_lock(&lock);
	__atomic_store_n(&waiter_has_it, 1, __ATOMIC_RELEASE);
	rodp_futex_unlock(&lock);
	return NULL;
}

static void test_sleeper_woken(void)
{
	pthread_t th;

	rodp_futex_lock(&lock);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, waiter, NULL), 0);
	/* The waiter marks the lock contended before it sleeps; give it
	 * time to reach FUTEX_WAIT, then unlock once. */
	CU_ASSERT_TRUE(wait_for(&lock.state, 2, 5));
	sleep_ms(50);
	CU_ASSERT_EQUAL(waiter_has_it, 0);
	rodp_futex_unlock(&lock);
	if (!wait_for(&waiter_has_it, 1, 5)) {
		CU_FAIL("the waiter was not woken by the unlock");
		return;		/* it sleeps on: no join */
	}
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(lock.state, 0);
}

/* The waiter's path when the lock was freed just before FUTEX_WAIT: the
 * system call fails with EAGAIN, which must not reach the caller's errno
 * (a caller may lock between a failing call and its read of errno). */
static void test_errno_kept(void)
{
	struct rodp_futex_lock l = RODP_FUTEX_LOCK_INIT;

	errno = ENOTTY;
	rodp_futex_lock_wait(&l, 2);
	CU_ASSERT_EQUAL(errno, ENOTTY);
	CU_ASSERT_EQUAL(l.state, 2);	/* taken, marked maybe waited for */
	rodp_futex_unlock(&l);		/* a FUTEX_WAKE for no one */
	CU_ASSERT_EQUAL(errno, ENOTTY);
	CU_ASSERT_EQUAL(l.state, 0);
}

static int stop_churn;

/* Takes and drops the MR table's lock until told to stop. */
static void *churn(void *arg)
{
	struct rodp_mr_entry copy;
	struct ibv_mr mr = { 0 };

	(void)arg;
	while (!__atomic_load_n(&stop_churn, __ATOMIC_RELAXED))
		rodp_mr_lookup(&mr, &copy);
	return NULL;
}

static void test_child_after_fork(void)
{
	struct rodp_mr_entry copy;
	struct ibv_mr mr = { 0 };
	int i, status, bad = 0;
	pthread_t th;
	pid_t child;

	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, churn, NULL), 0);
	for (i = 0; i < 20 && !bad; i++) {
		child = fork();
		if (child == 0) {
			/* A table lock copied held would hang here. */
			alarm(5);
			_exit(rodp_mr_lookup(&mr, &copy) == ENOENT ? 0 : 1);
		}
		if (child < 0 || waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	__atomic_store_n(&stop_churn, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(bad, 0);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_uncontended),
		RODP_TEST(test_one_holder),
		RODP_TEST(test_sleeper_woken),
		RODP_TEST(test_errno_kept),
		RODP_TEST(test_child_after_fork),
	};

	return rodp_cunit_run("futex_lock", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
