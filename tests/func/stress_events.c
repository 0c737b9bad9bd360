// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * stress_odp's memory events: two worker threads, started once, that run
 * a step's events while the main thread runs the RDMA operation. All
 * three leave the same barrier together, so the events really race with
 * the packets; each event half records when it started and ended, which
 * is all the oracle may assume about time.
 *
 * The threads never allocate or print during a step: an munmap'd hole
 * must not be taken by anybody's mmap before the remap (which uses
 * MAP_FIXED_NOREPLACE, and fails loudly rather than clobbering), and the
 * fork child must not inherit a held malloc lock it would then need.
 */
#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"

#define NWORKERS ST_EV_MAX

struct st_workers {
	pthread_t th[NWORKERS];
	pthread_barrier_t start, end;
	uint8_t *base;
	size_t page;
	struct st_step *step;
	bool stop;
	atomic_int op_started, op_finished;
	atomic_int first_halves_pending;	/* enclosing events */
	int fatal;
	struct st_child_report *report;
	uint8_t *child_copy;
	uint8_t *reserve;	/* mremap's parking place, ST_EV_PAGES */
	int go_fd;		/* the fork child waits on this */
	uint64_t key;		/* of the data patterns */
	int clear_refs_fd;
	struct worker_arg {
		struct st_workers *w;
		int index;
	} arg[NWORKERS];
};

double st_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wait_flag(atomic_int *flag)
{
	while (!atomic_load(flag))
		sched_yield();
}

void st_op_started(struct st_workers *w)
{
	/* An enclosing event opens its gap before the operation is posted. */
	while (atomic_load(&w->first_halves_pending))
		sched_yield();
	atomic_store(&w->op_started, 1);
}

void st_op_finished(struct st_workers *w)
{
	atomic_store(&w->op_finished, 1);
}

/* ---- the fork child --------------------------------------------------- */

static int self_rw(bool write, void *local, void *remote, size_t len)
{
	struct iovec l = { .iov_base = local, .iov_len = len };
	struct iovec r = { .iov_base = remote, .iov_len = len };
	ssize_t n;

	/* process_vm_*: EFAULT instead of SIGSEGV on a missing page. */
	if (write)
		n = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	else
		n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return n == (ssize_t)len ? 0 : -1;
}

/* What the child writes to page p: unique per byte offset and step. */
static void child_pattern(const struct st_workers *w, uint8_t *buf, size_t p)
{
	st_pattern_fill(buf, w->page, w->key, STREAM_CHILD, w->step->gen,
			p * w->page);
}

/*
 * The child: takes its copy of the region at once (the oracle checks it
 * is the parent's memory at the fork instant), writes its own pattern
 * into every other page (the oracle checks the parent never sees it),
 * waits until the parent's step is over, and checks that nothing but its
 * own writes changed its copy meanwhile (COW isolation against device
 * writes to the parent). Only system calls and memory accesses here.
 */
static void __attribute__((noreturn))
child_main(struct st_workers *w, int go, unsigned long parity)
{
	static uint8_t tmp[65536], pat[65536];
	struct st_child_report *r = w->report;
	size_t page = w->page, p, i;
	char c;

	for (p = 0; p < ST_PAGES; p++)
		r->present[p] = !self_rw(false, w->child_copy + p * page,
					 w->base + p * page, page);
	for (p = 0; p < ST_PAGES; p++) {
		if (!r->present[p] || (p & 1) != parity)
			continue;
		child_pattern(w, pat, p);
		r->written[p] = !self_rw(true, pat, w->base + p * page, page);
	}
	if (read(go, &c, 1) != 1)
		_exit(3);
	for (p = 0; p < ST_PAGES; p++) {
		const uint8_t *want = w->child_copy + p * page;

		if (!r->present[p])
			continue;
		if (self_rw(false, tmp, w->base + p * page, page)) {
			r->isolation_bad += page;
			continue;
		}
		if (r->written[p]) {
			child_pattern(w, pat, p);
			want = pat;
		}
		for (i = 0; i < page; i++) {
			if (tmp[i] == want[i])
				continue;
			if (!r->isolation_bad)
				r->first_bad = p * page + i;
			r->isolation_bad++;
		}
	}
	r->finished = true;
	_exit(0);
}

int st_child_finish(struct st_workers *w, struct st_step *s)
{
	int e, status;

	for (e = 0; e < s->nev; e++) {
		struct st_event *ev = &s->ev[e];

		if (ev->kind != EV_FORK || !ev->done)
			continue;
		if (write(w->go_fd, "g", 1) != 1)
			perror("stress: fork child go");
		close(w->go_fd);
		w->go_fd = -1;
		if (waitpid(ev->child, &status, 0) != ev->child ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("stress: fork child %d ended abnormally (status %#x)\n",
			       (int)ev->child, status);
			return -1;
		}
	}
	return 0;
}

/* ---- the events ------------------------------------------------------- */

static void mark(double t[2])
{
	t[0] = st_now();
}

static void marked(double t[2])
{
	t[1] = st_now();
}

static void first_half_done(struct st_workers *w, struct st_event *e)
{
	if (e->enclose)
		atomic_fetch_sub(&w->first_halves_pending, 1);
}

/* Between the halves: either a short gap, or until the op completed. */
static void second_half_wait(struct st_workers *w, struct st_event *e)
{
	if (e->enclose)
		wait_flag(&w->op_finished);
	if (e->gap_us)
		usleep(e->gap_us);
}

static void ev_fork(struct st_workers *w, struct st_event *e,
		    unsigned long parity)
{
	int fds[2];
	pid_t pid;

	memset(w->report, 0, sizeof(*w->report));
	if (pipe(fds)) {
		e->err = errno;
		return;
	}
	mark(e->t[0]);
	pid = fork();
	if (pid == 0) {
		close(fds[1]);
		child_main(w, fds[0], parity);
	}
	marked(e->t[0]);
	close(fds[0]);
	if (pid < 0) {
		__atomic_store_n(&e->err, errno, __ATOMIC_RELEASE);
		close(fds[1]);
		return;
	}
	e->child = pid;
	w->go_fd = fds[1];
	/* Read by the operation's thread of a steered step (stress_main.c). */
	__atomic_store_n(&e->done, true, __ATOMIC_RELEASE);
}

static void ev_clear_refs(struct st_workers *w, struct st_event *e)
{
	mark(e->t[0]);
	if (pwrite(w->clear_refs_fd, "4", 1, 0) != 1)
		e->err = errno;
	marked(e->t[0]);
	e->done = !e->err;
}

static void ev_dontneed(struct st_workers *w, struct st_event *e)
{
	uint8_t *a = w->base + e->first * w->page;

	mark(e->t[0]);
	/* ENOMEM over a hole still zaps the mapped parts: done either way. */
	if (madvise(a, e->npages * w->page, MADV_DONTNEED))
		e->err = errno;
	marked(e->t[0]);
	e->done = true;
}

static void ev_mprotect(struct st_workers *w, struct st_event *e)
{
	uint8_t *a = w->base + e->first * w->page;
	size_t len = e->npages * w->page;

	mark(e->t[0]);
	if (mprotect(a, len, PROT_READ))
		e->err = errno;
	marked(e->t[0]);
	e->done = !e->err;
	first_half_done(w, e);
	second_half_wait(w, e);
	mark(e->t[1]);
	if (mprotect(a, len, PROT_READ | PROT_WRITE)) {
		e->err = errno;
		w->fatal = 1;
	}
	marked(e->t[1]);
}

static void ev_remap(struct st_workers *w, struct st_event *e)
{
	uint8_t *a = w->base + e->first * w->page;
	size_t len = e->npages * w->page;
	void *m;

	mark(e->t[0]);
	if (munmap(a, len))
		e->err = errno;
	marked(e->t[0]);
	e->done = !e->err;
	first_half_done(w, e);
	second_half_wait(w, e);
	mark(e->t[1]);
	m = mmap(a, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	marked(e->t[1]);
	if (m != a) {
		e->err = m == MAP_FAILED ? errno : EEXIST;
		w->fatal = 1;
	}
}

static void ev_mremap(struct st_workers *w, struct st_event *e)
{
	uint8_t *a = w->base + e->first * w->page;
	size_t len = e->npages * w->page;
	void *m;

	mark(e->t[0]);
	m = mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, w->reserve);
	marked(e->t[0]);
	/* EFAULT when the range spans two VMAs: then nothing moved. */
	if (m == MAP_FAILED)
		e->err = errno;
	e->done = !e->err;
	first_half_done(w, e);
	if (!e->done)
		return;
	second_half_wait(w, e);
	mark(e->t[1]);
	m = mremap(w->reserve, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	marked(e->t[1]);
	if (m != a) {
		e->err = errno;
		w->fatal = 1;
		return;
	}
	/* Park the reserve again; if somebody took its place, take another. */
	m = mmap(w->reserve, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != w->reserve) {
		if (m != MAP_FAILED)
			munmap(m, len);
		m = mmap(NULL, ST_EV_PAGES * w->page, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			w->fatal = 1;
		else
			w->reserve = m;
	}
}

static void run_event(struct st_workers *w, struct st_event *e)
{
	if (e->delay_us)
		usleep(e->delay_us);
	switch (e->kind) {
	case EV_FORK:
		ev_fork(w, e, w->step->no & 1);
		break;
	case EV_CLEAR_REFS:
		ev_clear_refs(w, e);
		break;
	case EV_DONTNEED:
		ev_dontneed(w, e);
		break;
	case EV_MPROTECT:
		ev_mprotect(w, e);
		break;
	case EV_REMAP:
		ev_remap(w, e);
		break;
	case EV_MREMAP:
		ev_mremap(w, e);
		break;
	default:
		break;
	}
}

static void *worker(void *arg)
{
	struct worker_arg *a = arg;
	struct st_workers *w = a->w;

	for (;;) {
		pthread_barrier_wait(&w->start);
		if (w->stop)
			break;
		if (a->index < w->step->nev)
			run_event(w, &w->step->ev[a->index]);
		pthread_barrier_wait(&w->end);
	}
	return NULL;
}

int st_workers_run(struct st_workers *w, struct st_step *s,
		   void (*op)(struct st_step *s, void *arg), void *arg)
{
	int e, enclosing = 0;

	w->step = s;
	for (e = 0; e < s->nev; e++)
		if (s->ev[e].enclose)
			enclosing++;
	atomic_store(&w->first_halves_pending, enclosing);
	atomic_store(&w->op_started, 0);
	atomic_store(&w->op_finished, 0);
	pthread_barrier_wait(&w->start);
	op(s, arg);
	pthread_barrier_wait(&w->end);
	return w->fatal ? -1 : 0;
}

struct st_workers *st_workers_start(uint8_t *base, size_t page,
				    struct st_child_report *report,
				    uint8_t *child_copy, uint64_t key)
{
	struct st_workers *w = calloc(1, sizeof(*w));
	int i;

	if (!w)
		return NULL;
	w->base = base;
	w->page = page;
	w->report = report;
	w->child_copy = child_copy;
	w->key = key;
	w->go_fd = -1;
	w->clear_refs_fd = open("/proc/self/clear_refs", O_WRONLY);
	if (w->clear_refs_fd < 0) {
		perror("stress: /proc/self/clear_refs");
		free(w);
		return NULL;
	}
	w->reserve = mmap(NULL, ST_EV_PAGES * page, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w->reserve == MAP_FAILED) {
		perror("stress: mmap reserve");
		close(w->clear_refs_fd);
		free(w);
		return NULL;
	}
	pthread_barrier_init(&w->start, NULL, NWORKERS + 1);
	pthread_barrier_init(&w->end, NULL, NWORKERS + 1);
	for (i = 0; i < NWORKERS; i++) {
		w->arg[i].w = w;
		w->arg[i].index = i;
		if (pthread_create(&w->th[i], NULL, worker, &w->arg[i])) {
			fprintf(stderr, "stress: cannot start worker threads\n");
			exit(99);
		}
	}
	return w;
}

void st_workers_set_base(struct st_workers *w, uint8_t *base)
{
	w->base = base;
}

void st_workers_stop(struct st_workers *w)
{
	int i;

	w->stop = true;
	pthread_barrier_wait(&w->start);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(w->th[i], NULL);
	pthread_barrier_destroy(&w->start);
	pthread_barrier_destroy(&w->end);
	munmap(w->reserve, ST_EV_PAGES * w->page);
	close(w->clear_refs_fd);
	free(w);
}
