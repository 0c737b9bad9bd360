// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The userfaultfd tracker thread of the functional tests (see
 * uffd_tracker.h): answers a uffd's messages while a device access runs,
 * and when the access has not returned after UFFD_DEADLINE_S, says what
 * is waiting where and lifts the protection so that it can return.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uffd_tracker.h"

int uffd_wake_range(int fd, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (uintptr_t)addr, .len = len };

	return ioctl(fd, UFFDIO_WAKE, &range);
}

bool uffd_has_msg(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

bool uffd_fault_waits(void)
{
	static int waits = -1;
	char line[256];
	FILE *f;

	if (waits >= 0)
		return waits;
	waits = 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	while (!waits && fgets(line, sizeof(line), f))
		waits = strstr(line, " hmm_range_fault_unlocked_timeout\n") != NULL;
	fclose(f);
	return waits;
}

bool uffd_no_answer(void)
{
	const char *s = getenv("RODP_UFFD_NO_ANSWER");

	return s && *s && strcmp(s, "0");
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Prints a task's kernel stack (root only), each line indented; nothing
 * when it has none to show (a running task's is empty).
 */
static void print_stack(const char *path, const char *who)
{
	char line[256];
	bool first = true;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (first)
			printf("\n    kernel stack of %s:", who);
		first = false;
		line[strcspn(line, "\n")] = 0;
		printf("\n      %s", line);
	}
	fclose(f);
}

/* A thread's state letter and its system time in clock ticks. */
static bool thread_stat(pid_t tid, char *state, unsigned long long *stime)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* after "pid (comm) ": state, then stime is the 13th field on */
	p = strrchr(buf, ')');
	return p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %llu",
			   state, stime) == 2;
}

/*
 * The main thread (its kernel stack, or, when it is running, whether it
 * spends its time in the kernel: a reset QP waits for its responder in a
 * cond_resched() loop) and every task in handle_userfault().
 */
static void print_waiters(pid_t main_tid)
{
	char path[600], stack[4096], comm[64], who[700], state = '?';
	unsigned long long st0 = 0, st1 = 0;
	struct dirent *d, *t;
	DIR *procs, *tasks;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", (int)main_tid);
	print_stack(path, "the test's main thread");
	if (thread_stat(main_tid, &state, &st0)) {
		sleep(1);
		thread_stat(main_tid, &state, &st1);
		printf("\n    the test's main thread: state %c, %llu of %ld clock ticks in the kernel over the last second",
		       state, st1 - st0, sysconf(_SC_CLK_TCK));
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
			 (int)main_tid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(stack, sizeof(stack), f))
				printf(", syscall %s", strtok(stack, "\n"));
			fclose(f);
		}
	}
	procs = opendir("/proc");
	if (!procs)
		return;
	while ((d = readdir(procs))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", d->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 d->d_name, t->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			n = fread(stack, 1, sizeof(stack) - 1, f);
			fclose(f);
			stack[n] = 0;
			if (!strstr(stack, "handle_userfault"))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/comm",
				 d->d_name, t->d_name);
			comm[0] = 0;
			f = fopen(path, "r");
			if (f) {
				if (!fgets(comm, sizeof(comm), f))
					comm[0] = 0;
				comm[strcspn(comm, "\n")] = 0;
				fclose(f);
			}
			snprintf(who, sizeof(who), "task %s (%s), in handle_userfault",
				 t->d_name, comm);
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 d->d_name, t->d_name);
			print_stack(path, who);
		}
		closedir(tasks);
	}
	closedir(procs);
}

/* A message that is not a pagefault with the kind's flag inside the range. */
static bool bad_msg(const struct uffd_tracker *tr, const struct uffd_msg *msg)
{
	uintptr_t lo = (uintptr_t)tr->lo;

	return msg->event != UFFD_EVENT_PAGEFAULT ||
	       !(msg->arg.pagefault.flags & tr->kind->flag) ||
	       msg->arg.pagefault.address < lo ||
	       msg->arg.pagefault.address >= lo + tr->len;
}

/*
 * The first message: the check, then the answer. A check that reads
 * pages the protection hides runs between a lift that leaves the faulting
 * task asleep and its wake-up, so that the access still cannot have
 * happened; with no answer wanted it cannot run at all (the tracker
 * would fault on its own uffd) and counts nothing wrong. (The faulting
 * task checks whether it must still wait after queueing the message and
 * before sleeping, mm/userfaultfd.c handle_userfault(); a tracker that
 * reads the message in that instant, before the poll wake-up comes, and
 * lifts first would see the access already done: a failure, never a
 * false pass.)
 */
static void first_msg(struct uffd_tracker *tr)
{
	const struct uffd_tracker_kind *k = tr->kind;

	if (!k->check_needs_lift) {
		tr->wrong_at_msg = tr->check(tr->check_arg);
		return;
	}
	if (!tr->answer)
		return;
	if (k->lift(tr->fd, tr->lo, tr->len, false)) {
		printf("\n    uffd tracker: lifting without waking: %s",
		       strerror(errno));
		tr->bad_msgs++;
		return;
	}
	tr->wrong_at_msg = tr->check(tr->check_arg);
}

static void *tracker_main(void *arg)
{
	struct uffd_tracker *tr = arg;
	double deadline = mono_now() + UFFD_DEADLINE_S;
	struct pollfd p = { .fd = tr->fd, .events = POLLIN };
	struct uffd_msg msg;

	while (!atomic_load(&tr->done)) {
		if (poll(&p, 1, 50) == 1 &&
		    read(tr->fd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg)) {
			if (!tr->msgs++)
				first_msg(tr);
			if (bad_msg(tr, &msg))
				tr->bad_msgs++;
			if (tr->answer)
				tr->kind->lift(tr->fd, tr->lo, tr->len, true);
		}
		if (!tr->deadline_hit && mono_now() > deadline) {
			tr->deadline_hit = true;
			printf("\n    uffd tracker: the device %s has not returned after %d s (%u messages)",
			       tr->access, UFFD_DEADLINE_S, tr->msgs);
			print_waiters(tr->main_tid);
			printf("\n    uffd tracker: lifting the protection so that it can return");
			tr->kind->lift(tr->fd, tr->lo, tr->len, true);
		}
	}
	return NULL;
}

int uffd_tracker_start(struct uffd_tracker *tr)
{
	tr->main_tid = (pid_t)syscall(SYS_gettid);
	atomic_init(&tr->done, false);
	tr->msgs = 0;
	tr->bad_msgs = 0;
	tr->wrong_at_msg = 0;
	tr->deadline_hit = false;
	return pthread_create(&tr->thread, NULL, tracker_main, tr);
}

void uffd_tracker_stop(struct uffd_tracker *tr)
{
	atomic_store(&tr->done, true);
	pthread_join(tr->thread, NULL);
}
