// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * nlclose: what a release of a generic netlink socket costs while ODP
 * regions exist. rodp.ko hears of every such release (NETLINK_URELEASE),
 * whoever owned the socket (iw, ethtool, devlink, ...); one that rodp never
 * stored must not cost a walk of every region (kernel/rodp_portid.c).
 *
 *   nlclose [--rounds N] [--iters N] [REGIONS]
 *
 * Each round times ITERS socket + bind + close of a NETLINK_GENERIC socket
 * with REGIONS (default 1000) 4 KiB ODP MRs held by a child process, and
 * ITERS without, half before and half after (idle, held, idle: a drift of
 * the machine over the round weighs on both sides alike), and prints one
 * JSON object a round: "idle_us" and "held_us" (per socket) and their
 * "ratio". Run with rodp.ko loaded; the ratio is the figure (about 1 when
 * releases skip the walk).
 * Exit 0, 1 on error, 2 on bad usage, 77 when no ODP device is there.
 */
#include <config.h>

#include <getopt.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dev.h"

/* A child that registers n 4 KiB ODP MRs, says so on a pipe and waits to
 * be killed. Returns its pid, or -1. */
static pid_t hold_regions(long n)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct ibv_pd *pd = bench_open_pd("nlclose");
		char *buf = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long i;

		if (buf == MAP_FAILED)
			_exit(1);
		for (i = 0; i < n; i++)
			if (!ibv_reg_mr(pd, buf + i * 4096, 4096,
					IBV_ACCESS_ON_DEMAND |
					IBV_ACCESS_LOCAL_WRITE)) {
				perror("nlclose: ibv_reg_mr");
				_exit(1);
			}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	return pid;
}

/* Microseconds per socket + bind + close, or a negative value. */
static double close_us(long iters)
{
	double t0 = bench_seconds();
	long i;

	for (i = 0; i < iters; i++) {
		struct sockaddr_nl a = { .nl_family = AF_NETLINK };
		int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			       NETLINK_GENERIC);

		/* bind() gives it a portid: only then is its release sent. */
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a))) {
			perror("nlclose: netlink socket");
			if (s >= 0)
				close(s);
			return -1;
		}
		close(s);
	}
	return (bench_seconds() - t0) / (double)iters * 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "iters", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	long rounds = 5, iters = 3000, regions = 1000, r;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			rounds = strtol(optarg, NULL, 10);
		else if (c == 'i')
			iters = strtol(optarg, NULL, 10);
		else
			goto usage;
	}
	if (optind < argc)
		regions = strtol(argv[optind++], NULL, 10);
	if (optind != argc || rounds <= 0 || iters < 2 || regions <= 0 ||
	    regions > 1000000)
		goto usage;
	ibv_dealloc_pd(bench_open_pd("nlclose"));	/* exits 77 early */

	for (r = 0; r < rounds; r++) {
		double before = close_us(iters / 2), after, held, idle;
		pid_t pid = hold_regions(regions);

		if (before < 0 || pid < 0)
			return 1;
		held = close_us(iters);
		kill(pid, SIGKILL);
		/* The child's MRs are deregistered when its files close,
		 * before waitpid() returns. */
		waitpid(pid, NULL, 0);
		after = close_us(iters - iters / 2);
		if (held < 0 || after < 0)
			return 1;
		idle = (before * (double)(iters / 2) +
			after * (double)(iters - iters / 2)) / (double)iters;
		printf("{\"round\": %ld, \"regions\": %ld, \"iters\": %ld, "
		       "\"idle_us\": %.2f, \"held_us\": %.2f, \"ratio\": %.3f}\n",
		       r, regions, iters, idle, held, held / idle);
	}
	return 0;
usage:
	fprintf(stderr, "usage: nlclose [--rounds N] [--iters N] [REGIONS]\n");
	return 2;
}
