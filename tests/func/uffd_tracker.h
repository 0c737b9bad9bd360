/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A userfaultfd tracker for the functional tests (test_protection's
 * uffd-wp case, test_uffd_rwp): a thread that reads a uffd's messages
 * while the main thread's device access into the protected range runs,
 * and answers each by lifting the protection.
 *
 * From Linux 7.3 a device's ODP fault on a userfaultfd-protected page
 * waits for the tracker (ib_umem_odp_map_dma_and_lock() faults through
 * hmm_range_fault_unlocked_timeout(), with FAULT_FLAG_ALLOW_RETRY, so
 * handle_userfault() queues a message and sleeps). A tracker that never
 * answers leaves rxe's responder asleep and the process spinning
 * unkillably in ibv_modify_qp() (rxe's QP reset waits for the responder),
 * so the tracker lifts the protection after UFFD_DEADLINE_S whatever
 * happens, says so (deadline_hit: the caller's case fails) and prints the
 * kernel stacks of the waiting tasks.
 *
 * What a kind of protection needs from the tracker is in its
 * struct uffd_tracker_kind: the pagefault flag every message must carry
 * and how the protection is lifted.
 */
#ifndef RODP_UFFD_TRACKER_H
#define RODP_UFFD_TRACKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How long a device access may wait on the uffd before the tracker lifts
 * the protection by force (TCG is slow; the answer takes milliseconds). */
#define UFFD_DEADLINE_S 30

struct uffd_tracker_kind {
	/* Every message must be a pagefault with this flag set
	 * (UFFD_PAGEFAULT_FLAG_WP, UFFD_PAGEFAULT_FLAG_RWP). */
	uint64_t flag;
	/*
	 * Lifts the protection of [addr, +len): 0, or -1 with errno. With
	 * wake false the faulting tasks stay asleep until
	 * uffd_wake_range() (the _MODE_DONTWAKE of the lifting ioctl).
	 */
	int (*lift)(int fd, void *addr, size_t len, bool wake);
	/*
	 * The first message's check reads pages the protection hides from
	 * the CPU too (read-write protect): lift without waking, check,
	 * then wake. When false, check and then lift.
	 */
	bool check_needs_lift;
};

/*
 * Returns the bytes that are wrong when the first message arrives (the
 * access must not have happened yet: a write not landed, a read not
 * brought back); called on the tracker thread.
 */
typedef size_t (*uffd_check_fn)(void *arg);

struct uffd_tracker {
	/* set by the caller before uffd_tracker_start() */
	const struct uffd_tracker_kind *kind;
	int fd;
	char *lo;			/* the protected range [lo, +len) */
	size_t len;
	uffd_check_fn check;
	void *check_arg;
	const char *access;		/* "write", "read": for its messages */
	bool answer;			/* false: answer nothing (negative control) */
	/* private */
	pid_t main_tid;
	atomic_bool done;		/* the main thread's access returned */
	pthread_t thread;
	/* results, read after uffd_tracker_stop() */
	unsigned int msgs, bad_msgs;	/* bad: not a pagefault in range with flag */
	size_t wrong_at_msg;		/* check()'s answer at the first message */
	bool deadline_hit;
};

/*
 * Starts the tracker thread on tr (its caller's fields set); call it on
 * the thread that will do the device access. 0 or an errno value.
 */
int uffd_tracker_start(struct uffd_tracker *tr);
/* The device access returned: stops and joins the tracker thread. */
void uffd_tracker_stop(struct uffd_tracker *tr);

/* UFFDIO_WAKE of [addr, +len): 0, or -1 with errno. */
int uffd_wake_range(int fd, void *addr, size_t len);

/* A message waiting on the uffd. */
bool uffd_has_msg(int fd);

/*
 * Whether a device fault on a userfaultfd-protected page waits for the
 * tracker (7.3 and later) rather than failing: the kernel has
 * hmm_range_fault_unlocked_timeout(), which ib_umem_odp_map_dma_and_lock()
 * uses from 7.3 on.
 */
bool uffd_fault_waits(void);

/* RODP_UFFD_NO_ANSWER set to anything but 0: the tracker must answer nothing. */
bool uffd_no_answer(void);

#endif
