// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The command line, checked whole before anything talks to the kernel:
 * options as iproute2's rdma has them (-j JSON, -p pretty, -d details),
 * then OBJECT [COMMAND | help] [key value...].
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
	const struct cli_object *const *o;
	const char *line;
	size_t len;

	fputs("Usage: rodp [OPTIONS] OBJECT [COMMAND | help] [key value...]\n",
	      f);
	/* Each object's command lines, without its notes on keys. */
	for (o = cli_objects; *o; o++)
		for (line = (*o)->help; *line; line += len) {
			len = strcspn(line, "\n") + (strchr(line, '\n') != NULL);
			if (!strncmp(line, "  rodp ", 7))
				fprintf(f, "%.*s", (int)len, line);
		}
	fputs(
"Options:\n"
"  -j, --json          JSON output (the same keys and values as the text)\n"
"  -p, --pretty        indented JSON with -j; text wrapped at 80 columns\n"
"  -d, --details       every field of an object (mr show)\n"
"  -i, --interval SEC  repeat every SEC seconds (stat, mr)\n"
"  -c, --count N       stop after N repetitions, or N events (monitor)\n"
"  -V, --version       print the version\n"
"rodp OBJECT help describes an object's commands and keys.\n"
"Exit: 0 ok, 1 error, 2 bad usage, 3 rodp.ko not loaded, 4 permission denied,\n"
"      5 no such process or region.\n", f);
}

static void object_help(const struct cli_object *o)
{
	const char *const *cmd;

	printf("Usage:\n%s", o->help);
	if (o->cmds && o->cmds[0]) {
		printf("Commands:");
		for (cmd = o->cmds; *cmd; cmd++)
			printf(" %s", *cmd);
		printf(" help (default: %s)\n", o->cmds[0]);
	}
}

static const struct cli_object *find_object(const char *name)
{
	const struct cli_object *const *o;

	for (o = cli_objects; *o; o++)
		if (!strcmp((*o)->name, name))
			return *o;
	return NULL;
}

/* The object's command at argv[0], if it is one ("list" is "show"). */
static const char *find_cmd(const struct cli_object *o, const char *word)
{
	const char *const *cmd;

	if (!o->cmds || !word)
		return NULL;
	for (cmd = o->cmds; *cmd; cmd++)
		if (!strcmp(*cmd, word) ||
		    (!strcmp(word, "list") && !strcmp(*cmd, "show")))
			return *cmd;
	return NULL;
}

/* -d used to take the device: point at the key that replaced it. */
static int old_dev_form(const char *dev)
{
	return cli_usage("-d is --details now, as in rdma; filter a device "
			 "with 'dev %s' after the command (rodp mr show dev %s)",
			 dev, dev);
}

static int parse_options(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "details", no_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "dev", required_argument, NULL, 'D' },	/* gone */
		{ 0 }
	};
	char *end;
	int opt;

	/* "-drxe0": the old -d DEV glued to its value, which getopt would
	 * take for -d -r -x ... */
	for (opt = 1; opt < argc && argv[opt][0] == '-'; opt++) {
		const char *p = argv[opt] + 1 + strspn(argv[opt] + 1, "jpdVh");

		if (!strncmp(argv[opt], "-d", 2) && *p && !strchr("ic", *p))
			return old_dev_form(argv[opt] + 2);
	}
	opterr = 0;
	optind = 0;	/* full reset: a unit test parses many lines */
	while ((opt = getopt_long(argc, argv, "+:jpdi:c:Vh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j': c->json = true; break;
		case 'p': c->pretty = true; break;
		case 'd': c->details = true; break;
		case 'i':
			errno = 0;
			c->interval = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(c->interval > 0 && c->interval <= 86400))
				return cli_usage("bad interval '%s' (seconds, "
						 "more than 0, at most 86400)",
						 optarg);
			break;
		case 'c':
			errno = 0;
			c->count = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !c->count ||
			    optarg[0] == '-')
				return cli_usage("bad count '%s'", optarg);
			break;
		case 'V':
			printf("rodp %s\n", PACKAGE_VERSION);
			return CLI_DONE;
		case 'h':
			usage(stdout);
			return CLI_DONE;
		case 'D':
			return old_dev_form(optarg);
		case ':':
			return cli_usage("option '%s' needs a value",
					 argv[optind - 1]);
		default:
			if (optopt)
				return cli_usage("bad option '-%c' (rodp --help)",
						 optopt);
			return cli_usage("bad option '%s' (rodp --help)",
					 argv[optind - 1]);
		}
	}
	return 0;
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	const struct cli_object *o;
	const char *name, *cmd;
	int ret;

	c->out = stdout;
	ret = parse_options(c, argc, argv);
	if (ret)
		return ret;
	if (optind >= argc)
		return cli_usage("which object? stat, mr, policy or monitor "
				 "(rodp --help)");
	name = argv[optind++];
	if (!strcmp(name, "help")) {
		o = optind < argc ? find_object(argv[optind]) : NULL;
		if (o)
			object_help(o);
		else
			usage(stdout);
		return CLI_DONE;
	}
	o = find_object(name);
	if (!o) {
		if (c->details)
			return old_dev_form(name);
		return cli_usage("unknown object '%s' (stat, mr, policy, monitor)",
				 name);
	}
	c->obj = o;
	if (optind < argc && !strcmp(argv[optind], "help")) {
		object_help(o);
		return CLI_DONE;
	}
	cmd = optind < argc ? find_cmd(o, argv[optind]) : NULL;
	if (cmd)
		optind++;
	if (optind < argc && !strcmp(argv[optind], "help")) {	/* stat mr help */
		object_help(o);
		return CLI_DONE;
	}
	c->argc = argc - optind;
	c->argv = argv + optind;

	/* What the options mean for this object. */
	if (c->interval && !(o->flags & CLI_OBJ_INTERVAL))
		return cli_usage("-i repeats stat and mr, not %s", o->name);
	if (c->count && !c->interval && !(o->flags & CLI_OBJ_STREAM))
		return cli_usage("-c counts the repetitions of -i%s",
				 o->flags & CLI_OBJ_INTERVAL ? "" :
				 " (stat, mr) or monitor's events");
	if (c->json && c->pretty && (c->interval || o->flags & CLI_OBJ_STREAM))
		return cli_usage("-j -p cannot stream: with %s, JSON is one "
				 "document per line", c->interval ? "-i" :
				 o->name);
	return o->parse(c, cmd ? cmd : (o->cmds ? o->cmds[0] : NULL));
}
