/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * rodp(8): the command line of rodp.ko, in the grammar of iproute2's rdma:
 * rodp [OPTIONS] OBJECT [COMMAND | help] [key value...]. Every object is
 * printed as "key value" pairs; the JSON keys are the same words, with the
 * same values, and any of them, given as "key value", filters.
 *
 * A command runs in two steps: its object's parse() checks every argument
 * without talking to the kernel (a usage error exits 2 even without
 * rodp.ko) and picks c->once, which then runs on an open librodp context
 * (every -i seconds with -i).
 */
#ifndef RODP_CLI_H
#define RODP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rodp/rodp.h>

/* Exit codes: distinct for what a script wants to tell apart. */
enum {
	CLI_OK = 0,
	CLI_ERR = 1,		/* anything else */
	CLI_USAGE = 2,		/* bad object, command or argument */
	CLI_NO_MODULE = 3,	/* rodp.ko is not loaded */
	CLI_NO_PERM = 4,	/* needs CAP_NET_ADMIN or the owner */
	CLI_NOT_FOUND = 5,	/* no such process or region */
	CLI_DONE = -1,		/* parse(): nothing left to run (help) */
};

/* One printable field of an object. Numbers print in decimal, KV_HEX
 * ("0x1f", a string in JSON too) for addresses, keys and flags. */
struct kv {
	const char *key;
	enum { KV_U64, KV_HEX, KV_STR } type;
	uint64_t u;
	const char *s;
};

#define KV_MAX	64

/* A key an object accepts as a filter, and what its value must be. */
struct key_spec {
	const char *key;
	enum { KEY_NUM, KEY_STR } type;
};

struct cli;

/*
 * An object of the command line. To add one: a file with its help and
 * parse, its declaration below and a line in objects.c.
 */
struct cli_object {
	const char *name;
	/* "  rodp NAME ..." lines for help, then what its keys are */
	const char *help;
	/* its commands, NULL-terminated; the first is the default */
	const char *const *cmds;
	unsigned int flags;	/* CLI_OBJ_* */
	/* Checks cmd (NULL when it has none) and c->argv without the
	 * kernel and sets c->once: 0, or CLI_USAGE after saying why. */
	int (*parse)(struct cli *c, const char *cmd);
};

/* -i and -c repeat it (stat, mr) */
#define CLI_OBJ_INTERVAL	0x1
/* it prints a stream of objects: -c counts them (monitor) */
#define CLI_OBJ_STREAM		0x2
/* it runs without rodp.ko too (status: says why it is missing) */
#define CLI_OBJ_NO_MODULE	0x4

extern const struct cli_object *const cli_objects[];

struct cli {
	/* options */
	bool json;		/* -j */
	bool pretty;		/* -p: indented JSON, or wrapped text */
	bool details;		/* -d */
	double interval;	/* -i, 0: once */
	unsigned long count;	/* -c, 0: forever (with -i / monitor) */
	/* what parse found */
	const struct cli_object *obj;
	int argc;		/* key value... after OBJECT COMMAND */
	char **argv;
	uint32_t pid;		/* "pid N", 0 absent */
	const char *dev;	/* "dev NAME", NULL absent */
	int (*once)(struct cli *c);	/* the work, again every -i SEC */
	int policy;		/* policy set: enum rodp_policy_mode */
	/* while running */
	struct rodp_ctx *ctx;
	FILE *out;		/* stdout; a unit test's buffer */
	struct json_object *doc;	/* the document being built */
	unsigned long objects;		/* objects in doc */
};

/*
 * Parses the whole command line into *c (zeroed by the caller) without
 * touching the kernel. 0: run repeat(c, c->once) on an open context;
 * CLI_DONE: help or version printed, exit 0; CLI_USAGE: said why on
 * stderr, exit 2.
 */
int cli_parse(struct cli *c, int argc, char **argv);

/* output.c: one document (a JSON array of objects, or text lines) */
void out_begin(struct cli *c);
void out_object(struct cli *c, const struct kv *kv, int n);
/* Drops what the document holds (a dump to be retried). */
void out_discard(struct cli *c);
/* Prints the document: JSON as one line (indented with -p when it is
 * the only one), text as a line per object (wrapped with -p). */
void out_end(struct cli *c);
/* The value as both outputs print it: decimal, "0x..." or the string. */
const char *kv_value_str(const struct kv *kv, char *buf, size_t size);
int kv_add_stats(struct kv *kv, int n, const struct rodp_stats *s);
/* A region's counters: kv_add_stats()'s, then the names mlx5 gives its
 * per-MR ODP counters in rdma stat mr (computed from them). */
int kv_add_region_stats(struct kv *kv, int n, const struct rodp_stats *s);

/* args.c */
bool kv_match(const struct kv *kv, int n, const char *key, const char *value);
/* Every "key value" of c->argv names a key of keys (or with counters,
 * a counter of rodp stat) with a value of its type; "pid" and "dev" are
 * also stored in c. 0 or CLI_USAGE. */
int args_check(struct cli *c, const struct key_spec *keys, size_t nkeys,
	       bool counters);
/* Do the object's fields match every "key value" of c->argv? */
bool args_match(const struct cli *c, const struct kv *kv, int n);
/* Runs fn once, or every -i seconds (-c times, or until interrupted). */
int repeat(struct cli *c, int (*fn)(struct cli *));

/* errors: one clear line, and the exit code for it */
int cli_fail(int err, const char *what);
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* objects */
extern const struct cli_object cli_obj_stat;
extern const struct cli_object cli_obj_mr;
extern const struct cli_object cli_obj_policy;
extern const struct cli_object cli_obj_monitor;
extern const struct cli_object cli_obj_status;

/* monitor.c: prints the region events of one received datagram (len
 * bytes of generic netlink family) that pass the filters, at most max
 * (0: all); skips malformed messages with a line on stderr. Returns how
 * many it printed. */
unsigned long monitor_datagram(struct cli *c, const void *buf, size_t len,
			       int family, unsigned long max);

/* mr.c: a region's fields (terse, or every one with details, then the
 * counters with stats) and every key but the counters */
int region_kv(const struct rodp_region_info *r, bool details, bool stats,
	      struct kv *kv);
extern const struct key_spec region_keys[];
extern const size_t region_nkeys;
/* rodp_get_regions() that retries a dump the kernel interrupted
 * (EAGAIN), dropping what the partial one printed. */
int regions_walk(struct cli *c, uint32_t pid,
		 int (*fn)(const struct rodp_region_info *, void *), void *arg);

#endif
