// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The contended halves of struct rodp_futex_lock (futex_lock.h). */
#include <config.h>

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "futex_lock.h"

/*
 * seen: the state the inline compare-and-exchange found (1 or 2). From
 * here the state is set to 2 whenever this thread takes the lock or goes
 * to sleep, so the unlock that follows wakes the next waiter, if any: a
 * 2 that no one waits for costs one needless FUTEX_WAKE, a 1 with a
 * sleeper would lose it.
 *
 * Both halves keep errno as they found it, as pthread_mutex_lock() and
 * _unlock() do: a caller may take the lock between a failing call and its
 * read of errno.
 */
__attribute__((cold)) void rodp_futex_lock_wait(struct rodp_futex_lock *l,
						int seen)
{
	int saved_errno = errno;

	if (seen != 2)
		seen = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	while (seen) {
		/* Returns at once (EAGAIN) if the state is no longer 2,
		 * early on a signal (EINTR): either way, try again. */
		syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL,
			NULL, 0);
		seen = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	}
	errno = saved_errno;
}

__attribute__((cold)) void rodp_futex_lock_wake(struct rodp_futex_lock *l)
{
	int saved_errno = errno;

	syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved_errno;
}
