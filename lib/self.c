// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The calling process's pid, without a system call: glibc no longer caches
 * getpid(), and the library compares it on every MR lookup (an MR or a
 * context inherited across fork is refused) and so on every prefetch.
 * The value is read once at load and again in the child of every fork()
 * (pthread_atfork's child handler runs before fork() returns there). A
 * child made by a raw clone() syscall, which runs no handler, would keep
 * its parent's pid here; such a child may not use the parent's library
 * state anyway, and libibverbs' objects not at all.
 */
#include <config.h>

#include <unistd.h>

#include "rodp_internal.h"

pid_t rodp_self_pid;

static void rodp_self_child(void)
{
	__atomic_store_n(&rodp_self_pid, getpid(), __ATOMIC_RELAXED);
}

/* First of the library's fork handlers (lowest priority runs first): the
 * child's other handlers may already rely on it. */
__attribute__((constructor(101))) static void rodp_self_init(void)
{
	rodp_self_pid = getpid();
	pthread_atfork(NULL, NULL, rodp_self_child);
}
