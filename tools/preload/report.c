// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * RODP_STATS: at exit, what the interposer did and what rodp.ko counted
 * for this process, as "key value" lines (the keys of rodp(8)).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rodp/rodp.h>

#include "../common/module_state.h"
#include "../common/stat_fields.h"
#include "preload.h"

/*
 * rodp.ko drops a process's counters with its last region, which most
 * programs deregister before they exit: keep what it said just before.
 */
static struct rodp_stats last;
static bool have_last;
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;

/* Fork safety: no thread holds last_lock across fork(), and a child's
 * exit reports its own counters, never the parent's last snapshot. */
static void last_prepare(void)
{
	pthread_mutex_lock(&last_lock);
}

static void last_parent(void)
{
	pthread_mutex_unlock(&last_lock);
}

static void last_child(void)
{
	pthread_mutex_init(&last_lock, NULL);
	have_last = false;
}

void preload_report_init(void)
{
	pthread_atfork(last_prepare, last_parent, last_child);
}

void preload_stats_snapshot(void)
{
	struct rodp_ctx *ctx = rodp_open();
	struct rodp_stats st;

	if (!ctx)
		return;
	if (!rodp_get_stats(ctx, getpid(), &st, sizeof(st))) {
		pthread_mutex_lock(&last_lock);
		last = st;
		have_last = true;
		pthread_mutex_unlock(&last_lock);
	}
	rodp_close(ctx);
}

/*
 * One write per line: both ends of a test often share one stderr, and
 * stderr is unbuffered, so piecemeal output would interleave.
 */
static void print_stats(FILE *f, const char *when, const struct rodp_stats *st)
{
	char *line = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&line, &len);

	if (!m)
		return;
	fprintf(m, "librodp-preload[%d]: rodp%s:", (int)getpid(), when);
	for (i = 0; i < rodp_stat_nfields; i++)
		fprintf(m, " %s %llu", rodp_stat_fields[i].name,
			(unsigned long long)rodp_stat_value(st, &rodp_stat_fields[i]));
	fprintf(m, "\n");
	fclose(m);
	fwrite(line, 1, len, f);
	fflush(f);
	free(line);
}

void preload_report(void)
{
	struct preload_counts c = preload_counts;
	struct rodp_stats st;
	struct rodp_ctx *ctx;
	FILE *f = stderr;
	int err;

	if (strcmp(preload_cfg.stats, "-")) {
		f = fopen(preload_cfg.stats, "a");
		if (!f) {
			preload_log("RODP_STATS=%s: %s", preload_cfg.stats,
				    strerror(errno));
			return;
		}
	}
	fprintf(f, "librodp-preload[%d]: registrations %lu odp %lu pinned %lu "
		"special-pinned %lu odp-failed-retried %lu odp-failed-pinned %lu "
		"refused %lu failed %lu prefetched %lu prefetch-failed %lu "
		"rereg %lu dereg %lu\n", (int)getpid(), c.regs, c.odp, c.pinned,
		c.special, c.odp_retried, c.odp_retry_ok,
		c.refused, c.failed, c.prefetched, c.prefetch_failed, c.rereg,
		c.dereg);
	ctx = rodp_open();
	if (!ctx) {
		fprintf(f, "librodp-preload[%d]: rodp: %s\n", (int)getpid(),
			errno == ENODEV ? tool_no_module_reason() : strerror(errno));
		goto out;
	}
	err = rodp_get_stats(ctx, getpid(), &st, sizeof(st));
	if (err == ESRCH || err == ENOENT) {
		pthread_mutex_lock(&last_lock);
		if (have_last)
			print_stats(f, " (at the last deregistration)", &last);
		else
			fprintf(f, "librodp-preload[%d]: rodp: no ODP region of "
				"this process was seen\n", (int)getpid());
		pthread_mutex_unlock(&last_lock);
	} else if (err) {
		fprintf(f, "librodp-preload[%d]: rodp: %s\n", (int)getpid(),
			strerror(err));
	} else {
		print_stats(f, "", &st);
	}
	rodp_close(ctx);
out:
	if (f != stderr)
		fclose(f);
}
