// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * What each thread keeps for itself, so that registration and prefetch
 * take no lock and make no atomic read-modify-write for it: the library's
 * counters (summed by rodp_get_lib_stats()), one spare MR table entry, the
 * last accepted registration check, and the error message.
 *
 * The counters work as the kernel's per-CPU counters do: only the owning
 * thread writes its block (a relaxed load and store, no lock prefix), a
 * reader sums every block with relaxed loads. A thread's block is on
 * rodp_threads from its first counted call until it exits; a thread-
 * specific key's destructor then adds its counts to rodp_lib_common and
 * takes it off the list, before glibc frees the thread's TLS. A thread for
 * which the key cannot be set (pthread_setspecific() out of memory) is
 * never listed and counts into rodp_lib_common atomically instead, as
 * does an exiting thread once its destructor ran.
 *
 * The library is linked with -z nodelete: a dlclose() that unmapped it
 * would leave the key's destructor pointing at nothing.
 */
#include <config.h>

#include <stdlib.h>

#include "rodp_internal.h"

__thread struct rodp_thread rodp_thread_self;

/*
 * Protects rodp_threads, the list links of every block and the folds into
 * rodp_lib_common. A leaf lock: nothing else is taken while it is held,
 * and rodp_thread_link() may run under any other library lock.
 */
static pthread_mutex_t rodp_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rodp_thread *rodp_threads;	/* rodp_threads_lock */
/* Counts of exited threads, of the forking parent's other threads (in a
 * child), and of unlisted threads: atomic adds, read under the lock. */
struct rodp_lib_stats rodp_lib_common;
static pthread_key_t rodp_thread_key;
static int rodp_thread_key_ok;

#define RODP_NCOUNTERS (sizeof(struct rodp_lib_stats) / sizeof(uint64_t))

/* dst += src, field by field; src is read with relaxed loads (its owner
 * may be counting). */
static void rodp_counters_fold(struct rodp_lib_stats *dst,
			       const struct rodp_lib_stats *src)
{
	const uint64_t *s = (const uint64_t *)src;
	uint64_t *d = (uint64_t *)dst;
	size_t i;

	for (i = 0; i < RODP_NCOUNTERS; i++)
		__atomic_fetch_add(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
				   __ATOMIC_RELAXED);
}

static void rodp_thread_unlist(struct rodp_thread *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		rodp_threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

/* The key's destructor: the thread is exiting. */
static void rodp_thread_exit(void *arg)
{
	struct rodp_thread *t = arg;

	pthread_mutex_lock(&rodp_threads_lock);
	rodp_counters_fold(&rodp_lib_common, &t->counters);
	memset(&t->counters, 0, sizeof(t->counters));
	rodp_thread_unlist(t);
	/* A call from another library's destructor after this one counts
	 * into rodp_lib_common: listed again, the block could outlive the
	 * last round of key destructors on the list. */
	t->state = RODP_THREAD_UNLISTED;
	pthread_mutex_unlock(&rodp_threads_lock);
	free(t->spare);
	t->spare = NULL;
}

void rodp_thread_link(struct rodp_thread *t)
{
	pthread_mutex_lock(&rodp_threads_lock);
	if (rodp_thread_key_ok && !pthread_setspecific(rodp_thread_key, t)) {
		t->prev = NULL;
		t->next = rodp_threads;
		if (rodp_threads)
			rodp_threads->prev = t;
		rodp_threads = t;
		t->state = RODP_THREAD_LISTED;
	} else {
		t->state = RODP_THREAD_UNLISTED;
	}
	pthread_mutex_unlock(&rodp_threads_lock);
}

void rodp_lib_counters_read(struct rodp_lib_stats *out)
{
	const struct rodp_thread *t;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&rodp_threads_lock);
	rodp_counters_fold(out, &rodp_lib_common);
	for (t = rodp_threads; t; t = t->next)
		rodp_counters_fold(out, &t->counters);
	pthread_mutex_unlock(&rodp_threads_lock);
}

/*
 * Fork: the child has one thread, but the list still names the blocks of
 * the parent's other threads, whose memory glibc will reuse for the
 * child's new threads. Their counts move to rodp_lib_common (the child
 * starts from the parent's totals, as a process-wide counter would) and
 * only the forking thread's block stays listed.
 */
static void rodp_threads_prepare(void)
{
	pthread_mutex_lock(&rodp_threads_lock);
}

static void rodp_threads_parent(void)
{
	pthread_mutex_unlock(&rodp_threads_lock);
}

static void rodp_threads_child(void)
{
	struct rodp_thread *t, *next, *self = &rodp_thread_self;

	pthread_mutex_init(&rodp_threads_lock, NULL);
	for (t = rodp_threads; t; t = next) {
		next = t->next;
		if (t == self)
			continue;
		rodp_counters_fold(&rodp_lib_common, &t->counters);
	}
	rodp_threads = NULL;
	if (self->state == RODP_THREAD_LISTED) {
		self->next = self->prev = NULL;
		rodp_threads = self;
	}
}

/*
 * Priority 101, before every other handler of the library is registered:
 * prepare handlers run in the reverse order, so this leaf lock is taken
 * last, after the locks under which a thread may be listing itself.
 */
__attribute__((constructor(101))) static void rodp_threads_init(void)
{
	rodp_thread_key_ok = !pthread_key_create(&rodp_thread_key,
						 rodp_thread_exit);
	pthread_atfork(rodp_threads_prepare, rodp_threads_parent,
		       rodp_threads_child);
}
