/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A process-private mutex whose uncontended lock and unlock are one atomic
 * instruction each, inline: the MR table's lock (mr_table.c), which every
 * registration, deregistration and prefetch takes.
 *
 * Why not pthread_mutex_t: each pthread_mutex_lock() and _unlock() is a
 * call into libc through the GOT that checks the mutex type and records
 * the owner; a registration pair takes the table lock twice, and the four
 * calls were 105 of the 520 instructions librodp ran per pair
 * (tests/unit/libwork under callgrind), a fifth of the library's cost
 * against raw verbs, where under TCG each call and return is a lookup of
 * its own. Nothing here uses what a pthread mutex adds (types, robustness,
 * priority inheritance, condition variables).
 *
 * The algorithm is the third mutex of Ulrich Drepper, "Futexes Are Tricky"
 * (2011): state 0 free, 1 held, 2 held and maybe waited for. A waiter sets
 * 2 and sleeps in FUTEX_WAIT while the state is 2; an unlock that finds 2
 * wakes one. It never spins, so a holder that is preempted, or holds the
 * lock across a scan of the whole table, costs the others a sleep, not a
 * busy processor. It is not fair, as glibc's normal mutex is not.
 */
#ifndef RODP_FUTEX_LOCK_H
#define RODP_FUTEX_LOCK_H

struct rodp_futex_lock {
	int state;	/* 0 free, 1 held, 2 held and maybe waited for */
};

#define RODP_FUTEX_LOCK_INIT { 0 }

/* The contended halves (futex_lock.c), out of line. */
void rodp_futex_lock_wait(struct rodp_futex_lock *l, int seen);
void rodp_futex_lock_wake(struct rodp_futex_lock *l);

static inline void rodp_futex_lock(struct rodp_futex_lock *l)
{
	int seen = 0;

	if (!__atomic_compare_exchange_n(&l->state, &seen, 1, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		rodp_futex_lock_wait(l, seen);
}

static inline void rodp_futex_unlock(struct rodp_futex_lock *l)
{
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		rodp_futex_lock_wake(l);
}

/* In a child after fork(), as pthread_mutex_init() there: the child's only
 * thread is the one that forked, whose atfork prepare handler held it. */
static inline void rodp_futex_lock_reset(struct rodp_futex_lock *l)
{
	__atomic_store_n(&l->state, 0, __ATOMIC_RELAXED);
}

#endif /* RODP_FUTEX_LOCK_H */
