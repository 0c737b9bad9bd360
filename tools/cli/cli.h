/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * rodp(8): the command line of rodp.ko, in the style of iproute2's rdma.
 * Every object is printed as "key value" pairs; the JSON keys are the
 * same words and any of them, given as "key value", filters.
 */
#ifndef RODP_CLI_H
#define RODP_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include <rodp/rodp.h>

/* Exit codes: distinct for what a script wants to tell apart. */
enum {
	CLI_OK = 0,
	CLI_ERR = 1,		/* anything else */
	CLI_USAGE = 2,		/* bad object, command or argument */
	CLI_NO_MODULE = 3,	/* rodp.ko is not loaded */
	CLI_NO_PERM = 4,	/* needs CAP_NET_ADMIN or the owner */
	CLI_NOT_FOUND = 5,	/* no such process or region */
};

struct cli {
	bool json, pretty;
	const char *dev;	/* -d */
	double interval;	/* -i, 0: once */
	unsigned long count;	/* -c, 0: forever (with -i / monitor) */
	int argc;		/* key value... after OBJECT COMMAND */
	char **argv;
	struct rodp_ctx *ctx;
};

/* One printable field of an object. */
struct kv {
	const char *key;
	enum { KV_U64, KV_HEX, KV_STR } type;
	uint64_t u;
	const char *s;
};

#define KV_MAX	64

/* output.c */
void out_list_begin(const struct cli *c);
void out_list_end(const struct cli *c);
void out_object(const struct cli *c, const struct kv *kv, int n);
bool kv_match(const struct kv *kv, int n, const char *key, const char *value);
bool kv_has_key(const struct kv *kv, int n, const char *key);
int kv_add_stats(struct kv *kv, int n, const struct rodp_stats *s);

/* errors: one clear line, and the exit code for it */
int cli_fail(int err, const char *what);
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* objects */
int cmd_stat(struct cli *c, const char *cmd);
int cmd_mr(struct cli *c, const char *cmd);
int cmd_policy(struct cli *c, const char *cmd);
int cmd_monitor(struct cli *c, const char *cmd);
int cmd_status(struct cli *c, const char *cmd);

/* "pid N" among the arguments: 0 and *pid, -1 when absent, CLI_USAGE bad */
int arg_pid(const struct cli *c, uint32_t *pid);

#endif
