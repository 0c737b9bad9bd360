// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Churn: what happens to a registered buffer in real processes while
 * the device uses it. Each kind raises one mmu_notifier event on the
 * buffer (see DESIGN.md): soft-dirty clearing SOFT_DIRTY (on the whole
 * address space), fork PROTECTION_PAGE, mprotect PROTECTION_VMA,
 * madvise(DONTNEED) CLEAR, remap UNMAP. None of them takes access away
 * from the buffer, so traffic keeps running through every event.
 *
 * numa is no simulation: it starts nothing and checks that the kernel's
 * automatic NUMA balancing is on over two nodes or more, whose scanner
 * then marks slices of the process PROT_NONE (PROTECTION_VMA) and
 * migrates the pages it finds misplaced (CLEAR, MIGRATE). Its events are
 * the PTEs the balancer marked meanwhile (numa_pte_updates of
 * /proc/vmstat, which counts the whole machine). With --churn-alternate
 * its quiet runs are the same process with balancing switched off
 * (bench_numa_balancing(): kernel.numa_balancing 0, root only), so the
 * pair compares balancing on and off on the same MRs and connection.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static const char *const churn_names[] = {
	[CHURN_NONE] = "none",
	[CHURN_SOFTDIRTY] = "softdirty",
	[CHURN_FORK] = "fork",
	[CHURN_MPROTECT] = "mprotect",
	[CHURN_DONTNEED] = "dontneed",
	[CHURN_REMAP] = "remap",
	[CHURN_NUMA] = "numa",
};

const char *bench_churn_name(enum bench_churn kind)
{
	return churn_names[kind];
}

int bench_churn_parse(const char *name, enum bench_churn *kind)
{
	unsigned int i;

	for (i = 0; i < sizeof(churn_names) / sizeof(churn_names[0]); i++)
		if (!strcmp(name, churn_names[i])) {
			*kind = i;
			return 0;
		}
	return -1;
}

static int clear_soft_dirty(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, "4", 1) != 1)
		err = errno;
	close(fd);
	return err;
}

static int fork_child(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (!pid)
		_exit(0);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int churn_once(enum bench_churn kind, struct bench_ep *ep)
{
	void *p;

	switch (kind) {
	case CHURN_MPROTECT:
		/* Adding and dropping PROT_EXEC changes the VMA, not access. */
		if (mprotect(ep->buf, ep->buf_size,
			     PROT_READ | PROT_WRITE | PROT_EXEC) ||
		    mprotect(ep->buf, ep->buf_size, PROT_READ | PROT_WRITE))
			return errno;
		return 0;
	case CHURN_DONTNEED:
		return madvise(ep->buf, ep->buf_size, MADV_DONTNEED) ? errno : 0;
	case CHURN_REMAP:
		/* munmap and mmap in one step: no one else can take the range. */
		p = mmap(ep->buf, ep->buf_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return p == MAP_FAILED ? errno : 0;
	default:
		return EINVAL;
	}
}

static void *churn_thread(void *arg)
{
	struct bench_churn_ctl *c = arg;
	double period = 1.0 / c->rate;
	struct timespec next;
	int err, i;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!c->stop) {
		next.tv_nsec += (long)(fmod(period, 1.0) * 1e9);
		next.tv_sec += (time_t)period + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
				       NULL) == EINTR)
			;
		if (c->stop)
			break;
		/* These two act on the whole process: once per tick. */
		if (c->kind == CHURN_SOFTDIRTY)
			err = clear_soft_dirty();
		else if (c->kind == CHURN_FORK)
			err = fork_child();
		else
			for (err = 0, i = 0; i < c->neps && !err; i++)
				err = churn_once(c->kind, c->eps[i]);
		if (err) {
			c->error = err;
			break;
		}
		c->events++;
	}
	return NULL;
}

/* A line "name N" of /proc/vmstat: 0, or an errno. */
static int vmstat_read(const char *name, unsigned long *val)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	unsigned long v;
	int err = ENOENT;

	if (!f)
		return errno;
	while (fscanf(f, "%63s %lu", key, &v) == 2)
		if (!strcmp(key, name)) {
			*val = v;
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* Automatic NUMA balancing is on, over two nodes or more. */
static bool numa_balancing_on(void)
{
	FILE *f = fopen("/proc/sys/kernel/numa_balancing", "re");
	int mode = 0;

	if (f) {
		if (fscanf(f, "%d", &mode) != 1)
			mode = 0;
		fclose(f);
	}
	return mode > 0 &&
	       access("/sys/devices/system/node/node1", F_OK) == 0;
}

/*
 * kernel.numa_balancing as this process found it, while it switches it
 * (-1: never read). Only the client thread switches, so no lock.
 */
static int numa_mode_found = -1;

static int numa_mode_write(int mode)
{
	FILE *f = fopen("/proc/sys/kernel/numa_balancing", "we");
	int err = 0;

	if (!f)
		return errno;
	if (fprintf(f, "%d\n", mode) < 0)
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	return err;
}

int bench_numa_balancing(bool on)
{
	FILE *f;

	if (numa_mode_found < 0) {
		f = fopen("/proc/sys/kernel/numa_balancing", "re");
		if (!f)
			return errno;
		if (fscanf(f, "%d", &numa_mode_found) != 1)
			numa_mode_found = -1;
		fclose(f);
		if (numa_mode_found <= 0) {
			/* Off to begin with: there is no "on" to return to. */
			numa_mode_found = -1;
			return ENOTSUP;
		}
	}
	return numa_mode_write(on ? numa_mode_found : 0);
}

void bench_numa_balancing_restore(void)
{
	if (numa_mode_found > 0)
		numa_mode_write(numa_mode_found);
}

int bench_churn_start(struct bench_churn_ctl *c)
{
	c->stop = false;
	c->events = 0;
	c->error = 0;
	if (c->kind == CHURN_NONE)
		return 0;
	if (c->kind == CHURN_NUMA) {
		if (!numa_balancing_on()) {
			fprintf(stderr, "rodp-bench: --churn=numa needs automatic NUMA balancing (kernel.numa_balancing) on two NUMA nodes or more\n");
			return ENOTSUP;
		}
		return vmstat_read("numa_pte_updates", &c->numa_ptes);
	}
	return pthread_create(&c->thread, NULL, churn_thread, c);
}

void bench_churn_stop(struct bench_churn_ctl *c)
{
	unsigned long now;

	if (c->kind == CHURN_NONE)
		return;
	if (c->kind == CHURN_NUMA) {
		c->error = vmstat_read("numa_pte_updates", &now);
		if (!c->error)
			c->events = now - c->numa_ptes;
		return;
	}
	c->stop = true;
	pthread_join(c->thread, NULL);
}
