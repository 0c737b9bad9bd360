// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp policy [show] [pid N]; rodp policy set [pid N] MODE. */
#include <config.h>

#include <string.h>

#include "../common/policy_name.h"
#include "cli.h"

static const struct key_spec policy_keys[] = { { "pid", KEY_NUM } };

static int policy_show(struct cli *c)
{
	enum rodp_policy_mode mode, global;
	struct kv kv[3];
	int n = 0, err;

	err = rodp_get_global_policy(c->ctx, &global);
	if (err)
		return cli_fail(err, "policy show");
	if (c->pid) {
		err = rodp_get_process_policy(c->ctx, c->pid, &mode);
		if (err)
			return cli_fail(err, "policy show pid");
		kv[n++] = (struct kv){ "pid", KV_U64, c->pid, NULL };
		kv[n++] = (struct kv){ "policy", KV_STR, 0, rodp_policy_str(mode) };
		/* What "default" means right now. */
		kv[n++] = (struct kv){ "effective", KV_STR, 0, rodp_policy_str(
			mode == RODP_POLICY_MODE_DEFAULT ? global : mode) };
	} else {
		kv[n++] = (struct kv){ "policy", KV_STR, 0, rodp_policy_str(global) };
	}
	out_begin(c);
	out_object(c, kv, n);
	out_end(c);
	return 0;
}

static int policy_set(struct cli *c)
{
	int err;

	err = c->pid ? rodp_set_process_policy(c->ctx, c->pid, c->policy) :
		       rodp_set_global_policy(c->ctx, c->policy);
	return err ? cli_fail(err, "policy set") : 0;
}

/* set [pid N] MODE, or set MODE [pid N]. */
static int policy_set_parse(struct cli *c)
{
	enum rodp_policy_mode mode;
	const char *name;

	if (!c->argc || c->argc % 2 == 0)
		return cli_usage("policy set needs one of stock, event-aware, "
				 "default (rodp policy help)");
	if (strcmp(c->argv[0], "pid")) {	/* set MODE pid N */
		name = c->argv[0];
		c->argv++;
	} else {				/* set pid N MODE */
		name = c->argv[c->argc - 1];
	}
	c->argc--;
	if (args_check(c, policy_keys, 1, false))
		return CLI_USAGE;
	if (tool_policy_parse(name, &mode))
		return cli_usage("unknown policy '%s' (stock, event-aware, default)",
				 name);
	if (!c->pid && mode == RODP_POLICY_MODE_DEFAULT)
		return cli_usage("the global policy cannot be 'default'");
	c->policy = mode;
	c->once = policy_set;
	return 0;
}

static int policy_parse(struct cli *c, const char *cmd)
{
	if (!strcmp(cmd, "set"))
		return policy_set_parse(c);
	c->once = policy_show;
	return args_check(c, policy_keys, 1, false);
}

static const char *const policy_cmds[] = { "show", "set", NULL };

const struct cli_object cli_obj_policy = {
	.name = "policy",
	.help =
"  rodp policy [show] [pid N]              the global or a process's policy\n"
"  rodp policy set [pid N] stock|event-aware|default\n",
	.cmds = policy_cmds,
	.parse = policy_parse,
};
