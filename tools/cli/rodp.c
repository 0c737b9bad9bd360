// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp [OPTIONS] OBJECT [COMMAND] [key value...]
 *
 * The command line of rodp.ko, in iproute2 rdma's style. See rodp(8).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs(
"Usage: rodp [OPTIONS] OBJECT [COMMAND] [key value...]\n"
"  rodp stat [show] [pid N]                    rodp.ko's counters (global or one process)\n"
"  rodp mr [show] [pid N | id N | KEY VALUE...] ODP regions; any output key filters\n"
"  rodp policy [show] [pid N]                  the global or a process's policy\n"
"  rodp policy set [pid N] stock|event-aware|default\n"
"  rodp monitor [KEY VALUE...]                 region shrunk/dead events as they happen\n"
"  rodp status [show] [KEY VALUE...]           probes armed, symbols resolved, misses, rdma_rxe\n"
"Options:\n"
"  -j, --json          JSON output (the same keys as the text)\n"
"  -p, --pretty        indented JSON\n"
"  -d, --dev DEV       only regions on RDMA device DEV (stat: their sums)\n"
"  -i, --interval SEC  repeat every SEC seconds (stat, mr)\n"
"  -c, --count N       stop after N repetitions or N events\n"
"  -V, --version       print the version\n"
"Exit: 0 ok, 1 error, 2 bad usage, 3 rodp.ko not loaded, 4 permission denied,\n"
"      5 no such process or region.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct {
		const char *name;
		int (*fn)(struct cli *, const char *);
	} objects[] = {
		{ "stat", cmd_stat }, { "mr", cmd_mr }, { "policy", cmd_policy },
		{ "monitor", cmd_monitor }, { "status", cmd_status },
	};
	struct cli c = { 0 };
	const char *obj, *cmd = NULL;
	char *end;
	size_t i;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "+jpd:i:c:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': c.json = true; break;
		case 'p': c.pretty = true; break;
		case 'd': c.dev = optarg; break;
		case 'i':
			c.interval = strtod(optarg, &end);
			if (*end || !(c.interval > 0))
				return cli_usage("bad interval '%s'", optarg);
			break;
		case 'c':
			c.count = strtoul(optarg, &end, 0);
			if (*end || !c.count)
				return cli_usage("bad count '%s'", optarg);
			break;
		case 'V': printf("rodp %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: return cli_usage("bad option");
		}
	}
	if (c.pretty)
		c.json = true;
	if (optind >= argc)
		return cli_usage("which object? stat, mr, policy, monitor or status");
	obj = argv[optind++];
	if (!strcmp(obj, "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(obj, objects[i].name))
			break;
	if (i == sizeof(objects) / sizeof(objects[0]))
		return cli_usage("unknown object '%s' (stat, mr, policy, monitor, status)", obj);
	/* A command is a word that is not a filter key: show or set. */
	if (optind < argc && (!strcmp(argv[optind], "show") ||
			      !strcmp(argv[optind], "set") ||
			      !strcmp(argv[optind], "list")))
		cmd = argv[optind++];
	if (cmd && !strcmp(cmd, "list"))
		cmd = "show";
	c.argc = argc - optind;
	c.argv = argv + optind;

	c.ctx = rodp_open();
	if (!c.ctx)
		return cli_fail(errno, "cannot reach rodp.ko");
	ret = objects[i].fn(&c, cmd);
	rodp_close(c.ctx);
	return ret;
}
